import { PermanentError, messageOf } from '../../errors.js';
import type { Toolchain } from '../../host/toolchain.js';
import type { ControlPlaneBinaries } from './control-plane.js';

/** The installed Kubernetes release a request means (the default when none is asked for); refused when it is not installed. */
export function resolveKubeRelease(toolchain: Toolchain, cluster: string, requested: string | undefined): string {
  if (!requested) return toolchain.defaultKubeVersion;
  const version = toolchain.matchKubeVersion(requested);
  if (!version) {
    throw new PermanentError(
      `cluster ${cluster}: Kubernetes ${requested} is not installed for the local provider (installed: ${toolchain.versions.kube.join(', ')})`,
      'UnsupportedVersion',
    );
  }
  return version;
}

/** The binaries of one release's control plane, from the tools cache; ToolchainMissing when one is not built. */
export function controlPlaneBinaries(toolchain: Toolchain, cluster: string, version: string, apiserverExtraArgs: readonly string[]): ControlPlaneBinaries {
  try {
    return {
      etcd: toolchain.etcd,
      apiserver: toolchain.kubeApiserver(version),
      controllerManager: toolchain.kubeControllerManager(version),
      scheduler: toolchain.kubeScheduler(version),
      kwok: toolchain.kwok,
      apiserverExtraArgs,
    };
  } catch (e) {
    throw new PermanentError(`cluster ${cluster}: ${messageOf(e)}`, 'ToolchainMissing', { cause: e });
  }
}
