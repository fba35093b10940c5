import { Router } from 'express';
import type { AuditLog } from '../../audit/log.js';
import { ConflictError } from '../../errors.js';
import type { IdentityService } from '../../runtime/services.js';

/**
 * GET /audit/receipts/{agreementId} on the protocol listener: the counter-party of an agreement
 * fetches its receipt from this connector's log (entry, inclusion proof, signed tree head) and
 * checks it with `pontis audit verify --receipt` against this connector's DID, without trusting
 * its operator. The caller authenticates as on every DSP request (DCP self-issued token); another
 * participant, or an agreement that is not in the log, gets the same 404.
 */
export function receiptRouter(log: AuditLog, identity: () => IdentityService | undefined): Router {
  const r = Router();
  r.get('/audit/receipts/:agreementId', (req, res, next) => {
    void (async () => {
      const id = identity();
      if (!id) throw new ConflictError('this connector has no identity service to authenticate the caller');
      const caller = await id.authenticate(req.headers.authorization);
      res.json(await log.receipt(String(req.params.agreementId), caller.did));
    })().catch(next);
  });
  return r;
}
