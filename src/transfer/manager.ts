/**
 * The transfer process on both sides. Every transition is one transaction: the new state, a history
 * row, an audit entry (when the audit service is present) and the outbox messages it causes. Messages
 * to the peer and automatic steps run later as outbox tasks (see `tasks.ts`).
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type { VerifiedParticipant } from '../identity/participant.js';
import type { DataAddress, TransferState } from '../protocol/index.js';
import type { AuditService } from '../runtime/services.js';
import type { Database, Queryable } from '../store/db.js';
import type { OutboxMessage } from '../store/outbox.js';
import { denialSummary, evaluateAgreement, permitsTransfer, PolicyCache } from './agreements.js';
import type { AgreementLookup, AgreementView } from './agreements.js';
import {
  addHistory,
  findProviderTransferByConsumerPid,
  findTransfer,
  insertTransfer,
  updateTransfer,
  usageOf,
} from './repository.js';
import type { TransferChange, TransferRecord } from './repository.js';
import { transition } from './transitions.js';
import type { TransferEvent, TransferRole } from './transitions.js';

export const PULL = 'HttpData-PULL';
export const PUSH = 'HttpData-PUSH';
export const SUPPORTED_FORMATS = [PULL, PUSH] as const;

export const TOPIC_SEND = 'transfer.send';
export const TOPIC_START = 'transfer.start';
export const TOPIC_PUSH = 'transfer.push';

/** Payload of a message to the peer: which transition to tell it about. */
export interface SendPayload {
  id: string;
  event: TransferEvent;
  code?: string;
  reason?: unknown[];
}

export interface TransferManagerDeps {
  db: Database;
  outbox: { enqueue(tx: Queryable, message: OutboxMessage): Promise<number> };
  audit?: AuditService;
  agreement: AgreementLookup;
  /** This connector's DSP base URL (the callbackAddress it gives providers). */
  callbackAddress: string;
  policies?: PolicyCache;
  now?: () => Date;
  /** Deadline of a push task (retries until then, then the transfer is terminated). */
  pushDeadlineMs?: number;
  /**
   * Called inside the transaction that moves a provider transfer out of STARTED, or out of SUSPENDED
   * into an end state (before it commits), so that the data plane stops trusting what it knew of it
   * before the caller hears back.
   */
  onDataStops?: (transferId: string) => void;
}

/** A reason as the DSP wants it: an array; free text becomes one entry. */
export function reasonArray(reason: unknown): unknown[] | undefined {
  if (reason === undefined || reason === null || reason === '') return undefined;
  return Array.isArray(reason) ? reason : [reason];
}

export class TransferManager {
  readonly policies: PolicyCache;
  constructor(private readonly deps: TransferManagerDeps) {
    this.policies = deps.policies ?? new PolicyCache();
  }

  private now() {
    return this.deps.now?.() ?? new Date();
  }

  get(id: string, q: Queryable = this.deps.db) {
    return findTransfer(q, id);
  }

  /** The agreement, checked for a transfer by `consumerDid`; throws with the reason otherwise. */
  async checkAgreement(
    agreementId: string,
    consumer: VerifiedParticipant | undefined,
    tx?: Queryable,
  ): Promise<AgreementView> {
    const agreement = await this.deps.agreement(agreementId, tx);
    if (!agreement) {
      throw new ValidationError(
        `agreement ${agreementId} does not exist`,
        { agreementId },
        'unknown_agreement',
      );
    }
    if (agreement.retired) {
      throw new ValidationError(`agreement ${agreementId} is retired`, { agreementId }, 'agreement_retired');
    }
    if (consumer) {
      if (agreement.role !== 'provider' || agreement.consumerDid !== consumer.did) {
        throw new ValidationError(
          `agreement ${agreementId} does not name ${consumer.did} as its assignee`,
          { agreementId },
          'not_assignee',
        );
      }
      const decision = evaluateAgreement(this.policies, agreement, 'transfer', {
        now: this.now(),
        participant: consumer,
        usageCount: await usageOf(tx ?? this.deps.db, agreementId),
      });
      if (!permitsTransfer(decision)) {
        const summary = denialSummary(decision);
        throw new ForbiddenError(
          `agreement ${agreementId} does not permit a transfer now: ${summary.reasons.join('; ')}`,
          summary,
          'policy_denied',
        );
      }
    }
    return agreement;
  }

