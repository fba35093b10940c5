/**
 * The automatic steps of the transfer process as outbox tasks (idempotent: each looks at the current
 * state before acting, so a repeat after a crash does nothing twice that the peer would accept twice).
 * - transfer.send: tells the peer about a transition (DSP client; any 2xx is success);
 * - transfer.start: the provider starts a permitted transfer on its own (unless the offer says manual);
 * - transfer.push: the provider streams a push transfer's data, then completes it.
 */
import type { LookupFunction } from 'node:net';
import type { Logger } from 'pino';
import { ConflictError, PeerError } from '../errors.js';
import {
  buildDataAddress,
  buildTransferCompletionMessage,
  buildTransferRequestMessage,
  buildTransferStartMessage,
  buildTransferSuspensionMessage,
  buildTransferTerminationMessage,
  DataAddressSchema,
} from '../protocol/index.js';
import type { DataAddress, DspClient, DspPeer, TransferState } from '../protocol/index.js';
import type { TopicHandler } from '../store/outbox.js';
import type { EdrTokens } from './dataplane/tokens.js';
import { parseSourceAddress } from './dataplane/sources.js';
import { pushAsset } from './dataplane/push.js';
import type { PushDestination } from './dataplane/push.js';
import { PULL, TOPIC_PUSH, TOPIC_SEND, TOPIC_START } from './manager.js';
import type { SendPayload, TransferManager } from './manager.js';
import type { TransferRecord } from './repository.js';
import type { TransferEvent } from './transitions.js';

export const EDR_ENDPOINT_TYPE = 'https://w3id.org/idsa/v4.1/HTTP';

export interface TaskDeps {
  manager: TransferManager;
  register(topic: string, handler: TopicHandler): void;
  client: DspClient;
  tokens?: EdrTokens;
  /** Public base URL of this connector's data plane. */
  dataPlaneUrl: string;
  /** This connector's DSP base URL (callbackAddress). */
  callbackAddress: string;
  dataAddress?: (assetId: string) => Promise<Record<string, unknown> | undefined>;
  assertAllowedUrl?: (url: string) => Promise<void>;
  /** Resolves push destinations when connecting, under the network rules. */
  lookup?: LookupFunction;
  fileRoot?: string;
  log?: Logger;
}

const STATE_AFTER: Record<TransferEvent, TransferState> = {
  request: 'REQUESTED',
  start: 'STARTED',
  suspend: 'SUSPENDED',
  complete: 'COMPLETED',
  terminate: 'TERMINATED',
};

/** The EDR a provider sends on start of a pull transfer: its data plane and a fresh token. */
export async function issueEdr(deps: TaskDeps, t: TransferRecord): Promise<DataAddress> {
  if (!deps.tokens) throw new Error('no token signer: the identity service is not configured');
  const issued = await deps.tokens.issue({
    transferId: t.id,
    agreementId: t.agreementId,
    consumerDid: t.counterPartyDid,
  });
  await deps.manager.setStateData(t.id, {
    tokenId: issued.tokenId,
    refreshTokenHash: issued.refreshTokenHash,
  });
  const base = deps.dataPlaneUrl.replace(/\/+$/, '');
  return buildDataAddress({
    endpointType: EDR_ENDPOINT_TYPE,
    endpoint: `${base}/v1/data`,
    endpointProperties: {
      authorization: issued.token,
      authType: 'bearer',
      expiresIn: String(issued.expiresIn),
      refreshToken: issued.refreshToken,
      refreshEndpoint: `${base}/v1/token`,
    },
  });
}

function peerStatus(e: unknown): number | undefined {
  return e instanceof PeerError ? (e.details as { status?: number } | undefined)?.status : undefined;
}

