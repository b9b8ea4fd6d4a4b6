import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhooksConfigSchema } from '../../src/domain/change/webhooks-config.js';
import { FleetflowError } from '../../src/errors.js';
import { postSigned } from '../../src/webhooks/post.js';
import { resolveSecretKeys, type SecretSources } from '../../src/webhooks/secrets.js';
import { secretKey } from '../../src/webhooks/sign.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const keyOf = (s: string) => (secretKey(s) as { ok: true; key: Buffer }).key;

describe('resolving a secret by name on the worker', () => {
  const [a, b] = [newSecret(), newSecret()];
  const secrets = WebhooksConfigSchema.parse({
    secrets: { sn: { env: 'SN_SECRET' }, ci: { file: '/etc/ci' }, rotating: [{ env: 'NEW_SECRET' }, { file: '/etc/old' }] },
  }).secrets;
  const sources = (env: Record<string, string>, files: Record<string, string>): SecretSources => ({
    env,
    readFile: (p) => {
      if (p in files) return files[p]!;
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
    },
  });

  it('reads an environment variable, a file (trailing newline and all) and both sources of a rotation', () => {
    const src = sources({ SN_SECRET: a, NEW_SECRET: b }, { '/etc/ci': `${a}\n`, '/etc/old': a });
    expect(resolveSecretKeys(secrets, 'sn', src)).toEqual([keyOf(a)]);
    expect(resolveSecretKeys(secrets, 'ci', src)).toEqual([keyOf(a)]);
    expect(resolveSecretKeys(secrets, 'rotating', src)).toEqual([keyOf(b), keyOf(a)]);
  });

  it.each([
    // why each case; none of the messages may carry a secret's value
    ['a name the worker does not know', 'jira', {}, {}, 'CallbackSecretMissing', 'callback secret "jira" is not in the worker\'s configuration (webhooks.secrets)'],
    ['an unset variable', 'sn', {}, {}, 'CallbackSecretMissing', 'callback secret "sn": environment variable SN_SECRET is not set'],
    ['an empty variable', 'sn', { SN_SECRET: ' ' }, {}, 'CallbackSecretMissing', 'callback secret "sn": environment variable SN_SECRET is not set'],
    ['a missing file', 'ci', {}, {}, 'CallbackSecretMissing', 'callback secret "ci": cannot read file /etc/ci (ENOENT)'],
    ['one source of a rotation missing', 'rotating', { NEW_SECRET: b }, {}, 'CallbackSecretMissing', 'callback secret "rotating": cannot read file /etc/old (ENOENT)'],
    ['a value without whsec_', 'sn', { SN_SECRET: a.slice(6) }, {}, 'CallbackSecretInvalid', 'callback secret "sn" (environment variable SN_SECRET): must be whsec_ followed by the base64 of 24 to 64 bytes'],
  ])('refuses %s, non-retryable', (_why, name, env, files, type, message) => {
    let err: unknown;
    try {
      resolveSecretKeys(secrets, name, sources(env, files));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FleetflowError);
    expect(err).toMatchObject({ type, retryable: false, message });
    expect((err as Error).message).not.toContain(a.slice(6, 20));
  });
});

describe('one signed POST', () => {
  const secret = newSecret();
  let receiver: WebhookReceiver;
  let silent: Server;
  let redirecting: Server;
  const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start({ secret, failFirst: 1 });
    // Takes the request and never answers.
    silent = createServer(() => undefined);
    redirecting = createServer((_req, res) => res.writeHead(302, { location: receiver.url }).end());
    await Promise.all([silent, redirecting].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  });
  afterAll(async () => {
    await receiver?.close();
    for (const s of [silent, redirecting]) {
      s?.closeAllConnections();
      await new Promise((r) => s?.close(r));
    }
  });

  const post = (url: string, timeoutMs = 5_000) => postSigned({ url, webhookId: 'msg_t_1', body: '{"type":"accepted"}', keys: [keyOf(secret)], timeoutMs });
  const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

  it('is CallbackRejected (retryable) with the start of the answer while the receiver fails, then delivered', async () => {
    expect(await failure(post(receiver.url))).toMatchObject({ type: 'CallbackRejected', retryable: true, message: 'the receiver answered HTTP 500: receiver failing on purpose' });
    expect(await post(receiver.url)).toEqual({ status: 204 });
    // Both attempts carried the same id and passed the independent verifier.
    expect(receiver.verified.map((v) => [v.id, v.status])).toEqual([['msg_t_1', 500], ['msg_t_1', 204]]);
    expect(receiver.rejected).toEqual([]);
  });

  it('does not follow a redirect: the callback goes where the change said and nowhere else', async () => {
    const before = receiver.verified.length;
    expect(await failure(post(urlOf(redirecting)))).toMatchObject({ type: 'CallbackRejected', retryable: true, message: 'the receiver answered HTTP 302' });
    expect(receiver.verified).toHaveLength(before);
  });

  it('is CallbackUnreachable when the receiver does not answer in time', async () => {
    expect(await failure(post(urlOf(silent), 300))).toMatchObject({ type: 'CallbackUnreachable', retryable: true, message: 'no answer from the receiver: no answer within 300 ms' });
  });

  it('is CallbackUnreachable when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = urlOf(closed);
    await new Promise((r) => closed.close(r));
    expect(await failure(post(url))).toMatchObject({ type: 'CallbackUnreachable', retryable: true, message: 'no answer from the receiver: ECONNREFUSED' });
  });
});
