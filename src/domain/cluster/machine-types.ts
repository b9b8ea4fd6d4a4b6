/**
 * Machine types a local node pool may name, and what one simulated node of each offers. Local
 * nodes run nothing (KWOK plays their kubelets), so these numbers only feed the scheduler:
 * they decide how many pods fit on a node, as on a cloud node of that size. The cloud names
 * are there so that a spec written for GKE or EKS reads the same on a local cluster.
 */
export interface MachineType {
  /** Allocatable CPU, in Kubernetes quantity form ("4" cores). */
  cpu: string;
  /** Allocatable memory ("16Gi"). */
  memory: string;
  /** Pods per node, the kubelet's default. */
  pods: number;
}

export const LOCAL_MACHINE_TYPES: Readonly<Record<string, MachineType>> = {
  small: { cpu: '2', memory: '4Gi', pods: 110 },
  medium: { cpu: '4', memory: '16Gi', pods: 110 },
  large: { cpu: '8', memory: '32Gi', pods: 110 },
  'e2-standard-2': { cpu: '2', memory: '8Gi', pods: 110 },
  'e2-standard-4': { cpu: '4', memory: '16Gi', pods: 110 },
  'e2-standard-8': { cpu: '8', memory: '32Gi', pods: 110 },
  'm5.large': { cpu: '2', memory: '8Gi', pods: 110 },
  'm5.xlarge': { cpu: '4', memory: '16Gi', pods: 110 },
  'm5.2xlarge': { cpu: '8', memory: '32Gi', pods: 110 },
};

/** The machine type of a local pool that names none. */
export const DEFAULT_LOCAL_MACHINE_TYPE = 'medium';

/** The machine type `name` (the default when absent), or undefined when the table lacks it. */
export function localMachineType(name: string | undefined): MachineType | undefined {
  return LOCAL_MACHINE_TYPES[name ?? DEFAULT_LOCAL_MACHINE_TYPE];
}
