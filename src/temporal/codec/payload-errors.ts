import { PermanentError } from '../../errors.js';

/** A payload that cannot be decrypted here: its key is not configured, or it fails authentication. */
export class PayloadUndecryptableError extends PermanentError {
  constructor(message: string) {
    super(message, 'PayloadUndecryptable');
  }
}

/** Payloads that, encoded, exceed what Temporal accepts: refused before they are sent. */
export class PayloadTooLargeError extends PermanentError {
  constructor(message: string) {
    super(message, 'PayloadTooLarge');
  }
}