  private async record(
    tx: Queryable,
    before: TransferRecord | null,
    after: TransferRecord,
    event: TransferEvent,
    actor: string,
    reason?: unknown,
  ) {
    // SUSPENDED too: another replica's suspension may not have reached this data plane yet.
    const mayFlow = before?.state === 'STARTED' || before?.state === 'SUSPENDED';
    if (mayFlow && after.state !== 'STARTED' && after.role === 'provider') this.deps.onDataStops?.(after.id);
    await addHistory(tx, {
      transferId: after.id,
      from: before?.state ?? null,
      to: after.state,
      event,
      actor,
      reason,
    });
    await this.deps.audit?.append(tx, {
      type: 'transfer.transition',
      actor,
      subjects: {
        transferId: after.id,
        agreementId: after.agreementId,
        providerPid: after.providerPid ?? undefined,
        consumerPid: after.consumerPid,
        counterParty: after.counterPartyDid,
      },
      content: {
        role: after.role,
        event,
        from: before?.state ?? null,
        to: after.state,
        ...(reason !== undefined ? { reason } : {}),
      },
    });
  }

  private send(tx: Queryable, payload: SendPayload) {
    return this.deps.outbox.enqueue(tx, { topic: TOPIC_SEND, key: payload.id, payload });
  }

  /** After a provider transfer enters STARTED: push transfers deliver now. */
  private async afterStart(tx: Queryable, t: TransferRecord) {
    if (t.role === 'provider' && t.format === PUSH) {
      await this.deps.outbox.enqueue(tx, {
        topic: TOPIC_PUSH,
        key: t.id,
        payload: { id: t.id, version: t.version },
        ...(this.deps.pushDeadlineMs ? { deadlineMs: this.deps.pushDeadlineMs } : {}),
      });
    }
  }

  // ---------------- provider ----------------

  /**
   * Provider: a TransferRequestMessage. A repeat (same consumer, same consumerPid) answers the first
   * process unchanged. Returns `created` false for a repeat.
   */
  async handleRequest(
    caller: VerifiedParticipant,
    msg: {
      consumerPid: string;
      agreementId: string;
      format: string;
      callbackAddress: string;
      dataAddress?: DataAddress;
    },
  ): Promise<{ transfer: TransferRecord; created: boolean }> {
    const existing = await findProviderTransferByConsumerPid(this.deps.db, caller.did, msg.consumerPid);
    if (existing) return { transfer: existing, created: false };
    if (!(SUPPORTED_FORMATS as readonly string[]).includes(msg.format)) {
      throw new ValidationError(
        `format ${msg.format} is not supported; use one of ${SUPPORTED_FORMATS.join(', ')}`,
        { pointer: '/format' },
        'unsupported_format',
      );
    }
    if (msg.format === PUSH && !msg.dataAddress?.endpoint) {
      throw new ValidationError(
        `a ${PUSH} transfer needs a dataAddress with an endpoint`,
        { pointer: '/dataAddress' },
        'missing_data_address',
      );
    }
    const agreement = await this.checkAgreement(msg.agreementId, caller);
    return this.deps.db.transaction(async (tx) => {
      const id = `urn:uuid:${randomUUID()}`;
      const inserted = await insertTransfer(tx, {
        id,
        role: 'provider',
        providerPid: id,
        consumerPid: msg.consumerPid,
        state: 'REQUESTED',
        agreementId: agreement.id,
        assetId: agreement.assetId,
        format: msg.format,
        counterPartyDid: caller.did,
        counterPartyAddress: msg.callbackAddress,
        dataAddress: msg.dataAddress ?? null,
        participant: caller,
        manual: agreement.transferMode === 'manual',
      });
      if (!inserted) {
        // A concurrent repeat won the race.
        const first = await findProviderTransferByConsumerPid(tx, caller.did, msg.consumerPid);
        return { transfer: first!, created: false };
      }
      await this.record(tx, null, inserted, 'request', caller.did);
      if (!inserted.manual) {
        await this.deps.outbox.enqueue(tx, { topic: TOPIC_START, key: id, payload: { id } });
      }
      return { transfer: inserted, created: true };
    });
  }

