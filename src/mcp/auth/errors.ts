import { McpopsError } from '../../errors.js';

/** An HTTP authentication (401) or authorization (403) refusal; the message is safe to send. */
export class AuthError extends McpopsError {
  readonly status: 401 | 403 | 400;

  constructor(status: 401 | 403 | 400, message: string, suggestion?: string) {
    super(message, {
      code: status === 401 ? 'unauthenticated' : status === 403 ? 'forbidden' : 'bad_identity',
      suggestion,
    });
    this.status = status;
  }
}
