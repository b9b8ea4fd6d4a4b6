import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { INVENTORY_ATTRIBUTES } from '../domain/cluster/inventory.js';
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

/** Every custom search attribute the workflows need registered on the namespace. */
export const ALL_SEARCH_ATTRIBUTES = Object.values(SA);

