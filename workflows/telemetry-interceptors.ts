import { ContinueAsNew, isCancellation, metricMeter, workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { METRICS, OPERATION_WORKFLOW_TYPES, type OperationOutcome } from '../src/domain/telemetry/metrics.js';

/**
 * Counts operations as they start and end, for every operation workflow type at once (the
 * worker adds this module to the bundle's interceptors; recorded histories replay without it,
 * and it issues no commands). A continue-as-new run is the same operation: it is counted when
 * the first run starts and when the last one ends. The meter's sink is not called on replay.
 */
export const interceptors: WorkflowInterceptorsFactory = () => {
  const type = workflowInfo().workflowType;
  if (!OPERATION_WORKFLOW_TYPES.includes(type)) return {};
  return {
    inbound: [
      {
        async execute(input, next) {
          const started = metricMeter.createCounter(METRICS.operationsStarted.name, undefined, METRICS.operationsStarted.help);
          const finished = metricMeter.createCounter(METRICS.operationsFinished.name, undefined, METRICS.operationsFinished.help);
          if (!workflowInfo().continuedFromExecutionRunId) started.add(1, { type });
          let outcome: OperationOutcome;
          try {
            const result = await next(input);
            // A staged operation an operator aborted returns { outcome: 'Aborted' }.
            outcome = (result as { outcome?: unknown } | undefined)?.outcome === 'Aborted' ? 'aborted' : 'succeeded';
            finished.add(1, { type, outcome });
            return result;
          } catch (err) {
            if (err instanceof ContinueAsNew) throw err;
            outcome = isCancellation(err) ? 'cancelled' : 'failed';
            finished.add(1, { type, outcome });
            throw err;
          }
        },
      },
    ],
  };
};
