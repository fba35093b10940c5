import { Router, type Request, type RequestHandler, type Response } from 'express';
import { ONBOARDING_SECRET_HEADER } from '../../identity/issuer.js';
import type { Issuer } from '../../identity/issuer.js';

const wrap =
  (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res).catch(next);
  };

/** Where the issuer service lives under the protocol listener (listed as IssuerService in the DID document). */
export const ISSUER_PATH = '/issuer';

/**
 * The issuer role on the protocol listener: DCP issuer metadata, credential requests and their
 * status (self-issued token of the requesting holder), and the revocation status list credential.
 */
export function issuerProtocolRouter(issuer: Issuer): Router {
  const r = Router();
  r.get(`${ISSUER_PATH}/metadata`, (_req, res) => void res.json(issuer.metadata()));
  r.get(
    `${ISSUER_PATH}/status/revocation`,
    wrap(async (_req, res) => {
      const cred = await issuer.statusListCredential();
      if (typeof cred === 'string') res.type('application/vc+jwt').send(cred);
      else res.type('application/vc+ld+json').send(JSON.stringify(cred));
    }),
  );
  r.post(
    `${ISSUER_PATH}/credentials`,
    wrap(async (req, res) => {
      const secret = req.header(ONBOARDING_SECRET_HEADER);
      const rec = await issuer.request(req.headers.authorization, req.body, secret);
      res
        .status(201)
        .location(`${ISSUER_PATH}/requests/${rec.id}`)
        .json({
          '@context': ['https://w3id.org/dspace-dcp/v1.0/dcp.jsonld'],
          type: 'CredentialStatus',
          issuerPid: rec.id,
          holderPid: rec.holderPid ?? rec.id,
          status: rec.status,
        });
    }),
  );
  r.get(
    `${ISSUER_PATH}/requests/:id`,
    wrap(async (req, res) => {
      res.json(await issuer.requestStatus(req.headers.authorization, String(req.params.id)));
    }),
  );
  return r;
}
