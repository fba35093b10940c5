/**
 * Contract negotiation behaviour in both roles. Every change of state is one transaction: the state
 * (optimistic check `WHERE id = $1 AND state = $2`), a history row, the audit entry and the outbox
 * messages (the message to the peer, webhook notifications). The automatic next step (agree,
 * finalize, accept, verify) is taken in the same transaction as the change that calls for it; it
 * only evaluates rules, and the messages it produces go out through the outbox like any other. The
 * dispatcher sends (`negotiation.send`) with retries and terminates the negotiation when it gives up.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ConflictError, NotFoundError, PeerError, ValidationError } from '../errors.js';
import type { VerifiedParticipant } from '../identity/participant.js';
import { compilePolicy, evaluate, type Decision } from '../policy/index.js';
import {
  buildAgreement,
  buildContractAgreementMessage,
  buildContractAgreementVerificationMessage,
  buildContractNegotiation,
  buildContractNegotiationEventMessage,
  buildContractNegotiationTerminationMessage,
  buildContractOfferMessage,
  buildContractRequestMessage,
  normalizeBaseUrl,
  type Agreement,
  type ContractNegotiation,
  type DspClient,
  type MessageOffer,
  type NegotiationState,
} from '../protocol/index.js';
import type { AuditService, CatalogService, NegotiationService, ResolvedOffer } from '../runtime/services.js';
import type { Database, Queryable } from '../store/db.js';
import type { ClaimedMessage, OutboxMessage, TopicHandler } from '../store/outbox.js';
import { quiet } from '../store/transaction.js';
import { scopesFor } from './scopes.js';
import {
  digestOf,
  hasReceived,
  loadAgreement,
  loadNegotiation,
  reviveParticipant,
  sameRules,
  type NegotiationRow,
} from './store.js';
import {
  MESSAGE_TYPE,
  TERMINAL_STATES,
  onReceive,
  onStep,
  refusal,
  type NegotiationMessageKind,
  type Role,
} from './transitions.js';

export const SEND_TOPIC = 'negotiation.send';
export const AUTO_TOPIC = 'negotiation.auto';
export const WEBHOOK_TOPIC = 'negotiation.webhook';

export interface NegotiationOutbox {
  enqueue(tx: Queryable, message: OutboxMessage): Promise<number>;
}

export interface NegotiationSettings {
  /** Give up sending a message (and terminate the negotiation) this long after it was enqueued. */
  deadlineMs: number;
  /** Consumer: accept automatically a provider offer equal to what it asked for. */
  autoAccept: boolean;
  /** Consumer: verify automatically an agreement that matches what it asked for. */
  autoVerify: boolean;
  /** Membership credential type for policy evaluation. */
  membershipCredentialType?: string;
}

export interface NegotiationDeps {
  db: Database;
  outbox: NegotiationOutbox;
  /** This participant's DID. */
  did: string;
  /** Where peers reach this connector's DSP endpoints (its callback address). */
  callbackAddress: string;
  /** A DSP client whose tokens grant `scopes` (default: the identity service's, membership). */
  clientFor: (scopes?: string[]) => DspClient;
  catalog?: CatalogService;
  audit?: AuditService;
  /** POSTs a JSON body to an operator's webhook; throws on a non-2xx answer. */
  postWebhook: (url: string, body: unknown) => Promise<void>;
  settings: NegotiationSettings;
  log: Logger;
  now?: () => Date;
}

/** A DSP-level refusal: the HTTP layer answers with a ContractNegotiationError. */
export class NegotiationRefused extends ValidationError {
  constructor(message: string, code = 'invalid_state_transition') {
    super(message, undefined, code);
  }
}

/** The optimistic state check failed: someone else moved the negotiation first. */
class StaleState extends Error {}

/** pontis_stale's error (PS001, see 041_stale_check.sql) as StaleState; any other error as it is. */
function staleOrRethrow(e: unknown): never {
  throw (e as { code?: string }).code === 'PS001' ? new StaleState((e as Error).message) : e;
}

export interface SendPayload {
  id: string;
  kind: NegotiationMessageKind;
  to: Role;
  address: string;
  did: string;
  message: Record<string, unknown>;
  /** DCP scopes the token grants (consumer: those the contract policy needs). */
  scopes?: string[];
}

interface AutoPayload {
  id: string;
  state: NegotiationState;
}

interface TransitionOptions {
  direction: 'in' | 'out' | 'local';
  actor: string;
  body?: unknown;
  digest?: string;
  reason?: unknown;
  /** Columns to fill (only the ones given change). */
  set?: {
    provider_pid?: string;
    consumer_pid?: string;
    offer?: unknown;
    agreement_id?: string;
    termination?: unknown;
  };
  /** The message to send to the peer (direction 'out'). */
  send?: Record<string, unknown>;
  /** Extra audit content. */
  audit?: Record<string, unknown>;
  /** The audit entry of an agreement stored with this change (written in the same statement as its own). */
  agreementEntry?: AuditEntryInput;
  /** The agreement just received (the automatic verification checks it without reading it back). */
  agreement?: Agreement;
}

type AuditEntryInput = Parameters<AuditService['append']>[1];

export interface StartInput {
  counterPartyAddress: string;
  counterPartyId: string;
  offer: MessageOffer;
  /** Defaults to the offer's target. */
  datasetId?: string;
  manual?: boolean;
}

export interface StepInput {
  offer?: MessageOffer;
  code?: string;
  reason?: string[];
}

export interface ReceiveResult {
  status: 200 | 201;
  body: ContractNegotiation;
}

const isTerminal = (s: NegotiationState) => TERMINAL_STATES.includes(s);

/**
 * The history row of a change, written by the same statement as the change. `source` is the CTE that
 * returns the changed negotiation; the six values of `historyParams` are parameters `first`..`first+5`.
 */
