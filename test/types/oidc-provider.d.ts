// The part of oidc-provider (it ships no types) that test/helpers/oidc-issuer.ts uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** A registered client as the provider hands it to hooks: its metadata, extra properties included. */
  export interface ProviderClient {
    clientId: string;
    [metadata: string]: unknown;
  }

  export const errors: {
    InvalidClientMetadata: new (description: string) => Error;
  };

  export default class Provider {
    constructor(issuer: string, configuration?: Record<string, unknown>);
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