async function deliver(deps: TaskDeps, p: SendPayload) {
  const t = await deps.manager.get(p.id);
  if (!t) return; // gone: nothing to tell
  const peer: DspPeer = { baseUrl: t.counterPartyAddress, did: t.counterPartyDid };
  if (p.event === 'request') {
    const dataAddress = t.dataAddress ? DataAddressSchema.safeParse(t.dataAddress) : undefined;
    let answer;
    try {
      answer = await deps.client.requestTransfer(
        peer,
        buildTransferRequestMessage({
          consumerPid: t.consumerPid,
          agreementId: t.agreementId,
          format: t.format,
          callbackAddress: deps.callbackAddress,
          ...(dataAddress?.success ? { dataAddress: dataAddress.data } : {}),
        }),
      );
    } catch (e) {
      // The provider refused (a 4xx other than a timeout or rate limit): asking again will not help.
      const status = peerStatus(e);
      if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
        const body = (e as PeerError).details as { body?: { reason?: unknown; code?: unknown } } | undefined;
        const why = JSON.stringify(body?.body?.reason ?? body?.body?.code ?? `HTTP ${status}`);
        await deps.manager.terminateLocally(
          t.id,
          t.counterPartyDid,
          `the provider refused the request: ${why}`,
        );
        return;
      }
      throw e;
    }
    if (answer?.providerPid) {
      const now = await deps.manager.get(t.id);
      if (now && now.providerPid === null)
        await deps.manager.setStateData(t.id, { providerPid: answer.providerPid });
    }
    return;
  }
  if (t.providerPid === null) {
    // The provider's pid arrives with its answer to the request (or its first message): wait for it.
    throw new Error(`transfer ${t.id}: the provider's pid is not known yet`);
  }
  const pids = { providerPid: t.providerPid, consumerPid: t.consumerPid };
  const to = t.role === 'provider' ? 'consumer' : 'provider';
  const reason = p.reason && p.reason.length > 0 ? p.reason : undefined;
  try {
    switch (p.event) {
      case 'start': {
        const dataAddress = t.role === 'provider' && t.format === PULL ? await issueEdr(deps, t) : undefined;
        await deps.client.startTransfer(peer, buildTransferStartMessage({ ...pids, dataAddress }), to);
        return;
      }
      case 'suspend':
        await deps.client.suspendTransfer(
          peer,
          buildTransferSuspensionMessage({ ...pids, code: p.code, reason }),
          to,
        );
        return;
      case 'complete':
        await deps.client.completeTransfer(peer, buildTransferCompletionMessage(pids), to);
        return;
      case 'terminate':
        await deps.client.terminateTransfer(
          peer,
          buildTransferTerminationMessage({ ...pids, code: p.code, reason }),
          to,
        );
        return;
    }
  } catch (e) {
    // A repeat after a crash: the peer refuses the transition it already made. Ask it.
    const status = peerStatus(e);
    if (status === 400) {
      const peerPid = t.role === 'provider' ? t.consumerPid : t.providerPid;
      const remote = await deps.client.getTransfer(peer, peerPid).catch(() => undefined);
      if (remote?.state === STATE_AFTER[p.event]) return;
    }
    throw e;
  }
}

export function registerTransferTasks(deps: TaskDeps): void {
  const log = deps.log;
  deps.register(TOPIC_SEND, {
    handle: (payload) => deliver(deps, payload as SendPayload),
    async onGiveUp(payload, lastError) {
      const p = payload as SendPayload;
      log?.warn(
        { transferId: p.id, event: p.event, lastError },
        'gave up telling the peer about a transfer step',
      );
      if (p.event === 'request') {
        await deps.manager.terminateLocally(
          p.id,
          'system',
          `the provider could not be reached: ${lastError}`,
        );
      } else {
        await deps.manager.setStateData(p.id, { errorDetail: `could not send ${p.event}: ${lastError}` });
      }
    },
  });

  deps.register(TOPIC_START, {
    async handle(payload) {
      const { id } = payload as { id: string };
      const t = await deps.manager.get(id);
      if (!t || t.state !== 'REQUESTED') return;
      try {
        await deps.manager.act(id, 'start', 'system');
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
        // The agreement no longer permits it: refuse the transfer, saying why.
        const now = await deps.manager.get(id);
        if (now?.state === 'REQUESTED') {
          await deps.manager.act(id, 'terminate', 'system', { code: 'policy', reason: e.message });
        }
      }
    },
  });

  deps.register(TOPIC_PUSH, {
    async handle(payload) {
      const { id } = payload as { id: string };
      const t = await deps.manager.get(id);
      if (!t || t.state !== 'STARTED' || !t.assetId) return;
      const source = parseSourceAddress(await deps.dataAddress?.(t.assetId));
      const result = await pushAsset({
        source,
        destination: (t.dataAddress ?? {}) as PushDestination,
        assertAllowedUrl: deps.assertAllowedUrl,
        lookup: deps.lookup,
        fileRoot: deps.fileRoot,
      });
      log?.info({ transferId: id, bytes: result.bytes }, 'pushed transfer data');
      const now = await deps.manager.get(id);
      if (now?.state === 'STARTED') await deps.manager.act(id, 'complete', 'system');
    },
    async onGiveUp(payload, lastError) {
      const { id } = payload as { id: string };
      const t = await deps.manager.get(id);
      if (t && (t.state === 'STARTED' || t.state === 'SUSPENDED')) {
        await deps.manager.act(id, 'terminate', 'system', {
          code: 'push_failed',
          reason: `push failed: ${lastError}`,
        });
      }
    },
  });
}
