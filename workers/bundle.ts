import { fileURLToPath } from 'node:url';

/** Entry of the workflow bundle (the worker bundles it with webpack at start). */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
