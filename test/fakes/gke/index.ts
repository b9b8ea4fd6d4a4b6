/** A contract fake of GKE's ClusterManager v1 gRPC API, backed by real local control planes. */
export { GkeFake, type GkeFakeOptions } from './server.js';
export { LocalControlPlanes, type ControlPlaneBacking } from './backing.js';
export { FaultInjector, FAULT_KINDS, type FaultKind, type FaultPlan } from './faults.js';
export type { FakeCluster, FakeOperation } from './cluster-manager.js';
export { ConnectionDropper } from './connection-dropper.js';
