import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { IdentityServiceImpl } from '../../identity/service.js';

const wrap =
  (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res).catch(next);
  };

/** Where the DCP credential service lives under the protocol listener. */
export const CREDENTIAL_SERVICE_PATH = '/cs';

/**
 * The identity endpoints on the protocol listener: the DID document (did:web) and the DCP
 * credential service (presentation query, storage API). Each credential service route checks the
 * caller's self-issued token itself.
 */
export function identityProtocolRouter(identity: IdentityServiceImpl): Router {
  const r = Router();
  r.get('/.well-known/did.json', (_req, res) => {
    res.type('application/did+json').send(JSON.stringify(identity.didDocument()));
  });
  r.post(
    `${CREDENTIAL_SERVICE_PATH}/presentations/query`,
    wrap(async (req, res) => {
      res.json(await identity.queryPresentations(req.headers.authorization, req.body));
    }),
  );
  r.post(
    `${CREDENTIAL_SERVICE_PATH}/credentials`,
    wrap(async (req, res) => {
      const stored = await identity.receiveCredentials(req.headers.authorization, req.body);
      res.status(201).json({ stored: stored.map((c) => c.id) });
    }),
  );
  return r;
}
