import { Router } from 'express';
import type { AuditLog } from '../../audit/log.js';
import { ConflictError, NotFoundError, PeerError } from '../../errors.js';
import type { IdentityService, NegotiationService } from '../../runtime/services.js';

export interface ReceiptDeps {
  log: AuditLog;
  /** Looked up per request: these modules are built after the audit module. */
  negotiations: () => NegotiationService | undefined;
  identity: () => IdentityService | undefined;
  assertAllowedUrl(url: string): Promise<void>;
  /** fetch that checks the addresses it connects to (default: the global one). */
  fetch?: typeof fetch;
  timeoutMs: number;
}

/**
 * GET /v1/agreements/{id}/receipt: the agreement's receipt (its log entry, an inclusion proof and a
 * signed tree head) for this connector's operator, to keep and check with `pontis audit verify
 * --receipt` against the provider's DID. A provider answers from its own log; a consumer fetches the
 * receipt from the provider's log (DCP-authenticated), since the provider is the one that agreed.
 */
export function receiptManagementRouter(deps: ReceiptDeps): Router {
  const r = Router();
  r.get('/v1/agreements/:id/receipt', async (req, res) => {
    const id = String(req.params.id);
    const agreement = await deps.negotiations()?.agreement(id);
    if (!agreement) throw new NotFoundError(`no agreement ${id}`, 'agreement_not_found');
    if (agreement.role === 'provider') return void res.json(await deps.log.receipt(id));
    const identity = deps.identity();
    if (!identity) throw new ConflictError('this connector has no identity to authenticate at the provider');
    if (!agreement.counterPartyAddress) {
      throw new ConflictError(
        `the provider's address of agreement ${id} is not known`,
        undefined,
        'address_unknown',
      );
    }
    const url = `${agreement.counterPartyAddress.replace(/\/+$/, '')}/audit/receipts/${encodeURIComponent(id)}`;
    await deps.assertAllowedUrl(url);
    let answer: Response;
    try {
      answer = await (deps.fetch ?? fetch)(url, {
        headers: {
          accept: 'application/json',
          authorization: await identity.authorizationFor(agreement.providerDid),
        },
        redirect: 'manual',
        signal: AbortSignal.timeout(deps.timeoutMs),
      });
    } catch (e) {
      throw new PeerError(
        `the provider at ${url} did not answer: ${(e as Error).message}`,
        { url },
        'peer_unreachable',
      );
    }
    const body = (await answer.json().catch(() => undefined)) as unknown;
    if (!answer.ok || typeof body !== 'object' || body === null) {
      throw new PeerError(`the provider answered ${answer.status} for the receipt of ${id}`, {
        status: answer.status,
        body,
      });
    }
    res.json(body);
  });
  return r;
}
