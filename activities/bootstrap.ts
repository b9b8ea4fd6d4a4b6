import { Context } from '@temporalio/activity';
import { BASELINE_BUNDLE, baselineBundle } from '../src/domain/bundle/baseline.js';
import type { ClusterSpec } from '../src/domain/cluster/spec.js';
import type { ClusterHealth } from '../src/domain/cluster/state.js';
import { TransientError } from '../src/errors.js';
import { applyBundle } from '../src/kube/apply.js';
import { apiServerHealth } from '../src/kube/health.js';
import { readObject } from '../src/kube/read.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import { credentialsFor } from './cluster-access.js';
import type { ClusterTarget } from '../src/domain/cluster/target.js';
import { step } from './errors.js';

/** Fleetflow's field manager: every object it applies is owned under this one name. */
export const FIELD_MANAGER = 'fleetflow';

export interface BootstrapInput {
  target: ClusterTarget;
  spec: ClusterSpec;
}

export interface VerifyResult {
  version: string;
  health: ClusterHealth;
  objectsFound: number;
}

/** Activities that act inside a cluster; credentials are resolved here and never returned. */
export function bootstrapActivities(providers: ProviderRegistry) {
  const credentialsOf = (t: ClusterTarget) => credentialsFor(providers, t);

  return {
    async bootstrapCluster({ target, spec }: BootstrapInput): Promise<{ objects: number; changed: number }> {
      return step(target.name, 'bootstrapping', async () => {
        Context.current().heartbeat('applying the baseline bundle');
        const creds = await credentialsOf(target);
        const baseline = { name: BASELINE_BUNDLE, revision: 'unversioned', manifests: baselineBundle(spec), options: { prune: false } };
        const results = await applyBundle(creds, baseline, { fieldManager: FIELD_MANAGER });
        return { objects: results.length, changed: results.filter((r) => r.action !== 'unchanged').length };
      });
    },

    async verifyCluster({ target, spec }: BootstrapInput): Promise<VerifyResult> {
      return step(target.name, 'verifying', async () => {
        const creds = await credentialsOf(target);
        const health = await apiServerHealth(creds);
        if (!health.ready || !health.version) {
          throw new TransientError(`API server is not ready: ${health.checks}`, 'VerificationFailed');
        }
        const bundle = baselineBundle(spec);
        const missing: string[] = [];
        for (const m of bundle) {
          const found = await readObject(creds, { apiVersion: m.apiVersion, kind: m.kind, name: m.metadata.name, ...(m.metadata.namespace ? { namespace: m.metadata.namespace } : {}) });
          if (!found) missing.push(`${m.kind} ${m.metadata.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata.name}`);
        }
        if (missing.length > 0) {
          throw new TransientError(`bootstrap objects missing: ${missing.join(', ')}`, 'VerificationFailed');
        }
        const checkedAt = new Date().toISOString();
        return {
          version: health.version,
          health: { status: 'Healthy', checkedAt, reasons: ['API server ready'] },
          objectsFound: bundle.length,
        };
      });
    },
  };
}