  // ---------------- consumer ----------------

  /** Consumer: asks a provider for a transfer under an agreement. */
  async request(input: {
    agreementId: string;
    format: string;
    counterPartyAddress?: string;
    counterPartyDid?: string;
    dataAddress?: Record<string, unknown>;
    actor: string;
  }): Promise<TransferRecord> {
    const agreement = await this.deps.agreement(input.agreementId);
    if (agreement && agreement.role !== 'consumer') {
      throw new ConflictError(
        `agreement ${input.agreementId} was granted by this connector; only its consumer can request transfers`,
        { agreementId: input.agreementId },
        'wrong_role',
      );
    }
    if (agreement?.retired) {
      throw new ConflictError(`agreement ${input.agreementId} is retired`, undefined, 'agreement_retired');
    }
    const address = input.counterPartyAddress ?? agreement?.counterPartyAddress;
    const did = agreement?.providerDid ?? input.counterPartyDid;
    if (!agreement && !input.counterPartyDid) {
      throw new NotFoundError(`agreement ${input.agreementId} is unknown`, 'unknown_agreement');
    }
    if (!address) {
      throw new ValidationError(
        'counterPartyAddress is required: the provider address is not known from the agreement',
        { pointer: '/counterPartyAddress' },
      );
    }
    if (input.format === PUSH && !input.dataAddress) {
      throw new ValidationError(`a ${PUSH} transfer needs a dataAddress`, { pointer: '/dataAddress' });
    }
    return this.deps.db.transaction(async (tx) => {
      const id = `urn:uuid:${randomUUID()}`;
      const t = await insertTransfer(tx, {
        id,
        role: 'consumer',
        providerPid: null,
        consumerPid: id,
        state: 'REQUESTED',
        agreementId: input.agreementId,
        assetId: agreement?.assetId ?? null,
        format: input.format,
        counterPartyDid: did!,
        counterPartyAddress: address,
        dataAddress: input.dataAddress ?? null,
        participant: null,
        manual: false,
      });
      await this.record(tx, null, t!, 'request', input.actor);
      await this.send(tx, { id, event: 'request' });
      return t!;
    });
  }

  // ---------------- both sides ----------------

  /**
   * A message from the counter-party (start, suspend, complete, terminate). Unknown process or a
   * caller that is not its counter-party: 404. A message the state does not allow: 400.
   */
  async receive(input: {
    pid: string;
    event: Exclude<TransferEvent, 'request'>;
    caller: string;
    message: {
      providerPid: string;
      consumerPid: string;
      dataAddress?: DataAddress;
      code?: string;
      reason?: unknown[];
    };
  }): Promise<TransferRecord> {
    return this.deps.db.transaction(async (tx) => {
      const t = await findTransfer(tx, input.pid, { forUpdate: true });
      if (!t || t.counterPartyDid !== input.caller) {
        throw new NotFoundError(`no transfer process ${input.pid}`, 'unknown_process');
      }
      const m = input.message;
      const ownPid = t.role === 'provider' ? m.providerPid : m.consumerPid;
      const peerPid = t.role === 'provider' ? m.consumerPid : m.providerPid;
      const knownPeerPid = t.role === 'provider' ? t.consumerPid : t.providerPid;
      if (ownPid !== t.id || (knownPeerPid !== null && peerPid !== knownPeerPid)) {
        throw new ValidationError(
          `the message's providerPid/consumerPid (${m.providerPid}, ${m.consumerPid}) do not match transfer ${t.id}`,
          { pointer: t.role === 'provider' ? '/consumerPid' : '/providerPid' },
          'pid_mismatch',
        );
      }
      const peerRole: TransferRole = t.role === 'provider' ? 'consumer' : 'provider';
      const step = transition(t.state, input.event, peerRole);
      if (!step.allowed) throw new ValidationError(step.reason, { state: t.state }, 'invalid_transition');
      const change: TransferChange = { state: step.to };
      if (t.role === 'consumer' && t.providerPid === null) change.providerPid = m.providerPid;
      if (t.role === 'consumer' && input.event === 'start' && m.dataAddress)
        change.dataAddress = m.dataAddress;
      const reason = reasonArray(m.reason);
      if (reason || m.code)
        change.reason = { ...(m.code ? { code: m.code } : {}), ...(reason ? { reason } : {}) };
      const after = await updateTransfer(tx, t.id, change);
      await this.record(tx, t, after, input.event, input.caller, change.reason);
      if (step.to === 'STARTED') await this.afterStart(tx, after);
      return after;
    });
  }

