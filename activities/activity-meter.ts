import { Context } from '@temporalio/activity';
import type { MetricMeter } from '@temporalio/common';

/** The running activity's metric meter (tagged with its type and queue); undefined when called outside an activity (tests call some directly). */
export function activityMeter(): MetricMeter | undefined {
  try {
    return Context.current().metricMeter;
  } catch {
    return undefined;
  }
}