function historyCte(source: string, from: string, first: number): string {
  const p = (i: number) => `$${first + i}`;
  return `h AS (INSERT INTO negotiation_history (negotiation_id, from_state, to_state, message, direction, actor, body, digest, reason)
     SELECT id, ${from}, state, ${p(0)}, ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)} FROM ${source})`;
}

/**
 * The history rows of a chain's steps, in order, from the JSON array parameter `param`, written by the
 * statement whose CTE `source` returns the negotiation's id.
 */
function chainHistoryCte(source: string, param: number): string {
  return `h AS (INSERT INTO negotiation_history (negotiation_id, from_state, to_state, message, direction, actor, body, digest, reason)
     SELECT ${source}.id, x.e->>'from', x.e->>'to', x.e->>'message', x.e->>'direction', x.e->>'actor',
            x.e->'body', x.e->>'digest', x.e->'reason'
     FROM ${source}, jsonb_array_elements($${param}::jsonb) WITH ORDINALITY AS x(e, ord) ORDER BY x.ord)`;
}

function historyParams(kind: NegotiationMessageKind, o: TransitionOptions): unknown[] {
  return [
    kind,
    o.direction,
    o.actor,
    o.body === undefined ? null : JSON.stringify(o.body),
    o.digest ?? null,
    o.reason === undefined ? null : JSON.stringify(o.reason),
  ];
}
/** The steps one transaction takes on a negotiation: a change and the automatic step it calls for. */
interface Chain {
  /** The row as the transaction read it: its state is the optimistic check of the one UPDATE. */
  read: NegotiationRow;
  /** The row as the steps so far leave it. */
  row: NegotiationRow;
  steps: {
    from: NegotiationState | null;
    to: NegotiationState;
    kind: NegotiationMessageKind;
    o: TransitionOptions;
  }[];
  /** The negotiation is new: the chain's write INSERTs it (as the last step leaves it) instead. */
  insert?: boolean;
  /** The chain's one UPDATE, once issued: resolves to the new updated_at. */
  written?: Promise<Date>;
}

/** A value as reading it back from a jsonb column gives it (no undefined members). */
const asStored = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

/** States in which each role has an automatic next step. */
const AUTO_STATES: Record<Role, NegotiationState[]> = {
  provider: ['REQUESTED', 'ACCEPTED', 'VERIFIED'],
  consumer: ['OFFERED', 'AGREED'],
};

export class NegotiationManager implements NegotiationService {
  private readonly now: () => Date;

