import { z } from 'zod';
import { EncryptionConfigSchema } from '../encryption/encryption-config.js';
import { ApiConfigSchema } from '../api/api-config.js';
import { AccessPolicySchema } from '../auth/policy.js';
import { WebhooksConfigSchema } from '../change/webhooks-config.js';
import { AccountNameSchema } from './spec.js';

/**
 * Provider accounts a worker may use, from the Fleetflow config file. A cluster spec names an
 * account; the account names where credentials come from (a profile, a file, an environment
 * variable), never the credentials themselves, so nothing secret enters a workflow.
 */

/** Where a kubeconfig is read from, by reference: a file on the worker or an environment variable. */
export const KubeconfigSourceSchema = z.union([
  z.object({ file: z.string().min(1, 'must not be empty') }).strict(),
  z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') }).strict(),
]);
export type KubeconfigSource = z.output<typeof KubeconfigSourceSchema>;

const EndpointSchema = z.url({ error: 'must be a URL such as http://127.0.0.1:5000' });

export const EksAccountSchema = z
  .object({
    name: AccountNameSchema,
    provider: z.literal('eks'),
    /** Default region for clusters that do not name one. */
    region: z.string().min(1).optional(),
    /** AWS named profile (shared config/credentials files); the default chain when absent. */
    profile: z.string().min(1).optional(),
    /** Role to assume for this account's calls. */
    roleArn: z.string().startsWith('arn:', 'must be an IAM role ARN').optional(),
    /** API endpoint override (an emulator, a VPC endpoint); the public one when absent. */
    endpoint: EndpointSchema.optional(),
    /** STS endpoint override, for the bearer tokens of EKS API servers. */
    stsEndpoint: EndpointSchema.optional(),
    /** IAM role the EKS control plane assumes (CreateCluster roleArn); needed to create clusters. */
    clusterRoleArn: z.string().startsWith('arn:', 'must be an IAM role ARN').optional(),
    /** IAM role of managed node groups' instances (CreateNodegroup nodeRole); needed for node pools. */
    nodeRoleArn: z.string().startsWith('arn:', 'must be an IAM role ARN').optional(),
    /** Subnets of the cluster's control-plane ENIs and of its node groups (at least two AZs in AWS). */
    subnetIds: z.array(z.string().startsWith('subnet-', 'must be a subnet id such as subnet-0abc')).min(1, 'must name at least one subnet').optional(),
    /** Extra security groups for the control-plane ENIs. */
    securityGroupIds: z.array(z.string().startsWith('sg-', 'must be a security group id such as sg-0abc')).optional(),
  })
  .strict();

export const GkeAccountSchema = z
  .object({
    name: AccountNameSchema,
    provider: z.literal('gke'),
    project: z.string().regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id'),
    /** A service-account or authorized-user JSON file; Application Default Credentials when absent. */
    credentialsFile: z.string().min(1).optional(),
    /** host:port of the API (an emulator); the public one when absent. */
    endpoint: z.string().regex(/^[^\s:/]+:\d+$/, 'must be host:port').optional(),
  })
  .strict();

export const ExternalAccountSchema = z
  .object({
    name: AccountNameSchema,
    provider: z.literal('external'),
    kubeconfig: KubeconfigSourceSchema,
    /** Context to use; the cluster's name when absent (one kubeconfig can hold many clusters). */
    context: z.string().min(1).optional(),
  })
  .strict();

export const ProviderAccountSchema = z.discriminatedUnion('provider', [EksAccountSchema, GkeAccountSchema, ExternalAccountSchema]);
export type ProviderAccount = z.output<typeof ProviderAccountSchema>;
export type EksAccount = z.output<typeof EksAccountSchema>;
export type GkeAccount = z.output<typeof GkeAccountSchema>;
export type ExternalAccount = z.output<typeof ExternalAccountSchema>;

/** The Fleetflow config file (FLEETFLOW_CONFIG, YAML or JSON). */
export const FleetConfigFileSchema = z
  .object({
    accounts: z.array(ProviderAccountSchema).default([]),
    /** Who may do what through the API (src/domain/auth); absent: nobody may do anything. */
    access: AccessPolicySchema.prefault({}),
    /** Where the API listens and which OIDC issuer it trusts (src/domain/api/api-config.ts). */
    api: ApiConfigSchema.prefault({}),
    /** Signed callbacks of changes (src/domain/change/webhooks-config.ts); absent: no secrets, no callbackUrl allowed. */
    webhooks: WebhooksConfigSchema.prefault({}),
    /** Payload encryption keys (src/domain/encryption); absent: on, with the data folder's generated key. */
    encryption: EncryptionConfigSchema.prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.accounts.forEach((a, i) => {
      if (seen.has(a.name)) ctx.addIssue({ code: 'custom', path: ['accounts', i, 'name'], message: `duplicate account name "${a.name}"` });
      seen.add(a.name);
    });
  });
export type FleetConfigFile = z.output<typeof FleetConfigFileSchema>;
