import { describe, expect, it } from 'vitest';
import { bearerToken, presignedUrlOf, requestToken } from '../../src/providers/eks/tokens.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'token+with/slash=' };
const signingDate = new Date('2026-01-02T03:04:05Z');

describe('EKS clientRequestToken', () => {
  it('is the same UUID-shaped token for the same key and differs between keys', () => {
    const a = requestToken('provision/web-1/create');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(requestToken('provision/web-1/create')).toBe(a);
    expect(requestToken('provision/web-1/create/x')).not.toBe(a);
  });

  it('stays 36 characters however long the key', () => {
    expect(requestToken('x'.repeat(5000))).toHaveLength(36);
  });
});

describe('EKS bearer token', () => {
  it('is k8s-aws-v1. and an unpadded base64url presigned STS GetCallerIdentity that signs x-k8s-aws-id', async () => {
    const token = await bearerToken({ clusterName: 'web-1', region: 'eu-west-1', credentials, signingDate });
    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = presignedUrlOf(token)!;
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20260102/eu-west-1/sts/aws4_request',
      'X-Amz-Date': '20260102T030405Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
      'X-Amz-Security-Token': credentials.sessionToken,
    });
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(token).not.toContain(credentials.secretAccessKey);
  });

  it('binds the signature to the cluster name and honours an STS endpoint override', async () => {
    const sig = async (clusterName: string) =>
      presignedUrlOf(await bearerToken({ clusterName, region: 'eu-west-1', credentials, signingDate, stsEndpoint: 'http://127.0.0.1:5000/' }))!;
    const [a, b] = [await sig('web-1'), await sig('web-2')];
    expect(a.host).toBe('127.0.0.1:5000');
    expect(a.searchParams.get('X-Amz-Signature')).not.toBe(b.searchParams.get('X-Amz-Signature'));
  });

  it('decodes nothing from a token of another kind', () => {
    expect(presignedUrlOf('eyJhbGciOi.jwt')).toBeUndefined();
  });
});
