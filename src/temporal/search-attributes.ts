import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { INVENTORY_ATTRIBUTES, inventoryValues } from '../domain/cluster/inventory.js';
import type { ClusterState } from '../domain/cluster/state.js';
import type { ClusterSpec } from '../domain/cluster/spec.js';
import { newClusterState } from '../domain/cluster/lifecycle.js';
import { CHANGE_ATTRIBUTES } from '../domain/change/attributes.js';
import { CAPACITY_ATTRIBUTES } from '../domain/cluster/capacity.js';

/** Typed keys of the inventory and change search attributes (importable from workflow code). */
export const SA = {
  provider: defineSearchAttributeKey(INVENTORY_ATTRIBUTES.provider, SearchAttributeType.KEYWORD),
  region: defineSearchAttributeKey(INVENTORY_ATTRIBUTES.region, SearchAttributeType.KEYWORD),
  environment: defineSearchAttributeKey(INVENTORY_ATTRIBUTES.environment, SearchAttributeType.KEYWORD),
  version: defineSearchAttributeKey(INVENTORY_ATTRIBUTES.version, SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey(INVENTORY_ATTRIBUTES.phase, SearchAttributeType.KEYWORD),
  health: defineSearchAttributeKey(INVENTORY_ATTRIBUTES.health, SearchAttributeType.KEYWORD),
  labels: defineSearchAttributeKey(INVENTORY_ATTRIBUTES.labels, SearchAttributeType.KEYWORD_LIST),
  ticket: defineSearchAttributeKey(CHANGE_ATTRIBUTES.ticket, SearchAttributeType.KEYWORD),
  requestedBy: defineSearchAttributeKey(CHANGE_ATTRIBUTES.requestedBy, SearchAttributeType.KEYWORD),
  changeType: defineSearchAttributeKey(CHANGE_ATTRIBUTES.changeType, SearchAttributeType.KEYWORD),
  changeState: defineSearchAttributeKey(CHANGE_ATTRIBUTES.changeState, SearchAttributeType.KEYWORD),
  zones: defineSearchAttributeKey(CAPACITY_ATTRIBUTES.zones, SearchAttributeType.KEYWORD_LIST),
  nodes: defineSearchAttributeKey(CAPACITY_ATTRIBUTES.nodes, SearchAttributeType.INT),
  freeCpu: defineSearchAttributeKey(CAPACITY_ATTRIBUTES.freeCpu, SearchAttributeType.INT),
} as const;

/**
 * A cluster's inventory attributes, in the order its entity publishes them. Also given when an
 * entity is started, so a cluster is listed from the moment it is registered, not from its
 * entity's first workflow task (minutes later on a worker that is behind).
 */
export function inventoryAttributes(state: ClusterState): SearchAttributePair[] {
  const v = inventoryValues(state);
  return [
    { key: SA.provider, value: v.provider },
    { key: SA.region, value: v.region },
    { key: SA.environment, value: v.environment },
    { key: SA.version, value: v.version },
    { key: SA.phase, value: v.phase },
    { key: SA.health, value: v.health },
    { key: SA.labels, value: v.labels },
  ];
}

/** The attributes an entity started for `spec` has before its first workflow task: those of its first state. */
export function startingAttributes(spec: ClusterSpec): SearchAttributePair[] {
  return inventoryAttributes(newClusterState(spec, ''));
}

/** Every custom search attribute the workflows need registered on the namespace. */
export const ALL_SEARCH_ATTRIBUTES = Object.values(SA);

