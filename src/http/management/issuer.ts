import { Router, type Request, type RequestHandler, type Response } from 'express';
import { ValidationError } from '../../errors.js';
import type { IssuedRecord, Issuer } from '../../identity/issuer.js';

const wrap =
  (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res).catch(next);
  };

const view = (r: IssuedRecord) => ({
  ...r,
  createdAt: r.createdAt.toISOString(),
  ...(r.issuedAt ? { issuedAt: r.issuedAt.toISOString() } : {}),
  ...(r.revokedAt ? { revokedAt: r.revokedAt.toISOString() } : {}),
  ...(r.deliveredAt ? { deliveredAt: r.deliveredAt.toISOString() } : {}),
});

/** The issuer's own API (management listener, management credential): issue, list, revoke, decide on requests. */
export function issuerManagementRouter(issuer: Issuer): Router {
  const r = Router();
  r.get(
    '/v1/issuer/credentials',
    wrap(async (req, res) => {
      const limit = Number(req.query.limit ?? 50);
      const offset = Number(req.query.offset ?? 0);
      const all = await issuer.list();
      res.json({ items: all.slice(offset, offset + limit).map(view), total: all.length, limit, offset });
    }),
  );
  r.post(
    '/v1/issuer/credentials',
    wrap(async (req, res) => {
      const b = (req.body ?? {}) as {
        holderDid?: unknown;
        type?: unknown;
        claims?: unknown;
        deliver?: unknown;
      };
      if (typeof b.holderDid !== 'string')
        throw new ValidationError('holderDid (a DID) is required', { pointer: '/holderDid' });
      const rec = await issuer.issue({
        holderDid: b.holderDid,
        type: typeof b.type === 'string' ? b.type : undefined,
        claims:
          typeof b.claims === 'object' && b.claims !== null
            ? (b.claims as Record<string, unknown>)
            : undefined,
        deliver: b.deliver === true,
      });
      res.status(201).json(view(rec));
    }),
  );
  r.get(
    '/v1/issuer/credentials/:id',
    wrap(async (req, res) => void res.json(view(await issuer.get(String(req.params.id))))),
  );
  r.post(
    '/v1/issuer/credentials/:id/revoke',
    wrap(async (req, res) => void res.json(view(await issuer.revoke(String(req.params.id))))),
  );
  r.post(
    '/v1/issuer/credentials/:id/approve',
    wrap(async (req, res) => void res.json(view(await issuer.approve(String(req.params.id))))),
  );
  r.post(
    '/v1/issuer/credentials/:id/reject',
    wrap(async (req, res) => {
      const reason = (req.body as { reason?: unknown } | undefined)?.reason;
      res.json(
        view(await issuer.reject(String(req.params.id), typeof reason === 'string' ? reason : undefined)),
      );
    }),
  );
  return r;
}
