import { InvalidParameterException, ResourceLimitExceededException, ServerException } from '@aws-sdk/client-eks';
import { describe, expect, it } from 'vitest';
import { eksError } from '../../src/providers/eks/errors.js';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
const named = (name: string, message: string, extra: object = {}) => Object.assign(new Error(message), { name }, extra);

describe('classifying EKS errors', () => {
  it.each([
    // Throttling: by code, and by status when the code is unknown.
    [named('ThrottlingException', 'Rate exceeded', meta(429)), 'Throttled'],
    [named('SomethingNew', 'slow down', meta(429)), 'Throttled'],
    // Server faults and a 503 without a modelled code.
    [new ServerException({ message: 'boom', $metadata: { httpStatusCode: 500 } }), 'ProviderUnavailable'],
    [named('ServiceUnavailableException', 'try later', meta(503)), 'ProviderUnavailable'],
    // Network: smithy's timeout, a reset socket, a hang-up without a code.
    [named('TimeoutError', 'a request has exceeded the configured 2000 ms requestTimeout'), 'NetworkError'],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'NetworkError'],
    [new Error('socket hang up'), 'NetworkError'],
  ])('retries %s as %s', (err, type) => {
    const e = eksError(err, 'web-1', 'DescribeCluster');
    expect(e).toMatchObject({ type, retryable: true });
    expect(e.message).toMatch(/^cluster web-1: DescribeCluster: /);
  });

  it.each([
    [new InvalidParameterException({ message: 'unsupported Kubernetes version 1.99', $metadata: {} }), 'UnsupportedVersion'],
    [new InvalidParameterException({ message: 'Unsupported Kubernetes minor version update from 1.35 to 1.37', $metadata: {} }), 'UnsupportedVersion'],
    [new InvalidParameterException({ message: 'Subnets are required', $metadata: {} }), 'InvalidParameter'],
    [named('AccessDeniedException', 'User is not authorized to perform eks:CreateCluster', meta(403)), 'AccessDenied'],
    [named('UnrecognizedClientException', 'The security token included in the request is invalid', meta(403)), 'AccessDenied'],
    [new ResourceLimitExceededException({ message: 'Cluster limit exceeded for account', $metadata: {} }), 'QuotaExceeded'],
    [named('InvalidRequestException', 'Cluster is not in ACTIVE status', meta(400)), 'InvalidRequest'],
    [named('CredentialsProviderError', 'Could not load credentials from any providers'), 'CredentialsMissing'],
  ])('refuses %s at once as %s, naming the cluster and step', (err, type) => {
    const e = eksError(err, 'web-1', 'CreateCluster 1.99');
    expect(e).toMatchObject({ type, retryable: false });
    expect(e.message).toContain('cluster web-1: CreateCluster 1.99: ');
  });

  it('keeps the AWS code and words in the message', () => {
    const e = eksError(new InvalidParameterException({ message: 'unsupported Kubernetes version 1.99', $metadata: {} }), 'web-1', 'CreateCluster 1.99');
    expect(e.message).toBe('cluster web-1: CreateCluster 1.99: InvalidParameterException: unsupported Kubernetes version 1.99');
  });
});
