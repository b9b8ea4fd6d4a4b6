import type { status } from '@grpc/grpc-js';

/** An error the gRPC layer returns as a status. */
export class RpcError extends Error {
  constructor(
    readonly code: status,
    readonly details: string,
  ) {
    super(details);
  }
}
