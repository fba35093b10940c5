/**
 * DSP 2025-1 transfer endpoints on the protocol listener, for both sides (a pid names one of our
 * transfers, whose role says which side we are):
 *   POST /transfers/request                    provider: a consumer asks (201 with the TransferProcess)
 *   POST /transfers/:pid/start                 consumer: the provider starts; provider: the consumer resumes
 *   POST /transfers/:pid/completion|termination|suspension   either side
 *   GET  /transfers/:pid                       either side (the TCK reads the consumer's too)
 * Errors answer a TransferError with the status: 400 for a bad message or a transition the state does
 * not allow, 404 for an unknown process or a caller that is not its counter-party.
 */
import { Router } from 'express';
import type { Request, Response } from 'express';
import { NotFoundError, PontisError } from '../../errors.js';
import type { VerifiedParticipant } from '../../identity/participant.js';
import { buildTransferError, buildTransferProcess, decodeMessage } from '../../protocol/index.js';
import type { DspMessageType } from '../../protocol/index.js';
import type { TransferManager } from '../../transfer/manager.js';
import type { TransferEvent } from '../../transfer/transitions.js';
import type { TransferRecord } from '../../transfer/repository.js';

export interface TransferProtocolDeps {
  manager: TransferManager;
  authenticate(authorization: string | undefined): Promise<VerifiedParticipant>;
  log?: { error(obj: unknown, msg: string): void };
}

export function transferProcessBody(t: TransferRecord) {
  return buildTransferProcess({
    providerPid: t.providerPid ?? '',
    consumerPid: t.consumerPid,
    state: t.state,
  });
}

const STEPS: Record<string, { event: Exclude<TransferEvent, 'request'>; type: DspMessageType }> = {
  start: { event: 'start', type: 'TransferStartMessage' },
  completion: { event: 'complete', type: 'TransferCompletionMessage' },
  termination: { event: 'terminate', type: 'TransferTerminationMessage' },
  suspension: { event: 'suspend', type: 'TransferSuspensionMessage' },
};

function pidsOf(body: unknown): { providerPid: string; consumerPid: string } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  return {
    providerPid: typeof b.providerPid === 'string' ? b.providerPid : '',
    consumerPid: typeof b.consumerPid === 'string' ? b.consumerPid : '',
  };
}

export function transferProtocolRouter(deps: TransferProtocolDeps): Router {
  const r = Router();

  const fail = (req: Request, res: Response, err: unknown, pids = pidsOf(req.body)) => {
    if (!(err instanceof PontisError)) {
      deps.log?.error({ err, url: req.originalUrl }, 'transfer endpoint failed');
    }
    const status = err instanceof PontisError ? err.status : 500;
    const code = err instanceof PontisError ? err.code : 'internal_error';
    const message = err instanceof PontisError ? err.message : 'internal error; see the connector log';
    res.status(status).json(buildTransferError({ ...pids, code, reason: [message] }));
  };

  r.post('/transfers/request', async (req, res) => {
    try {
      const caller = await deps.authenticate(req.headers.authorization);
      const msg = await decodeMessage(req.body, 'TransferRequestMessage');
      const { transfer } = await deps.manager.handleRequest(caller, msg);
      res.status(201).json(transferProcessBody(transfer));
    } catch (e) {
      fail(req, res, e);
    }
  });

  r.post('/transfers/:pid/:step', async (req, res, next) => {
    const step = STEPS[req.params.step];
    if (!step) return next();
    try {
      const caller = await deps.authenticate(req.headers.authorization);
      const msg = (await decodeMessage(req.body, step.type)) as {
        providerPid: string;
        consumerPid: string;
        code?: string;
        reason?: unknown[];
      };
      await deps.manager.receive({
        pid: req.params.pid,
        event: step.event,
        caller: caller.did,
        message: msg,
      });
      res.status(200).end();
    } catch (e) {
      fail(req, res, e);
    }
  });

  r.get('/transfers/:pid', async (req, res) => {
    try {
      const caller = await deps.authenticate(req.headers.authorization);
      const t = await deps.manager.get(req.params.pid);
      if (!t || t.counterPartyDid !== caller.did) {
        return fail(req, res, new NotFoundError(`no transfer process ${req.params.pid}`, 'unknown_process'), {
          providerPid: '',
          consumerPid: '',
        });
      }
      res.json(transferProcessBody(t));
    } catch (e) {
      fail(req, res, e);
    }
  });

  return r;
}