  /**
   * A step taken by this side (management API or an automatic task). Refused with 409 and the reason
   * when the state or the role does not allow it. `expectVersion` makes a task a no-op when the
   * process moved on since it was enqueued.
   */
  async act(
    id: string,
    event: Exclude<TransferEvent, 'request'>,
    actor: string,
    options: { code?: string; reason?: unknown; tx?: Queryable } = {},
  ): Promise<TransferRecord> {
    const run = async (tx: Queryable) => {
      const t = await findTransfer(tx, id, { forUpdate: true });
      if (!t) throw new NotFoundError(`no transfer ${id}`, 'unknown_transfer');
      const step = transition(t.state, event, t.role);
      if (!step.allowed)
        throw new ConflictError(step.reason, { state: t.state, role: t.role }, 'invalid_transition');
      if (event === 'start' && t.role === 'provider') {
        // A start (or resume) needs an agreement that still permits the transfer.
        await this.checkAgreement(t.agreementId, t.participant ?? undefined, tx).catch((e: unknown) => {
          const message = e instanceof Error ? e.message : String(e);
          throw new ConflictError(
            `cannot start transfer ${id}: ${message}`,
            { state: t.state },
            'agreement_not_valid',
          );
        });
      }
      const reason = reasonArray(options.reason);
      const change: TransferChange = { state: step.to };
      if (reason || options.code) {
        change.reason = { ...(options.code ? { code: options.code } : {}), ...(reason ? { reason } : {}) };
      }
      if (step.to === 'COMPLETED' || step.to === 'TERMINATED') {
        change.tokenId = null;
        change.refreshTokenHash = null;
      }
      const after = await updateTransfer(tx, id, change);
      await this.record(tx, t, after, event, actor, change.reason);
      // A consumer that has not heard from the provider yet cannot address it by providerPid: the
      // send task waits for it (retries) until the provider's answer arrives.
      await this.send(tx, {
        id,
        event,
        ...(options.code ? { code: options.code } : {}),
        ...(reason ? { reason } : {}),
      });
      if (step.to === 'STARTED') await this.afterStart(tx, after);
      return after;
    };
    return options.tx ? run(options.tx) : this.deps.db.transaction(run);
  }

  /** Marks a transfer terminated locally without telling the peer (it is unreachable or gone). */
  async terminateLocally(id: string, actor: string, reason: string): Promise<TransferRecord | undefined> {
    return this.deps.db.transaction(async (tx) => {
      const t = await findTransfer(tx, id, { forUpdate: true });
      if (!t || t.state === 'TERMINATED' || t.state === 'COMPLETED') return t;
      const after = await updateTransfer(tx, id, {
        state: 'TERMINATED',
        errorDetail: reason,
        tokenId: null,
        refreshTokenHash: null,
      });
      await this.record(tx, t, after, 'terminate', actor, { reason: [reason] });
      return after;
    });
  }

  async setStateData(id: string, change: TransferChange, q: Queryable = this.deps.db) {
    return updateTransfer(q, id, change);
  }

  static isActive(state: TransferState) {
    return state === 'STARTED' || state === 'SUSPENDED' || state === 'REQUESTED';
  }
}
