import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { PontisError } from '../errors.js';

export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
}

/** Maps any error to a status and a JSON body. Unknown errors are bugs: 500, logged with the stack. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof PontisError) {
    const body: ErrorBody = { error: err.code, message: err.message };
    if (err.details !== undefined) body.details = err.details;
    return { status: err.status, body };
  }
  // body-parser and other http-errors style errors carry a status and `expose`.
  const e = err as {
    status?: number;
    statusCode?: number;
    type?: string;
    expose?: boolean;
    message?: string;
    limit?: number;
  };
  const status = e.status ?? e.statusCode;
  if (status && status >= 400 && status < 500 && e.expose !== false) {
    if (e.type === 'entity.too.large') {
      return {
        status: 413,
        body: { error: 'payload_too_large', message: `request body is larger than ${e.limit} bytes` },
      };
    }
    if (e.type === 'entity.parse.failed') {
      return {
        status: 400,
        body: { error: 'invalid_json', message: `request body is not valid JSON: ${e.message}` },
      };
    }
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
      return {
        status: 415,
        body: { error: 'unsupported_encoding', message: e.message ?? 'unsupported encoding' },
      };
    }
    return { status, body: { error: 'bad_request', message: e.message ?? 'bad request' } };
  }
  return { status: 500, body: { error: 'internal_error', message: 'internal error; see the connector log' } };
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, body } = toErrorResponse(err);
    if (status >= 500) log.error({ err, reqId: req.id, url: req.originalUrl }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status).json(body);
  };
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` });
};
