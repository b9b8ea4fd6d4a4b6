import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { INVENTORY_ATTRIBUTES } from '../domain/cluster/inventory.js';

/** Typed keys of the inventory search attributes (importable from workflow code). */
export const SA = {
  provider: defineSearchAttributeKey(INVENTORY_ATTRIBUTES.provider, SearchAttributeType.KEYWORD),
  region: defineSearchAttributeKey(INVENTORY_ATTRIBUTES.region, SearchAttributeType.KEYWORD),
  environment: defineSearchAttributeKey(INVENTORY_ATTRIBUTES.environment, SearchAttributeType.KEYWORD),
  version: defineSearchAttributeKey(INVENTORY_ATTRIBUTES.version, SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey(INVENTORY_ATTRIBUTES.phase, SearchAttributeType.KEYWORD),
  health: defineSearchAttributeKey(INVENTORY_ATTRIBUTES.health, SearchAttributeType.KEYWORD),
  labels: defineSearchAttributeKey(INVENTORY_ATTRIBUTES.labels, SearchAttributeType.KEYWORD_LIST),
} as const;

/** Every custom search attribute the workflows need registered on the namespace. */
export const ALL_SEARCH_ATTRIBUTES = Object.values(SA);

/** `Name=Type` pairs as the Temporal CLI's --search-attribute flag takes them. */
export function searchAttributeFlags(): string[] {
  const cliType: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };
  return ALL_SEARCH_ATTRIBUTES.map((k) => `${k.name}=${cliType[k.type]}`);
}
