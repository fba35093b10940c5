/**
 * Typed errors shared by every layer. Domain code throws these; the HTTP layer maps them to a
 * status and a JSON body (`{ error: code, message, details? }`), DSP routes to DSP error bodies.
 * A plain Error reaching the HTTP layer is a bug and answers 500.
 */
export class PontisError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the input is malformed or violates a rule; `details` may hold a JSON pointer. */
export class ValidationError extends PontisError {
  constructor(message: string, details?: unknown, code = 'invalid_request') {
    super(400, code, message, details);
  }
}

/** 401: missing or wrong credentials. The message never says which part was wrong. */
export class UnauthorizedError extends PontisError {
  constructor(message = 'authentication required', code = 'unauthorized', details?: unknown) {
    super(401, code, message, details);
  }
}

/** 403: authenticated, but the policy or the credential scope does not allow it. */
export class ForbiddenError extends PontisError {
  constructor(message: string, details?: unknown, code = 'forbidden') {
    super(403, code, message, details);
  }
}

export class NotFoundError extends PontisError {
  constructor(message: string, code = 'not_found', details?: unknown) {
    super(404, code, message, details);
  }
}

/** 409: the resource's state does not allow the operation. */
export class ConflictError extends PontisError {
  constructor(message: string, details?: unknown, code = 'conflict') {
    super(409, code, message, details);
  }
}

export class PayloadTooLargeError extends PontisError {
  constructor(message: string) {
    super(413, 'payload_too_large', message);
  }
}

/** 422: well-formed but does not verify (e.g. a credential whose signature is wrong). */
export class UnprocessableError extends PontisError {
  constructor(message: string, details?: unknown, code = 'unprocessable') {
    super(422, code, message, details);
  }
}

/** 502: a peer we called answered wrongly or not at all. Not our bug, so not a 500. */
export class PeerError extends PontisError {
  constructor(message: string, details?: unknown, code = 'peer_error') {
    super(502, code, message, details);
  }
}

/** Configuration errors stop start-up; the message names the key, the value and what is expected. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
