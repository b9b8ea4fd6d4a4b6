import { ApiScanInputSchema, type ApiScanInput } from '../src/domain/cluster/kube-operation-inputs.js';
import { scanManifests, type RemovedApiFinding } from '../src/domain/upgrade/removed-apis.js';
import { scanClusterForRemovedApis, type ServedRemovedApi } from '../src/kube/api-scan.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import { clusterNameOf, credentialsFor, parseInput } from './cluster-access.js';
import { step } from './errors.js';

export interface RemovedApiReport {
  targetVersion: string;
  /** Objects on the cluster whose managers or last apply used a removed version. */
  cluster: RemovedApiFinding[];
  /** Manifests of the given bundle at a removed version. */
  manifests: RemovedApiFinding[];
  /** Removed versions the server still serves. */
  served: ServedRemovedApi[];
  scannedObjects: number;
}

/** The removed-API scan before an upgrade: a quick call (a few LISTs) under the quick profile. */
export function apiScanActivities(providers: ProviderRegistry) {
  return {
    /** Findings are a result: the workflow decides whether they block the upgrade. */
    async scanRemovedApis(input: ApiScanInput): Promise<RemovedApiReport> {
      return step(clusterNameOf(input), 'scanning for removed APIs', async () => {
        const { target, targetVersion, manifests } = parseInput(ApiScanInputSchema, input);
        const creds = await credentialsFor(providers, target);
        const scan = await scanClusterForRemovedApis(creds, targetVersion);
        return {
          targetVersion,
          cluster: scan.findings,
          manifests: scanManifests(manifests, targetVersion),
          served: scan.served,
          scannedObjects: scan.scannedObjects,
        };
      });
    },
  };
}
