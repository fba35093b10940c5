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
import { pipeline } from 'node:stream/promises';
import { ValidationError } from '../../errors.js';
import type { Enforcer } from '../../transfer/dataplane/enforcer.js';
import { openSource } from '../../transfer/dataplane/sources.js';
import type { RefreshedToken } from '../../transfer/dataplane/refresh.js';

export const PURPOSE_HEADER = 'x-purpose';

export interface DataPlaneDeps {
  enforcer: Enforcer;
  refresh(refreshToken: string): Promise<RefreshedToken>;
  fileRoot?: string;
  timeoutMs?: number;
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
      res.status(src.status);
      for (const [k, v] of Object.entries(src.headers)) res.setHeader(k, v);
      if (!src.body || req.method === 'HEAD') {
        src.body?.resume();
        res.end();
        return;
      }
      // A consumer that goes away aborts the pipeline, which destroys the upstream request too.
      await pipeline(src.body, res).catch(() => {
        if (!res.writableEnded) res.destroy();
      });
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
