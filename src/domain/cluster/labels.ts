import { z } from 'zod';

// Kubernetes label syntax: an optional DNS-subdomain prefix, then a name of at most 63 chars.
const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix))) return false;
  return NAME.test(name);
}

export function isLabelValue(value: string): boolean {
  return value === '' || NAME.test(value);
}

export const LabelValueSchema = z
  .string()
  .refine(isLabelValue, 'must be at most 63 characters of letters, digits, "-", "_" or ".", starting and ending alphanumeric');

export const LabelsSchema = z.record(
  z.string().refine(isLabelKey, 'label key must be [prefix/]name, name at most 63 alphanumerics, "-", "_" or "."'),
  LabelValueSchema,
);

export type Labels = z.infer<typeof LabelsSchema>;
