import { describe, expect, it } from 'vitest';
import { gkeError, GrpcCode, tokenError } from '../../src/providers/gke/errors.js';
import { clusterStatus, isRelease, keyLabelValue, kubernetesRelease, nodePoolStatus, resourceLabels, toProviderChange, toProviderCluster } from '../../src/providers/gke/mapping.js';

/** What google-gax throws: a GoogleError with the numeric gRPC code and the server's details. */
const googleError = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details });
const ctx = { cluster: 'web-1', step: 'creating the cluster' };

describe('GKE error classification', () => {
  const cases: [string, unknown, string, boolean][] = [
    // Passing faults: retry with backoff.
    ['throttling (per-minute quota)', googleError(GrpcCode.RESOURCE_EXHAUSTED, "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute'"), 'Throttled', true],
    ['rate limit without the word quota', googleError(GrpcCode.RESOURCE_EXHAUSTED, 'Too many requests'), 'Throttled', true],
    ['a 503', googleError(GrpcCode.UNAVAILABLE, 'The service is currently unavailable.'), 'Unavailable', true],
    ['a 500', googleError(GrpcCode.INTERNAL, 'Internal error encountered.'), 'Unavailable', true],
    ['an aborted call', googleError(GrpcCode.ABORTED, 'aborted'), 'Unavailable', true],
    ['the client deadline', googleError(GrpcCode.DEADLINE_EXCEEDED, 'Deadline exceeded'), 'Timeout', true],
    ['another operation running', googleError(GrpcCode.FAILED_PRECONDITION, 'Cluster is running incompatible operation operation-1.'), 'OperationInProgress', true],
    ['a connection reset below gRPC', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'Unavailable', true],
    ['something unknown', new Error('socket hang up'), 'Transient', true],
    // Refusals that no retry can fix.
    ['an unsupported version', googleError(GrpcCode.INVALID_ARGUMENT, 'Master version "1.20" is unsupported.'), 'UnsupportedVersion', false],
    ['another bad argument', googleError(GrpcCode.INVALID_ARGUMENT, 'Invalid value for field "cluster.name".'), 'InvalidParameter', false],
    ['a missing permission', googleError(GrpcCode.PERMISSION_DENIED, "Required 'container.clusters.create' permission"), 'PermissionDenied', false],
    ['bad credentials', googleError(GrpcCode.UNAUTHENTICATED, 'Request had invalid authentication credentials.'), 'PermissionDenied', false],
    ['an exhausted project quota', googleError(GrpcCode.RESOURCE_EXHAUSTED, "Insufficient quota to satisfy the request: quota 'CPUS' exceeded"), 'QuotaExceeded', false],
    ['a quota refusal sent as permission denied', googleError(GrpcCode.PERMISSION_DENIED, 'Insufficient regional quota to satisfy request'), 'QuotaExceeded', false],
    ['a missing cluster', googleError(GrpcCode.NOT_FOUND, 'Not found: projects/p/locations/l/clusters/web-1.'), 'ClusterNotFound', false],
    ['an unimplemented RPC', googleError(GrpcCode.UNIMPLEMENTED, 'not implemented'), 'NotSupported', false],
  ];
  for (const [why, error, type, retryable] of cases) {
    it(`treats ${why} as ${retryable ? 'retryable' : 'permanent'} ${type}`, () => {
      const e = gkeError(error, ctx);
      expect({ type: e.type, retryable: e.retryable }).toEqual({ type, retryable });
      expect(e.message).toMatch(/^cluster web-1: creating the cluster: /);
    });
  }

  it("quotes the server's words without google-gax's code prefix", () => {
    expect(gkeError(googleError(GrpcCode.INVALID_ARGUMENT, 'Master version "1.20" is unsupported.'), ctx).message).toBe(
      'cluster web-1: creating the cluster: Master version "1.20" is unsupported.',
    );
  });

  it('fails token errors permanently only when no credentials are configured', () => {
    const step = { cluster: 'web-1', step: 'getting credentials' };
    expect(tokenError(new Error('Could not load the default credentials.'), step)).toMatchObject({ type: 'CredentialsUnavailable', retryable: false });
    expect(tokenError(new Error('invalid_grant: Token has been expired or revoked.'), step)).toMatchObject({ type: 'CredentialsUnavailable', retryable: false });
    expect(tokenError(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }), step)).toMatchObject({ retryable: true });
  });
});

