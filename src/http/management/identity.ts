import { Router, type Request, type RequestHandler, type Response } from 'express';
import { NotFoundError, ValidationError } from '../../errors.js';
import type { VerifyResult } from '../../identity/credential-model.js';
import type { IdentityServiceImpl } from '../../identity/service.js';
import type { HeldCredential } from '../../identity/stores.js';

const wrap =
  (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res).catch(next);
  };

export function heldSummary(c: HeldCredential) {
  return {
    id: c.id,
    format: c.format,
    types: c.types,
    issuer: c.issuer,
    ...(c.validUntil ? { validUntil: c.validUntil.toISOString() } : {}),
    receivedAt: c.receivedAt.toISOString(),
    credential: c.credential,
  };
}

/** Checks about the input's shape: failing one of these is a 400, failing any other a 422. */
const INPUT_CHECKS = new Set(['format', 'context']);

/** The W3C VC-API answer: 200 only when verified; 400 for malformed input, 422 when it does not verify. */
function vcApiAnswer(res: Response, r: VerifyResult) {
  const body = {
    verified: r.verified,
    checks: r.checks,
    warnings: r.warnings,
    errors: r.errors.map((e) => ({
      check: e.check,
      message: e.message,
      ...(e.reason ? { reason: e.reason } : {}),
      ...(e.credentialIndex !== undefined ? { credentialIndex: e.credentialIndex } : {}),
    })),
    ...(r.verified && r.credentials ? { credentials: r.credentials } : {}),
  };
  const status = r.verified ? 200 : r.errors.some((e) => INPUT_CHECKS.has(e.check)) ? 400 : 422;
  res.status(status).json(body);
}

/**
 * Management: the credentials this connector holds (list, import verified, delete), its DID
 * document, and VC-API verification (POST /credentials/verify, POST /presentations/verify).
 */
export function identityManagementRouter(identity: IdentityServiceImpl): Router {
  const r = Router();
  r.get('/v1/identity/did', (_req, res) => void res.json(identity.didDocument()));
  r.get(
    '/v1/identity/credentials',
    wrap(async (req, res) => {
      const limit = Number(req.query.limit ?? 50);
      const offset = Number(req.query.offset ?? 0);
      const all = await identity.credentials.list();
      res.json({
        items: all.slice(offset, offset + limit).map(heldSummary),
        total: all.length,
        limit,
        offset,
      });
    }),
  );
  r.post(
    '/v1/identity/credentials',
    wrap(async (req, res) => {
      const body = req.body as { credential?: unknown } | undefined;
      if (!body || body.credential === undefined)
        throw new ValidationError('body needs "credential": a JWT string or a credential object', {
          pointer: '/credential',
        });
      const held = await identity.importCredential(body.credential);
      res.status(201).json(heldSummary(held));
    }),
  );
  r.get(
    '/v1/identity/credentials/:id',
    wrap(async (req, res) => {
      const c = await identity.credentials.get(String(req.params.id));
      if (!c) throw new NotFoundError(`no held credential ${String(req.params.id)}`);
      res.json(heldSummary(c));
    }),
  );
  r.delete(
    '/v1/identity/credentials/:id',
    wrap(async (req, res) => {
      if (!(await identity.credentials.delete(String(req.params.id))))
        throw new NotFoundError(`no held credential ${String(req.params.id)}`);
      res.status(204).end();
    }),
  );
  r.post(
    '/v1/identity/credential-requests',
    wrap(async (req, res) => {
      const b = (req.body ?? {}) as {
        issuerDid?: unknown;
        credentialType?: unknown;
        onboardingSecret?: unknown;
      };
      if (typeof b.issuerDid !== 'string' || !b.issuerDid.startsWith('did:'))
        throw new ValidationError('issuerDid (a DID) is required', { pointer: '/issuerDid' });
      const r = await identity.requestCredential({
        issuerDid: b.issuerDid,
        credentialType: typeof b.credentialType === 'string' ? b.credentialType : undefined,
        onboardingSecret: typeof b.onboardingSecret === 'string' ? b.onboardingSecret : undefined,
      });
      res.status(201).json(r);
    }),
  );
  r.post(
    '/credentials/verify',
    wrap(async (req, res) => {
      const body = req.body as { verifiableCredential?: unknown } | undefined;
      if (!body || body.verifiableCredential === undefined)
        throw new ValidationError('body needs "verifiableCredential"', { pointer: '/verifiableCredential' });
      vcApiAnswer(res, await identity.verifyCredential(body.verifiableCredential));
    }),
  );
  r.post(
    '/presentations/verify',
    wrap(async (req, res) => {
      const body = req.body as
        { verifiablePresentation?: unknown; options?: { domain?: string; challenge?: string } } | undefined;
      if (!body || body.verifiablePresentation === undefined)
        throw new ValidationError('body needs "verifiablePresentation"', {
          pointer: '/verifiablePresentation',
        });
      const o = body.options ?? {};
      vcApiAnswer(
        res,
        await identity.verifyPresentation(body.verifiablePresentation, {
          audience: o.domain,
          challenge: o.challenge,
          requireCredentials: false,
          holderBinding: true,
        }),
      );
    }),
  );
  return r;
}
