/**
 * The data plane (public data listener):
 *   GET|HEAD /v1/data[/path...][?query]   the transfer's data; Authorization: Bearer <EDR token>;
 *                                         purpose in the `X-Purpose` header; Range passed on
 *   POST     /v1/token                    { grant_type: "refresh_token", refresh_token } → new token pair
 * Every data request is enforced (token, state, policy, count, audit) before a byte moves, then
 * streamed from the source with backpressure.
 */
import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { ServerResponse } from 'node:http';
import { ValidationError } from '../../errors.js';
import type { Enforcer } from '../../transfer/dataplane/enforcer.js';
import { openSource } from '../../transfer/dataplane/sources.js';
import type { SourceResponse } from '../../transfer/dataplane/sources.js';
import type { RefreshedToken } from '../../transfer/dataplane/refresh.js';

export const PURPOSE_HEADER = 'x-purpose';

export interface DataPlaneDeps {
  enforcer: Enforcer;
  refresh(refreshToken: string): Promise<RefreshedToken>;
  fileRoot?: string;
  timeoutMs?: number;
}

/**
 * Sends a source's response: status, headers, then the body piped with backpressure (no copy, no
 * transform). A consumer that goes away destroys the source (the upstream request is aborted); a
 * source that fails mid-body cuts the response. Resolves when the response is done either way.
 * (stream.pipeline would do the same but builds an AbortController and a DOMException per request.)
 */
export function sendSource(src: SourceResponse, method: string, res: ServerResponse): Promise<void> {
  res.statusCode = src.status;
  for (const k in src.headers) res.setHeader(k, src.headers[k]!);
  const body = src.body;
  if (!body || method === 'HEAD') {
    body?.resume();
    res.end();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    body.once('error', () => {
      res.destroy();
      resolve();
    });
    res.once('close', () => {
      if (!res.writableFinished) body.destroy();
      resolve();
    });
    body.pipe(res);
  });
}

export function dataPlaneRouter(deps: DataPlaneDeps): Router {
  const r = Router();

  r.use('/v1/data', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    void (async () => {
      const q = req.originalUrl.indexOf('?');
      const subPath = req.path.replace(/^\/+/, '');
      const purpose = req.headers[PURPOSE_HEADER];
      const permit = await deps.enforcer.authorize(req.headers.authorization, {
        purpose: typeof purpose === 'string' ? purpose : undefined,
        path: '/' + subPath,
      });
      const range = req.headers.range;
      const src = await openSource(
        permit.source,
        {
          subPath,
          query: q >= 0 ? req.originalUrl.slice(q) : '',
          method: req.method as 'GET' | 'HEAD',
          range,
        },
        { fileRoot: deps.fileRoot, timeoutMs: deps.timeoutMs },
      );
      await sendSource(src, req.method, res);
    })().catch(next);
  });

  r.post('/v1/token', (req, res, next) => {
    void (async () => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (body.grant_type !== 'refresh_token' || typeof body.refresh_token !== 'string') {
        throw new ValidationError('expected { "grant_type": "refresh_token", "refresh_token": "..." }', {
          pointer: '/refresh_token',
        });
      }
      res.setHeader('cache-control', 'no-store');
      res.json(await deps.refresh(body.refresh_token));
    })().catch(next);
  });

  return r;
}