  constructor(private readonly deps: NegotiationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  // ---------------------------------------------------------------- DSP: messages received

  /** The ContractNegotiation resource for `pid` as its counter-party `caller` may see it. */
  async get(caller: VerifiedParticipant, pid: string): Promise<ContractNegotiation> {
    const row = await this.ownedBy(caller, pid);
    return this.resource(row);
  }

  /** Initial ContractRequestMessage (this connector is the provider). */
  async receiveInitialRequest(
    caller: VerifiedParticipant,
    message: { consumerPid: string; offer: MessageOffer; callbackAddress?: string },
    digest: string,
  ): Promise<ReceiveResult> {
    if (!message.callbackAddress) {
      throw new ValidationError('an initial ContractRequestMessage needs a callbackAddress', {
        pointer: '/callbackAddress',
      });
    }
    const datasetId = message.offer.target;
    let resolved: ResolvedOffer | undefined;
    if (datasetId && this.deps.catalog) {
      resolved = await this.deps.catalog.resolveOffer({
        offerId: message.offer['@id'],
        datasetId,
        participant: caller,
      });
    }
    const id = `urn:uuid:${randomUUID()}`;
    const history: TransitionOptions = { direction: 'in', actor: caller.did, body: message, digest };
    const requested: NegotiationRow = {
      id,
      role: 'provider',
      state: 'REQUESTED',
      provider_pid: id,
      consumer_pid: message.consumerPid,
      counter_party_did: caller.did,
      counter_party_address: normalizeBaseUrl(message.callbackAddress),
      dataset_id: datasetId ?? null,
      offer_id: message.offer['@id'],
      offer: asStored(message.offer) as MessageOffer,
      requested_offer: null,
      resolved_offer: resolved ? (asStored(resolved) as ResolvedOffer) : null,
      participant: asStored(caller) as VerifiedParticipant,
      manual: resolved?.negotiationMode === 'manual',
      agreement_id: null,
      termination: null,
      // This process's clock; updated_at is the INSERT's once it is written.
      created_at: this.now(),
      updated_at: this.now(),
    };
    try {
      // The request and the automatic step it calls for (agree, or terminate) are one INSERT of the
      // negotiation as the last step leaves it, with a history row per step: no UPDATE after it.
      const row = await this.inTx((tx) =>
        this.transition(tx, requested, 'request', 'REQUESTED', history, { insert: true }),
      );
      return { status: 201, body: this.resource(row) };
    } catch (e) {
      if (!(e instanceof StaleState)) throw e;
    }
    // The INSERT found the pid taken (a repeat, or a copy that raced it): only then is it looked up.
    const existing = await this.deps.db.query<NegotiationRow>(
      `SELECT * FROM negotiations WHERE role = 'provider' AND counter_party_did = $1 AND consumer_pid = $2`,
      [caller.did, message.consumerPid],
    );
    return this.repeatedInitial(existing.rows[0]!, digest);
  }

  /** Initial ContractOfferMessage (this connector is the consumer; the provider starts). */
  async receiveInitialOffer(
    caller: VerifiedParticipant,
    message: { providerPid: string; offer: MessageOffer; callbackAddress?: string },
    digest: string,
  ): Promise<ReceiveResult> {
    if (!message.callbackAddress) {
      throw new ValidationError('an initial ContractOfferMessage needs a callbackAddress', {
        pointer: '/callbackAddress',
      });
    }
    const existing = await this.deps.db.query<NegotiationRow>(
      `SELECT * FROM negotiations WHERE role = 'consumer' AND counter_party_did = $1 AND provider_pid = $2`,
      [caller.did, message.providerPid],
    );
    if (existing.rows[0]) return this.repeatedInitial(existing.rows[0], digest);
    const id = `urn:uuid:${randomUUID()}`;
    const row = await this.inTx(async (tx) => {
      const history: TransitionOptions = { direction: 'in', actor: caller.did, body: message, digest };
      const r = await tx.query<NegotiationRow>(
        `WITH n AS (INSERT INTO negotiations (id, role, state, provider_pid, consumer_pid, counter_party_did,
           counter_party_address, dataset_id, offer_id, offer, manual)
         VALUES ($1, 'consumer', 'OFFERED', $2, $1, $3, $4, $5, $6, $7, false) RETURNING *),
         ${historyCte('n', 'NULL', 8)}
         SELECT * FROM n`,
        [
          id,
          message.providerPid,
          caller.did,
          normalizeBaseUrl(message.callbackAddress!),
          message.offer.target ?? null,
          message.offer['@id'],
          JSON.stringify(message.offer),
          ...historyParams('offer', history),
        ],
      );
      const created = r.rows[0]!;
      await this.record(tx, created, null, 'OFFERED', 'offer', history);
      await this.autoStep(tx, created);
      return created;
    });
    return { status: 201, body: this.resource(row) };
  }

  private async repeatedInitial(row: NegotiationRow, digest: string): Promise<ReceiveResult> {
    if (await hasReceived(this.deps.db, row.id, digest)) return { status: 201, body: this.resource(row) };
    throw new NegotiationRefused(
      `a negotiation with this ${row.role === 'provider' ? 'consumerPid' : 'providerPid'} already exists (${row.id}); send further messages to it`,
      'duplicate_pid',
    );
  }

  /**
   * Any message to an existing negotiation, addressed by this connector's pid. Checks the caller is
   * the counter-party (else 404), answers a repeated message idempotently, checks the transition
   * (else 400), applies it and schedules the automatic next step.
   */
  async receive(
    caller: VerifiedParticipant,
    pid: string,
    kind: NegotiationMessageKind,
    message: Record<string, unknown> & { providerPid?: string; consumerPid?: string },
    digest: string,
  ): Promise<ReceiveResult> {
    for (let attempt = 0; ; attempt++) {
      const row = await this.ownedBy(caller, pid);
      const ownPid = row.role === 'provider' ? message.providerPid : message.consumerPid;
      const theirPid = row.role === 'provider' ? message.consumerPid : message.providerPid;
      const theirStored = row.role === 'provider' ? row.consumer_pid : row.provider_pid;
      if (ownPid !== undefined && ownPid !== row.id) {
        throw new ValidationError(
          `the body's ${row.role === 'provider' ? 'providerPid' : 'consumerPid'} ${ownPid} differs from the path's ${row.id}`,
          { pointer: row.role === 'provider' ? '/providerPid' : '/consumerPid' },
          'pid_mismatch',
        );
      }
      if (theirPid !== undefined && theirStored !== null && theirPid !== theirStored) {
        throw new NotFoundError(`negotiation ${pid} has another counter-party pid`, 'not_found');
      }
      const to = onReceive(row.role, row.state, kind);
      if (!to) {
        // A repeated message always finds the negotiation in the state it led to, where the table
        // refuses it; so the (rare) idempotency lookup is needed only here.
        if (await hasReceived(this.deps.db, row.id, digest)) return { status: 200, body: this.resource(row) };
        throw new NegotiationRefused(refusal(row.role, row.state, kind, this.other(row.role)));
      }
      try {
        const updated = await this.inTx(async (tx) => {
          const set: TransitionOptions['set'] = {};
          if (row.role === 'consumer' && !row.provider_pid && theirPid) set.provider_pid = theirPid;
          if (kind === 'request' || kind === 'offer') set.offer = message.offer;
          if (kind === 'terminate') {
            set.termination = { code: message.code, reason: message.reason, by: caller.did };
          }
          let extra: Record<string, unknown> | undefined;
          let agreementEntry: AuditEntryInput | undefined;
          if (kind === 'agree') {
            const agreement = message.agreement as Agreement;
            set.agreement_id = agreement['@id'];
            extra = { agreementId: agreement['@id'] };
            agreementEntry = await this.storeAgreement(tx, row, agreement);
          }
          return this.transition(tx, row, kind, to, {
            direction: 'in',
            actor: caller.did,
            body: message,
            digest,
            set,
            reason: kind === 'terminate' ? message.reason : undefined,
            audit: extra,
            agreementEntry,
            agreement: kind === 'agree' ? (message.agreement as Agreement) : undefined,
          });
        });
        return { status: 200, body: this.resource(updated) };
      } catch (e) {
        if (e instanceof StaleState && attempt < 3) continue;
        if (e instanceof StaleState) throw new NegotiationRefused('the negotiation changed meanwhile; retry');
        throw e;
      }
    }
  }

  // ---------------------------------------------------------------- management: steps by hand

  /** Consumer: starts a negotiation by sending a ContractRequestMessage to the provider. */
  async start(input: StartInput, actor: string): Promise<NegotiationRow> {
    const datasetId = input.datasetId ?? input.offer.target;
    if (!datasetId) {
      throw new ValidationError('the offer has no target: give datasetId', { pointer: '/datasetId' });
    }
    if (input.offer.target !== undefined && input.offer.target !== datasetId) {
      throw new ValidationError(
        `the offer's target ${input.offer.target} differs from datasetId ${datasetId}`,
        {
          pointer: '/offer/target',
        },
      );
    }
    const offer: MessageOffer = { ...input.offer, target: datasetId };
    const address = normalizeBaseUrl(input.counterPartyAddress);
    const id = `urn:uuid:${randomUUID()}`;
    const message = buildContractRequestMessage({
      consumerPid: id,
      offer,
      callbackAddress: this.deps.callbackAddress,
    });
    const history: TransitionOptions = { direction: 'out', actor, body: message, send: message };
    return this.inTx(async (tx) => {
      const r = await tx.query<NegotiationRow>(
        `WITH n AS (INSERT INTO negotiations (id, role, state, consumer_pid, counter_party_did, counter_party_address,
           dataset_id, offer_id, offer, requested_offer, manual)
         VALUES ($1, 'consumer', 'REQUESTED', $1, $2, $3, $4, $5, $6, $6, $7) RETURNING *),
         ${historyCte('n', 'NULL', 8)}
         SELECT * FROM n`,
        [
          id,
          input.counterPartyId,
          address,
          datasetId,
          offer['@id'],
          JSON.stringify(offer),
          input.manual ?? false,
          ...historyParams('request', history),
        ],
      );
      const row = r.rows[0]!;
      await this.record(tx, row, null, 'REQUESTED', 'request', history);
      return row;
    });
  }

  /**
   * Takes `kind` as this connector's next step (by hand, or as the automatic behaviour). Throws
   * ConflictError (409) with the reason when the role or state does not allow it.
   */
  async step(
    id: string,
    kind: NegotiationMessageKind,
    input: StepInput,
    actor: string,
  ): Promise<NegotiationRow> {
    for (let attempt = 0; ; attempt++) {
      const row = await loadNegotiation(this.deps.db, id);
      if (!row) throw new NotFoundError(`no negotiation ${id}`);
      const to = onStep(row.role, row.state, kind);
      if (!to) throw new ConflictError(refusal(row.role, row.state, kind, row.role), { state: row.state });
      try {
        return await this.inTx((tx) => this.applyStep(tx, row, kind, to, input, actor));
      } catch (e) {
        if (e instanceof StaleState && attempt < 3) continue;
        if (e instanceof StaleState) throw new ConflictError('the negotiation changed meanwhile; retry');
        throw e;
      }
    }
  }

  private async applyStep(
    tx: Queryable,
    row: NegotiationRow,
    kind: NegotiationMessageKind,
    to: NegotiationState,
    input: StepInput,
    actor: string,
  ): Promise<NegotiationRow> {
    const pids = () => {
      if (!row.provider_pid || !row.consumer_pid) {
        throw new ConflictError(
          `the counter-party's pid is not known yet (the ${row.role === 'consumer' ? 'provider' : 'consumer'} has not answered)`,
        );
      }
      return { providerPid: row.provider_pid, consumerPid: row.consumer_pid };
    };
    const base = { direction: 'out' as const, actor };
    switch (kind) {
      case 'offer': {
        const offer = this.offerWithTarget(input.offer ?? this.catalogueOffer(row), row);
        const message = buildContractOfferMessage({ ...pids(), offer });
        return this.transition(tx, row, kind, to, { ...base, body: message, send: message, set: { offer } });
      }
      case 'request': {
        const offer = this.offerWithTarget(input.offer ?? row.offer, row);
        const message = buildContractRequestMessage({
          consumerPid: row.id,
          providerPid: pids().providerPid,
          offer,
        });
        return this.transition(tx, row, kind, to, { ...base, body: message, send: message, set: { offer } });
      }
      case 'agree': {
        const decision = this.decide(row);
        if (!decision.permitted) {
          throw new ConflictError(
            `the contract policy does not permit ${row.counter_party_did}: ${decision.reasons.join('; ')}`,
            {
              reasons: decision.reasons,
            },
          );
        }
        const rules = row.offer ?? this.catalogueOffer(row);
        const agreement = buildAgreement({
          id: `urn:uuid:${randomUUID()}`,
          target: row.dataset_id!,
          assigner: this.deps.did,
          assignee: row.counter_party_did,
          timestamp: this.now()
            .toISOString()
            .replace(/\.\d{3}Z$/, 'Z'),
          permission: rules?.permission,
          prohibition: rules?.prohibition,
          obligation: rules?.obligation,
          ...(rules?.profile !== undefined ? { profile: rules.profile } : {}),
        });
        const agreementEntry = await this.storeAgreement(tx, row, agreement);
        const message = buildContractAgreementMessage({ ...pids(), agreement });
        return this.transition(tx, row, kind, to, {
          ...base,
          body: message,
          send: message,
          set: { agreement_id: agreement['@id'] },
          audit: { agreementId: agreement['@id'], decision: decision.reasons },
          agreementEntry,
        });
      }
      case 'accept':
      case 'finalize': {
        const message = buildContractNegotiationEventMessage({
          ...pids(),
          eventType: kind === 'accept' ? 'ACCEPTED' : 'FINALIZED',
        });
        return this.transition(tx, row, kind, to, { ...base, body: message, send: message });
      }
      case 'verify': {
        const message = buildContractAgreementVerificationMessage(pids());
        return this.transition(tx, row, kind, to, { ...base, body: message, send: message });
      }
      case 'terminate': {
        const termination = { code: input.code, reason: input.reason, by: this.deps.did };
        // A negotiation whose counter-party pid is unknown is terminated locally only.
        const canSend = row.provider_pid !== null && row.consumer_pid !== null;
        const message = canSend
          ? buildContractNegotiationTerminationMessage({ ...pids(), code: input.code, reason: input.reason })
          : undefined;
        return this.transition(tx, row, kind, to, {
          ...base,
          body: message,
          send: message,
          set: { termination },
          reason: input.reason,
        });
      }
    }
  }

  /** Terminates without a management call (give-up, refusal by the peer); sends a termination when `notify`. */
  async terminateLocally(id: string, reason: string[], code: string, notify: boolean): Promise<void> {
    for (let attempt = 0; attempt < 4; attempt++) {
      const row = await loadNegotiation(this.deps.db, id);
      if (!row || isTerminal(row.state)) return;
      try {
        await this.inTx((tx) => this.terminateIn(tx, row, reason, code, notify));
        return;
      } catch (e) {
        if (!(e instanceof StaleState)) throw e;
      }
    }
  }

  private terminateIn(
    tx: Queryable,
    row: NegotiationRow,
    reason: string[],
    code: string,
    notify: boolean,
  ): Promise<NegotiationRow> {
    const canSend = notify && row.provider_pid !== null && row.consumer_pid !== null;
    const message = canSend
      ? buildContractNegotiationTerminationMessage({
          providerPid: row.provider_pid!,
          consumerPid: row.consumer_pid!,
          code,
          reason,
        })
      : undefined;
    return this.transition(tx, row, 'terminate', 'TERMINATED', {
      direction: canSend ? 'out' : 'local',
      actor: 'system',
      body: message,
      send: message,
      set: { termination: { code, reason, by: this.deps.did } },
      reason,
    });
  }

  // ---------------------------------------------------------------- automatic behaviour

  /** Outbox handlers of this manager. */
  handlers(): Record<string, TopicHandler> {
    return {
      [SEND_TOPIC]: {
        handle: (p, m) => this.send(p as SendPayload, m),
        onGiveUp: async (p, lastError) => {
          const payload = p as SendPayload;
          await this.terminateLocally(
            payload.id,
            [
              `the ${MESSAGE_TYPE[payload.kind]} to ${payload.address} was not delivered before the deadline: ${lastError}`,
            ],
            'peer_unreachable',
            payload.kind !== 'terminate',
          );
        },
      },
      [AUTO_TOPIC]: { handle: (p) => this.auto(p as AutoPayload) },
      [WEBHOOK_TOPIC]: {
        handle: async (p) => {
          const { url, event } = p as { url: string; event: unknown };
          await this.deps.postWebhook(url, event);
        },
      },
    };
  }

  private async send(p: SendPayload, _m: ClaimedMessage): Promise<void> {
    const peer = { baseUrl: p.address, did: p.did };
    const c = this.deps.clientFor(p.scopes);
    const m = p.message as never;
    try {
      switch (p.kind) {
        case 'request': {
          const answer = await c.requestNegotiation(peer, m);
          if (answer?.providerPid) {
            await this.deps.db.query(
              `UPDATE negotiations SET provider_pid = COALESCE(provider_pid, $2) WHERE id = $1`,
              [p.id, answer.providerPid],
            );
          }
          return;
        }
        case 'offer':
          await c.offerNegotiation(peer, m);
          return;
        case 'accept':
          return await c.acceptNegotiation(peer, m);
        case 'agree':
          return await c.agreeNegotiation(peer, m);
        case 'verify':
          return await c.verifyNegotiation(peer, m);
        case 'finalize':
          return await c.finalizeNegotiation(peer, m);
        case 'terminate':
          return await c.terminateNegotiation(peer, m, p.to);
      }
    } catch (e) {
      const status =
        e instanceof PeerError ? (e.details as { status?: number } | undefined)?.status : undefined;
      // The peer refused the message (4xx other than timeouts and rate limits): retrying cannot help.
      if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
        this.deps.log.warn({ negotiation: p.id, kind: p.kind, status }, 'peer refused a negotiation message');
        if (p.kind !== 'terminate') {
          // Keep the peer's own code and reasons (e.g. a ContractNegotiationError) for the operator.
          const peerBody = (e as PeerError).details as
            { body?: { code?: unknown; reason?: unknown } } | undefined;
          const peerReasons = Array.isArray(peerBody?.body?.reason) ? peerBody.body.reason : [];
          await this.terminateLocally(
            p.id,
            [
              `the counter-party refused the ${MESSAGE_TYPE[p.kind]} (${status}${typeof peerBody?.body?.code === 'string' ? ` ${peerBody.body.code}` : ''})`,
              ...peerReasons.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))),
            ],
            'peer_refused',
            false,
          );
        }
        return;
      }
      throw e;
    }
  }

  /**
   * Outbox task written by versions that ran the automatic step in a task of its own: run it now
   * (skipped when the negotiation moved on or is manual).
   */
  private async auto(p: AutoPayload): Promise<void> {
    const row = await loadNegotiation(this.deps.db, p.id);
    if (!row || row.state !== p.state || row.manual) return;
    try {
      await this.inTx((tx) => this.autoStep(tx, row));
    } catch (e) {
      // Someone (the peer, an operator) moved the negotiation meanwhile: nothing left to do.
      if (e instanceof StaleState) return;
      throw e;
    }
  }

  /**
   * The automatic next step after entering `row.state`, in the transaction of that change, so that
   * the two commit together and no crash can leave a negotiation waiting for a step that never comes.
   * Returns the row as the last step left it.
   */
  private async autoStep(tx: Queryable, row: NegotiationRow, received?: Agreement): Promise<NegotiationRow> {
    if (row.manual || !AUTO_STATES[row.role].includes(row.state)) return row;
    let kind: NegotiationMessageKind | undefined;
    if (row.role === 'provider') {
      if (row.state === 'REQUESTED' || row.state === 'ACCEPTED') {
        const problem = this.requestProblem(row);
        if (problem) return this.terminateIn(tx, row, problem.reasons, problem.code, true);
        kind = 'agree';
      } else if (row.state === 'VERIFIED') {
        kind = 'finalize';
      }
    } else if (row.state === 'OFFERED' && this.deps.settings.autoAccept && row.requested_offer) {
      if (sameRules(row.offer, row.requested_offer) && row.offer?.target === row.dataset_id) kind = 'accept';
    } else if (row.state === 'AGREED' && this.deps.settings.autoVerify && row.requested_offer) {
      const agreement =
        received ?? (row.agreement_id ? (await loadAgreement(tx, row.agreement_id))?.policy : undefined);
      if (agreement && this.agreementMatches(row, agreement)) kind = 'verify';
    }
    const to = kind && onStep(row.role, row.state, kind);
    if (!kind || !to) return row;
    try {
      return await this.applyStep(tx, row, kind, to, {}, 'system');
    } catch (e) {
      // The step is not possible after all (e.g. the counter-party's pid is unknown): an operator decides.
      if (e instanceof ConflictError) return row;
      throw e;
    }
  }

  /** Provider: why the request on the table cannot be agreed, or undefined when it can. */
  private requestProblem(row: NegotiationRow): { code: string; reasons: string[] } | undefined {
    const resolved = row.resolved_offer;
    if (!resolved) {
      return {
        code: 'offer_not_found',
        reasons: [
          `offer ${row.offer_id} is not a current offer for dataset ${row.dataset_id ?? '(no target)'}`,
        ],
      };
    }
    if (!sameRules(row.offer, resolved.policy)) {
      return {
        code: 'offer_mismatch',
        reasons: [
          `the requested terms differ from offer ${resolved.offerId}; ask for the offer as the catalogue shows it`,
        ],
      };
    }
    const decision = this.decide(row);
    if (!decision.permitted) return { code: 'policy_denied', reasons: decision.reasons };
    return undefined;
  }

  /** Provider: the contract policy evaluated for the consumer in negotiation scope. */
  private decide(row: NegotiationRow): Decision {
    if (row.role !== 'provider' || !row.resolved_offer) {
      return {
        permitted: false,
        decidedBy: null,
        trace: [],
        duties: [],
        reasons: [
          `offer ${row.offer_id} is not a current offer for dataset ${row.dataset_id ?? '(no target)'}`,
        ],
      };
    }
    let policy;
    try {
      policy = compilePolicy(row.resolved_offer.policy);
    } catch (e) {
      return {
        permitted: false,
        decidedBy: null,
        trace: [],
        duties: [],
        reasons: [`the offer's policy does not compile: ${e instanceof Error ? e.message : String(e)}`],
      };
    }
    return evaluate(policy, 'negotiation', {
      now: this.now(),
      participant: reviveParticipant(row.participant),
      dataspace: { membershipCredentialType: this.deps.settings.membershipCredentialType },
    });
  }

  private agreementMatches(row: NegotiationRow, agreement: Agreement): boolean {
    return (
      agreement.target === row.dataset_id &&
      agreement.assigner === row.counter_party_did &&
      agreement.assignee === this.deps.did &&
      sameRules(agreement, row.offer)
    );
  }

  // ---------------------------------------------------------------- the transition itself

  /**
   * Applies `from → to`: records it (audit, message to send, webhooks) and takes the automatic step it
   * calls for; the change and that step are then written as one UPDATE (one INSERT for a new negotiation)
   * with their history rows, checked against the state the transaction read. Throws StaleState.
   */
  private async transition(
    tx: Queryable,
    row: NegotiationRow,
    kind: NegotiationMessageKind,
    to: NegotiationState,
    o: TransitionOptions,
    /** `row` is new, not yet stored, and already in `to`: the chain INSERTs it. */
    { insert = false } = {},
  ): Promise<NegotiationRow> {
    const chains = this.chainsOf.get(tx) ?? new Map<string, Chain>();
    this.chainsOf.set(tx, chains);
    const outer = !chains.has(row.id);
    const chain = chains.get(row.id) ?? { read: row, row, steps: [], insert };
    const from = insert ? null : row.state;
    chains.set(row.id, chain);
    const s = o.set ?? {};
    // The row as the write will leave it: a pid is kept once known, a new agreement, offer or
    // termination replaces the old.
    const next: NegotiationRow = {
      ...row,
      state: to,
      provider_pid: row.provider_pid ?? s.provider_pid ?? null,
      consumer_pid: row.consumer_pid ?? s.consumer_pid ?? null,
      agreement_id: s.agreement_id ?? row.agreement_id,
      ...(s.offer === undefined ? {} : { offer: asStored(s.offer) as NegotiationRow['offer'] }),
      ...(s.termination === undefined
        ? {}
        : { termination: asStored(s.termination) as NegotiationRow['termination'] }),
    };
    chain.steps.push({ from, to, kind, o });
    chain.row = next;
    const out: NegotiationRow = { ...next };
    try {
      await this.record(tx, next, from, to, kind, o);
      await this.autoStep(tx, next, o.agreement);
      // The last step of the chain writes it; the steps before it find it written.
      chain.written ??= this.write(tx, row.id, chain);
      // Filled in before the transaction commits (`inTx` waits for its writes).
      this.later(
        tx,
        chain.written.then((at) => void (out.updated_at = at)),
      );
    } finally {
      if (outer) chains.delete(row.id);
    }
    return out;
  }

  /**
   * One UPDATE (for a new negotiation, the INSERT) that leaves the negotiation as the chain's last row,
   * with one history row per step, in order. The pids and agreement id are COALESCEd, so a pid stored
   * meanwhile (the consumer records the provider's from its answer) is kept. Returns the new updated_at.
   */
  private async write(tx: Queryable, id: string, chain: Chain): Promise<Date> {
    const { read, row } = chain;
    // A step that sets the offer or termination makes a new object: only then is the column written.
    const changed = (k: 'offer' | 'termination') => (row[k] === read[k] ? null : JSON.stringify(row[k]));
    const history = chain.steps.map(({ from, to, kind, o }) => ({
      from,
      to,
      message: kind,
      direction: o.direction,
      actor: o.actor,
      body: o.body,
      digest: o.digest,
      reason: o.reason,
    }));
    if (chain.insert) return this.insert(tx, row, history);
    const r = await tx
      .query<{ updated_at: Date }>(
        `WITH u AS (UPDATE negotiations SET state = $3, updated_at = now(),
         provider_pid = COALESCE(provider_pid, $4), consumer_pid = COALESCE(consumer_pid, $5),
         offer = COALESCE($6, offer), agreement_id = COALESCE($7, agreement_id),
         termination = COALESCE($8, termination)
       WHERE id = $1 AND state = $2 RETURNING id, updated_at),
       ${chainHistoryCte('u', 9)}
       -- No row: the state changed since the transaction read it. An error, so that the COMMIT sent
       -- with this statement rolls back.
       SELECT COALESCE((SELECT updated_at FROM u), pontis_stale($10)) AS updated_at`,
        [
          id,
          read.state,
          row.state,
          row.provider_pid,
          row.consumer_pid,
          changed('offer'),
          row.agreement_id,
          changed('termination'),
          // Members left undefined are dropped: their columns stay NULL.
          JSON.stringify(history),
          `negotiation ${id} is no longer ${read.state}`,
        ],
      )
      .catch(staleOrRethrow);
    return r.rows[0]!.updated_at;
  }

  /**
   * A provider's new negotiation, as its chain's last step leaves it, with one history row per step.
   * A negotiation of the same consumer with the same consumerPid (a repeat, or a copy that raced this
   * one) makes it StaleState, so that the transaction, whose COMMIT goes with it, rolls back.
   */
  private async insert(tx: Queryable, row: NegotiationRow, history: unknown[]): Promise<Date> {
    const r = await tx
      .query<{ updated_at: Date }>(
        `WITH n AS (INSERT INTO negotiations (id, role, state, provider_pid, consumer_pid, counter_party_did,
           counter_party_address, dataset_id, offer_id, offer, resolved_offer, participant, manual, agreement_id,
           termination)
         VALUES ($1, 'provider', $2, $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (counter_party_did, consumer_pid) WHERE role = 'provider' DO NOTHING RETURNING id, updated_at),
       ${chainHistoryCte('n', 14)}
       SELECT COALESCE((SELECT updated_at FROM n), pontis_stale($15)) AS updated_at`,
        [
          row.id,
          row.state,
          row.consumer_pid,
          row.counter_party_did,
          row.counter_party_address,
          row.dataset_id,
          row.offer_id,
          JSON.stringify(row.offer),
          row.resolved_offer === null ? null : JSON.stringify(row.resolved_offer),
          JSON.stringify(row.participant),
          row.manual,
          row.agreement_id,
          row.termination === null ? null : JSON.stringify(row.termination),
          JSON.stringify(history),
          `${row.counter_party_did} already has a negotiation with consumerPid ${row.consumer_pid}`,
        ],
      )
      .catch(staleOrRethrow);
    return r.rows[0]!.updated_at;
  }

  /** The chain of steps each negotiation is taking in a transaction (see `transition`). */
  private readonly chainsOf = new WeakMap<Queryable, Map<string, Chain>>();

  /** Audit (with the agreement's entry, when one was stored), the message to send, webhooks. */
  private async record(
    tx: Queryable,
    row: NegotiationRow,
    from: NegotiationState | null,
    to: NegotiationState,
    kind: NegotiationMessageKind,
    o: TransitionOptions,
  ): Promise<void> {
    const entries = [
      ...(o.agreementEntry ? [o.agreementEntry] : []),
      {
        type: 'negotiation.transition',
        actor: o.actor,
        subjects: {
          negotiationId: row.id,
          agreementId: row.agreement_id ?? undefined,
          participant: row.counter_party_did,
          assetId: row.resolved_offer?.assetId ?? row.dataset_id ?? undefined,
          offerId: row.offer_id ?? undefined,
        },
        content: {
          role: row.role,
          providerPid: row.provider_pid,
          consumerPid: row.consumer_pid,
          datasetId: row.dataset_id,
          from,
          to,
          message: MESSAGE_TYPE[kind],
          direction: o.direction,
          ...(o.reason !== undefined ? { reason: o.reason } : {}),
          ...(o.audit ?? {}),
        },
      },
    ];
    this.auditOf.get(tx)!.push(...entries);
    const messages: OutboxMessage[] = [];
    if (o.send) {
      const payload: SendPayload = {
        id: row.id,
        kind,
        to: this.other(row.role),
        address: row.counter_party_address,
        did: row.counter_party_did,
        message: o.send,
        ...(row.role === 'consumer'
          ? {
              scopes: scopesFor(
                row.offer ?? row.requested_offer,
                this.deps.settings.membershipCredentialType,
              ),
            }
          : {}),
      };
      messages.push({ topic: SEND_TOPIC, key: row.id, payload, deadlineMs: this.deps.settings.deadlineMs });
    }
    for (const h of await this.webhooks(tx)) {
      messages.push({
        topic: WEBHOOK_TOPIC,
        key: `webhook:${h.id}:${row.id}`,
        payload: {
          url: h.url,
          event: {
            type: 'negotiation.state',
            negotiationId: row.id,
            role: row.role,
            from,
            to,
            message: MESSAGE_TYPE[kind],
            counterPartyId: row.counter_party_did,
            datasetId: row.dataset_id,
            agreementId: row.agreement_id,
            at: this.now().toISOString(),
          },
        },
      });
    }
    for (const m of messages) this.later(tx, this.deps.outbox.enqueue(tx, m));
  }

  /** Audit entries of a transaction of `inTx`, written together just before it commits. */
  private readonly auditOf = new WeakMap<Queryable, AuditEntryInput[]>();

  /**
   * A transaction whose audit entries (of the change and of the automatic step it calls for) are
   * appended in one statement at its end, which also keeps the log's head row locked only briefly.
   */
  private async inTx<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const writes: Promise<unknown>[] = [];
    try {
      const result = await this.deps.db.transaction(async (tx) => {
        const entries: AuditEntryInput[] = [];
        this.auditOf.set(tx, entries);
        this.writesOf.set(tx, writes);
        const r = await fn(tx);
        this.later(tx, this.appendAudit(tx, entries));
        return r; // the writes still in flight go out with the COMMIT
      });
      await Promise.all(writes);
      return result;
    } catch (e) {
      // A stale state is what the callers retry on, whichever statement's failure the store reports.
      const settled = await Promise.allSettled(writes);
      const stale = settled.find((s) => s.status === 'rejected' && s.reason instanceof StaleState);
      throw stale ? (stale as PromiseRejectedResult).reason : e;
    }
  }

  /**
   * Writes of a transaction of `inTx` (every change of this manager runs in one) whose results nothing
   * in it waits for: issued at once, they go to the store with the COMMIT (on PostgreSQL, one round
   * trip), and a failure (a stale state) rolls the transaction back.
   */
  private readonly writesOf = new WeakMap<Queryable, Promise<unknown>[]>();

  private later(tx: Queryable, write: Promise<unknown>): void {
    // Observed by inTx's Promise.all; until then a rejection is not unhandled.
    this.writesOf.get(tx)!.push(quiet(write));
  }

  private async appendAudit(tx: Queryable, entries: AuditEntryInput[]): Promise<void> {
    const audit = this.deps.audit;
    if (!audit || entries.length === 0) return;
    if (audit.appendMany) await audit.appendMany(tx, entries);
    else for (const e of entries) await audit.append(tx, e);
  }

  private hooks: { at: number; list: { id: string; url: string }[] } | undefined;

  /** Registered webhooks, read at most once a second (replicas see a change within that time). */
  private async webhooks(tx: Queryable): Promise<{ id: string; url: string }[]> {
    const now = Date.now();
    if (!this.hooks || now - this.hooks.at > 1000) {
      const r = await tx.query<{ id: string; url: string }>('SELECT id, url FROM negotiation_webhooks');
      this.hooks = { at: now, list: r.rows };
    }
    return this.hooks.list;
  }

  /** Forget the cached webhooks (after a change through this connector's management API). */
  webhooksChanged(): void {
    this.hooks = undefined;
  }

  /** Stores the agreement; returns its audit entry, for the transition to write with its own. */
  private async storeAgreement(
    tx: Queryable,
    row: NegotiationRow,
    agreement: Agreement,
  ): Promise<AuditEntryInput> {
    const provider = row.role === 'provider' ? this.deps.did : row.counter_party_did;
    const consumer = row.role === 'provider' ? row.counter_party_did : this.deps.did;
    const digest = digestOf(agreement);
    this.later(
      tx,
      tx.query(
        `INSERT INTO agreements (id, negotiation_id, role, provider_did, consumer_did, dataset_id, asset_id, policy, digest, signed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          agreement['@id'],
          row.id,
          row.role,
          provider,
          consumer,
          agreement.target,
          row.resolved_offer?.assetId ?? agreement.target,
          JSON.stringify(agreement),
          digest,
          agreement.timestamp ?? this.now().toISOString(),
        ],
      ),
    );
    return {
      type: 'agreement',
      actor: row.role === 'provider' ? this.deps.did : row.counter_party_did,
      subjects: {
        negotiationId: row.id,
        agreementId: agreement['@id'],
        participant: row.counter_party_did,
        assetId: row.resolved_offer?.assetId ?? agreement.target,
      },
      content: { agreement, digest, role: row.role },
    };
  }

  // ---------------------------------------------------------------- helpers

  private other(role: Role): Role {
    return role === 'provider' ? 'consumer' : 'provider';
  }

  /** 404 for an unknown pid and for a caller who is not the negotiation's counter-party. */
  private async ownedBy(caller: VerifiedParticipant, pid: string): Promise<NegotiationRow> {
    const row = await loadNegotiation(this.deps.db, pid);
    if (!row || row.counter_party_did !== caller.did) throw new NotFoundError(`no negotiation ${pid}`);
    return row;
  }

  resource(row: NegotiationRow): ContractNegotiation {
    return buildContractNegotiation({
      providerPid: row.provider_pid ?? row.id,
      consumerPid: row.consumer_pid ?? row.id,
      state: row.state,
    });
  }

  private catalogueOffer(row: NegotiationRow): MessageOffer | null {
    const p = row.resolved_offer?.policy as MessageOffer | undefined;
    return p ? { ...p, '@id': row.resolved_offer!.offerId } : row.offer;
  }

  private offerWithTarget(
    offer: MessageOffer | null,
    row: NegotiationRow,
  ): MessageOffer & { target: string } {
    if (!offer) throw new ConflictError('there is no offer to send: give one');
    const target = offer.target ?? row.dataset_id;
    if (!target) throw new ConflictError('the offer has no target and the negotiation no dataset');
    return { ...offer, target };
  }

  // ---------------------------------------------------------------- NegotiationService

  async agreement(agreementId: string, tx?: Queryable) {
    const a = await loadAgreement(tx ?? this.deps.db, agreementId);
    if (!a || a.state !== 'FINALIZED') return undefined;
    return {
      id: a.id,
      policy: a.policy as Record<string, unknown>,
      providerDid: a.provider_did,
      consumerDid: a.consumer_did,
      assetId: a.asset_id,
      datasetId: a.dataset_id,
      signedAt: new Date(a.signed_at),
      retired: a.retired_at !== null,
      role: a.role,
      ...(a.role === 'provider'
        ? { transferMode: a.transfer_mode === 'manual' ? ('manual' as const) : ('auto' as const) }
        : { counterPartyAddress: a.counter_party_address }),
    };
  }
}
