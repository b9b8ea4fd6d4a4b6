// Fleetflow's cost of a cached run, for run-memory.ts: the same held run, bundled with all of
// Fleetflow's workflow code. A run evaluates its bundle's whole module graph (the SDK gives
// every run its own module scope), so this run carries every module a Fleetflow run carries.
export * from '../../workflows/index.js';
export { heldChild } from './run-memory-sdk-workflows.js';