describe('GKE mapping', () => {
  it.each([
    ['PROVISIONING', 'Creating', 'Creating'],
    ['RUNNING', 'Running', 'Running'],
    ['RECONCILING', 'Updating', 'Updating'],
    ['STOPPING', 'Deleting', 'Deleting'],
    ['ERROR', 'Failed', 'Failed'],
    ['STATUS_UNSPECIFIED', 'Creating', 'Creating'],
  ])('maps status %s to %s for a cluster and %s for a node pool', (status, cluster, pool) => {
    expect(clusterStatus(status)).toBe(cluster);
    expect(nodePoolStatus(status)).toBe(pool);
  });

  it('keeps a DEGRADED cluster and a RUNNING_WITH_ERROR node pool Running: they still serve', () => {
    expect(clusterStatus('DEGRADED')).toBe('Running');
    expect(nodePoolStatus('RUNNING_WITH_ERROR')).toBe('Running');
  });

  it('marks a cluster with a label derived from the idempotency key, and labels in GKE syntax', () => {
    const labels = resourceLabels({ team: 'Web', 'example.com/owner': 'a.b', '9lives': 'x' }, 'provision/web-1/create');
    expect(labels).toEqual({ team: 'web', example_com_owner: 'a_b', l_9lives: 'x', 'fleetflow-key': keyLabelValue('provision/web-1/create') });
    expect(labels['fleetflow-key']).toMatch(/^[0-9a-f]{40}$/);
    expect(keyLabelValue('provision/web-1/create')).not.toBe(keyLabelValue('provision/web-2/create'));
  });

  it('reads Kubernetes releases out of GKE versions and matches requested ones', () => {
    expect(kubernetesRelease('1.35.4-gke.1000')).toBe('1.35.4');
    expect(kubernetesRelease('')).toBeUndefined();
    expect(isRelease('1.36.3-gke.100', '1.36')).toBe(true);
    expect(isRelease('1.36.3-gke.100', '1.36.3')).toBe(true);
    expect(isRelease('1.36.3-gke.100', '1.36.2')).toBe(false);
    expect(isRelease('1.35.4-gke.100', '1.3')).toBe(false); // "1.3" is not a prefix of minor 35
  });

  it('maps GKE statuses, as names or numbers, without any credential material', () => {
    const cluster = toProviderCluster(
      {
        name: 'web-1',
        status: 'DEGRADED',
        statusMessage: 'nodes unhealthy',
        endpoint: '10.0.0.2',
        currentMasterVersion: '1.35.4-gke.100',
        masterAuth: { clusterCaCertificate: 'LS0tLS1CRUdJTi' },
        nodePools: [{ name: 'a', status: 2, version: '1.35.4-gke.100' }, { name: 'b', status: 'PROVISIONING' }],
      },
      'projects/p/locations/l/clusters/web-1',
    );
    expect(cluster).toEqual({
      name: 'web-1',
      providerId: 'projects/p/locations/l/clusters/web-1',
      status: 'Running',
      endpoint: 'https://10.0.0.2',
      version: '1.35.4',
      message: 'DEGRADED; nodes unhealthy',
      nodePools: [
        { name: 'a', status: 'Running', version: '1.35.4' },
        { name: 'b', status: 'Creating' },
      ],
    });
    expect(toProviderCluster({ name: 'x', status: 'STOPPING' }, 'id').status).toBe('Deleting');
    expect(toProviderCluster({ name: 'x', status: 'RECONCILING' }, 'id').status).toBe('Updating');
    expect(toProviderCluster({ name: 'x', status: 'ERROR' }, 'id').status).toBe('Failed');
  });

  it('turns operations into changes: running, succeeded, or failed with the error', () => {
    expect(toProviderChange({ status: 'RUNNING' }, 'op')).toEqual({ id: 'op', status: 'InProgress' });
    expect(toProviderChange({ status: 3 }, 'op')).toEqual({ id: 'op', status: 'Succeeded' });
    expect(toProviderChange({ status: 'DONE', error: { code: 13, message: 'upgrade failed: etcd' } }, 'op')).toEqual({ id: 'op', status: 'Failed', message: 'upgrade failed: etcd' });
    expect(toProviderChange({ status: 'DONE', statusMessage: 'old-style error' }, 'op')).toEqual({ id: 'op', status: 'Failed', message: 'old-style error' });
  });
});
