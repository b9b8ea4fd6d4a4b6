import { describe, expect, it } from 'vitest';
import { problemOf } from '../../src/cli/api-client.js';
import { exitCodeOf } from '../../src/cli/errors.js';

describe('the CLI’s message for an API problem', () => {
  it('names the failure type and the detail, and lists the fields of a validation problem once', () => {
    const body = {
      title: 'An input fails its schema; the message lists every problem by path',
      failureType: 'InvalidInput',
      detail: 'invalid request: input.name: must be a cluster name; input.version: must be a Kubernetes version',
      errors: [
        { path: 'input.name', message: 'must be a cluster name' },
        { path: 'input.version', message: 'must be a Kubernetes version' },
      ],
    };
    const p = problemOf(400, 'Bad Request', body, JSON.stringify(body));
    expect(p.message).toBe('400 InvalidInput: invalid request: input.name: must be a cluster name; input.version: must be a Kubernetes version');
    expect(exitCodeOf(p)).toBe(2);
  });

  it('adds the fields its detail does not name', () => {
    const body = { failureType: 'CallbackNotAllowed', detail: 'the callback host is not allowed', errors: [{ path: 'callbackUrl', message: 'matches no pattern' }] };
    expect(problemOf(422, 'Unprocessable Entity', body, '').message).toBe('422 CallbackNotAllowed: the callback host is not allowed (callbackUrl: matches no pattern)');
  });

  it('says what a non-problem answer said (a proxy’s page), exiting 1 for a 5xx', () => {
    const p = problemOf(502, 'Bad Gateway', undefined, '<html>upstream down</html>\n');
    expect(p.message).toBe('502 Bad Gateway: <html>upstream down</html>');
    expect(exitCodeOf(p)).toBe(1);
    expect(problemOf(404, 'Not Found', undefined, '').message).toBe('404 Not Found');
  });
});
