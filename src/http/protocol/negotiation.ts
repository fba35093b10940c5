/**
 * DSP 2025-1 contract negotiation endpoints, provider side and consumer callback side, on the
 * protocol listener. Each endpoint is a short pipeline: authenticate the caller (DCP), decode the
 * message, let the manager check the transition and apply it, respond. Any failure answers with a
 * ContractNegotiationError (code and reason).
 */
import { Router, type Request, type Response } from 'express';
import { PontisError, UnauthorizedError, ValidationError } from '../../errors.js';
import type { VerifiedParticipant } from '../../identity/participant.js';
import type { NegotiationManager, ReceiveResult } from '../../negotiation/manager.js';
import { scopesFor } from '../../negotiation/scopes.js';
import { digestOf } from '../../negotiation/store.js';
import type { NegotiationMessageKind } from '../../negotiation/transitions.js';
import { buildContractNegotiationError, decodeMessage, type DspMessageType } from '../../protocol/index.js';
import type { IdentityService } from '../../runtime/services.js';
import { toErrorResponse } from '../errors.js';

export interface NegotiationProtocolOptions {
  manager: NegotiationManager;
  identity: () => IdentityService | undefined;
  membershipCredentialType?: string;
  onError?: (err: unknown, req: Request) => void;
}

/** Authenticates the caller (DCP), asking for `scopes` (default: membership). Called once per request. */
type Authenticate = (scopes?: string[]) => Promise<VerifiedParticipant>;
type Handler = (req: Request, authenticate: Authenticate) => Promise<ReceiveResult>;

const pidOf = (req: Request) => String(req.params.pid);

export function negotiationProtocolRouter(o: NegotiationProtocolOptions): Router {
  const r = Router();
  const { manager } = o;

  const authenticator =
    (req: Request): Authenticate =>
    async (scopes) => {
      const identity = o.identity();
      if (!identity) {
        throw new UnauthorizedError('this connector cannot authenticate DSP callers (no identity service)');
      }
      return identity.authenticate(req.headers.authorization, scopes ? { scopes } : undefined);
    };

  const errorBody = (req: Request, err: unknown) => {
    const { status, body } = toErrorResponse(err);
    const msg = (req.body ?? {}) as { providerPid?: unknown; consumerPid?: unknown };
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    const pid = typeof req.params.pid === 'string' ? req.params.pid : undefined;
    return {
      status,
      body: buildContractNegotiationError({
        providerPid: str(msg.providerPid) ?? pid ?? 'unknown',
        consumerPid: str(msg.consumerPid) ?? pid ?? 'unknown',
        code: body.error,
        reason: [body.message],
      }),
    };
  };

  const endpoint = (handler: Handler) => async (req: Request, res: Response) => {
    try {
      const result = await handler(req, authenticator(req));
      res.status(result.status).json(result.body);
    } catch (err) {
      const { status, body } = errorBody(req, err);
      if (status >= 500 || !(err instanceof PontisError)) o.onError?.(err, req);
      res.status(status).json(body);
    }
  };

  const existing =
    <T extends DspMessageType>(
      type: T,
      kind: NegotiationMessageKind | ((m: Record<string, unknown>) => NegotiationMessageKind),
    ) =>
    async (req: Request, authenticate: Authenticate) => {
      const caller = await authenticate();
      const message = (await decodeMessage(req.body, type)) as unknown as Record<string, unknown>;
      const k = typeof kind === 'function' ? kind(message) : kind;
      return manager.receive(caller, pidOf(req), k, message, digestOf(req.body));
    };

  const eventKind = (m: Record<string, unknown>): NegotiationMessageKind => {
    if (m.eventType === 'ACCEPTED') return 'accept';
    if (m.eventType === 'FINALIZED') return 'finalize';
    throw new ValidationError('eventType must be ACCEPTED or FINALIZED', { pointer: '/eventType' });
  };

  // Provider side.
  r.post(
    '/negotiations/request',
    endpoint(async (req, authenticate) => {
      const m = await decodeMessage(req.body, 'ContractRequestMessage');
      // The credentials the contract policy needs, as the requested offer names them (it must equal the
      // catalogue's offer to be agreed, so a consumer gains nothing by leaving one out).
      const caller = await authenticate(scopesFor(m.offer, o.membershipCredentialType));
      if (m.providerPid !== undefined) {
        throw new ValidationError(
          'an initial ContractRequestMessage has no providerPid; counter-requests go to /negotiations/:providerPid/request',
          {
            pointer: '/providerPid',
          },
        );
      }
      return manager.receiveInitialRequest(caller, m, digestOf(req.body));
    }),
  );
  r.post('/negotiations/:pid/request', endpoint(existing('ContractRequestMessage', 'request')));
  r.post(
    '/negotiations/:pid/agreement/verification',
    endpoint(existing('ContractAgreementVerificationMessage', 'verify')),
  );
  // Consumer callback side.
  r.post(
    '/negotiations/offers',
    endpoint(async (req, authenticate) => {
      const caller = await authenticate();
      const m = await decodeMessage(req.body, 'ContractOfferMessage');
      if (m.consumerPid !== undefined) {
        throw new ValidationError(
          'an initial ContractOfferMessage has no consumerPid; counter-offers go to /negotiations/:consumerPid/offers',
          {
            pointer: '/consumerPid',
          },
        );
      }
      return manager.receiveInitialOffer(caller, m, digestOf(req.body));
    }),
  );
  r.post('/negotiations/:pid/offers', endpoint(existing('ContractOfferMessage', 'offer')));
  r.post('/negotiations/:pid/agreement', endpoint(existing('ContractAgreementMessage', 'agree')));
  // Both sides (the pid says which role this connector plays).
  r.post('/negotiations/:pid/events', endpoint(existing('ContractNegotiationEventMessage', eventKind)));
  r.post(
    '/negotiations/:pid/termination',
    endpoint(existing('ContractNegotiationTerminationMessage', 'terminate')),
  );
  r.get(
    '/negotiations/:pid',
    endpoint(async (req, authenticate) => ({
      status: 200,
      body: await manager.get(await authenticate(), pidOf(req)),
    })),
  );
  return r;
}
