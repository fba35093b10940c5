import type { Database, Queryable } from './db.js';

export interface OutboxMessage {
  topic: string;
  payload: unknown;
  /** Messages with the same key are delivered one after the other, in enqueue order. */
  key?: string;
  /** Deliver no earlier than this many milliseconds from now. */
  delayMs?: number;
  /** Give up this many milliseconds from now (default: the configured deadline). */
  deadlineMs?: number;
}

export interface ClaimedMessage {
  id: number;
  topic: string;
  key: string | null;
  payload: unknown;
  /** 1 on the first delivery attempt. */
  attempts: number;
  deadlineAt: Date;
}

export interface TopicHandler {
  /** Delivers or performs the message. Must be idempotent: after a crash it may run again. */
  handle(payload: unknown, message: ClaimedMessage): Promise<void>;
  /** Called once when the deadline passes without success (e.g. to terminate a negotiation). */
  onGiveUp?(payload: unknown, lastError: string, message: ClaimedMessage): Promise<void>;
}

export interface OutboxOptions {
  owner: string;
  pollMs: number;
  batch: number;
  leaseMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  deadlineMs: number;
  onError?: (err: unknown, message?: ClaimedMessage) => void;
}

// What a transaction of the waking database enqueued: messages this dispatcher claimed as it wrote
// them (handed over after the commit, no claim query), and whether others need a claim.
interface Enqueued {
  claimed: ClaimedMessage[];
  others: boolean;
}
const enqueuedIn = new WeakMap<Queryable, Enqueued>();

/** Exponential backoff with full jitter: a random delay in [base/2, base * 2^(attempt-1)], capped. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Outbox: `enqueue` inside the caller's transaction; the dispatcher claims due messages with
 * FOR UPDATE SKIP LOCKED and a lease (a replica that dies mid-delivery loses its claim when the
 * lease expires), runs the topic's handler, and retries with backoff until the deadline. A delivered
 * message is deleted; one that failed for good stays, with its last error, for the operator to see.
 */
export class Outbox {
  private readonly handlers = new Map<string, TopicHandler>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private draining: Promise<void> | undefined;
  /** A commit enqueued messages that only a claim can find (while a drain runs). */
  private wakeRequested = false;
  /** The next drain starts with a claim. */
  private claimNext = false;
  /** A tick is scheduled. */
  private kicked = false;
  /** Resolves the drain loop's wait when a message is committed while deliveries are in flight. */
  private wakeSignal: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Committed messages this dispatcher claimed when they were written, waiting for a free slot. */
  private readonly ready: ClaimedMessage[] = [];
  /** Per key, the last delivery started: resolves true when it ended done. */
  private readonly keyTail = new Map<string, Promise<boolean>>();
  /** Finished deliveries whose `done` is written in one statement per event-loop turn. */
  private doneQueue: { id: number; resolve: (next: boolean) => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;

  constructor(
    private readonly db: Database,
    private readonly options: OutboxOptions,
  ) {}

  /**
   * Writes a message in the caller's transaction. In a transaction of `wakingDatabase()` while the
   * dispatcher runs, a message due now whose key has no earlier pending message held by someone else
   * is claimed as it is written and handed to the dispatcher after the commit: no claim query, no
   * wait. If this process dies first, the lease expires and any replica claims it as usual.
   */
  async enqueue(tx: Queryable, message: OutboxMessage): Promise<number> {
    const batch = enqueuedIn.get(tx);
    const owner =
      batch && this.running && !(message.delayMs && message.delayMs > 0) ? this.options.owner : null;
    const payload = JSON.stringify(message.payload ?? null);
    const r = await tx.query<{ id: number; claimed: boolean; deadline_at: Date }>(
      `INSERT INTO outbox (topic, key, payload, next_at, deadline_at, lease_owner, lease_until, attempts)
       SELECT $1, $2::text, $3, now() + $4 * interval '1 millisecond', now() + $5 * interval '1 millisecond',
              CASE WHEN c THEN $6::text END, CASE WHEN c THEN now() + $7 * interval '1 millisecond' END,
              CASE WHEN c THEN 1 ELSE 0 END
       FROM (SELECT $6::text IS NOT NULL AND ($2::text IS NULL OR NOT EXISTS (
               SELECT 1 FROM outbox p WHERE p.key = $2::text AND p.status = 'pending'
                 AND (p.lease_owner IS DISTINCT FROM $6::text OR p.lease_until < now()))) AS c) x
       RETURNING id, lease_owner IS NOT NULL AS claimed, deadline_at`,
      [
        message.topic,
        message.key ?? null,
        payload,
        message.delayMs ?? 0,
        message.deadlineMs ?? this.options.deadlineMs,
        owner,
        this.options.leaseMs,
      ],
    );
    const row = r.rows[0]!;
    if (batch && row.claimed) {
      batch.claimed.push({
        id: row.id,
        topic: message.topic,
        key: message.key ?? null,
        // The handler sees the payload as it comes back from the database (JSON round trip).
        payload: JSON.parse(payload) as unknown,
        attempts: 1,
        deadlineAt: new Date(row.deadline_at),
      });
    } else if (batch) {
      batch.others = true;
    }
    return row.id;
  }

  register(topic: string, handler: TopicHandler): void {
    if (this.handlers.has(topic)) throw new Error(`outbox topic ${topic} registered twice`);
    this.handlers.set(topic, handler);
  }

  /** A database whose transactions wake the dispatcher as soon as they commit an enqueued message. */
  wakingDatabase(): Database {
    const db = this.db;
    return {
      kind: db.kind,
      query: (sql, params) => db.query(sql, params),
      exec: (sql) => db.exec(sql),
      close: () => db.close(),
      transaction: async (fn) => {
        const enqueued: Enqueued = { claimed: [], others: false };
        const result = await db.transaction(async (tx) => {
          enqueuedIn.set(tx, enqueued);
          return fn(tx);
        });
        if (enqueued.claimed.length > 0) this.handOver(enqueued.claimed);
        if (enqueued.others) this.wake();
        return result;
      },
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.kick(true);
    this.schedulePoll();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.wakeSignal?.();
    await this.draining;
    await Promise.allSettled([...this.inFlight]);
    // Messages claimed but not started: give them back so another replica need not wait for the lease.
    const ids = this.ready.splice(0).map((m) => m.id);
    if (ids.length > 0) await this.release(ids);
  }

  /** Messages claimed as they were written, now committed: deliver them without a claim. */
  private handOver(messages: ClaimedMessage[]): void {
    this.ready.push(...messages);
    this.kick(false);
  }

  /** A commit wrote messages that only a claim finds. */
  wake(): void {
    this.kick(true);
  }

  /** Runs the dispatcher soon (now, if it is running), claiming when `claim`. */
  private kick(claim: boolean): void {
    if (!this.running) return;
    if (claim) this.claimNext = true;
    if (this.draining) {
      if (claim) this.wakeRequested = true;
      this.wakeSignal?.();
      return;
    }
    if (this.kicked) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      void this.tick();
    });
  }

  /** Every pollMs a claim, whatever else happens: retries whose time has come, other replicas' leftovers. */
  private schedulePoll() {
    this.timer = setTimeout(() => {
      if (!this.running) return;
      this.kick(true);
      this.schedulePoll();
    }, this.options.pollMs);
    this.timer.unref?.();
  }

  private async tick() {
    if (!this.running || this.draining) return;
    const claim = this.claimNext;
    this.claimNext = false;
    this.draining = this.drain(claim).catch((e: unknown) => this.options.onError?.(e));
    await this.draining;
    this.draining = undefined;
    // What arrived as the drain was ending.
    const claimAgain = this.wakeRequested || this.claimNext;
    this.wakeRequested = false;
    if (claimAgain || this.ready.length > 0) this.kick(claimAgain);
  }

  /**
   * Runs handed-over messages and claims due ones until none are left, keeping up to `batch`
   * deliveries in flight: as soon as one finishes, more start, so a new message never waits for a
   * slow peer's send.
   */
  private async drain(claim: boolean): Promise<void> {
    const inflight = new Set<Promise<void>>();
    // Claim only when something may be due: when asked (start, poll, a commit that woke us), when the
    // last claim came back full, or when a delivery left a later message of its key pending (held
    // back by the per-key order). Handed-over messages need no claim.
    let mayBeDue = claim;
    let unblocked = false;
    const run = (m: ClaimedMessage) => {
      const p: Promise<void> = this.track(this.dispatch(m))
        .then((next) => {
          if (next) unblocked = true;
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
    };
    for (;;) {
      while (this.running && this.ready.length > 0 && inflight.size < this.options.batch)
        run(this.ready.shift()!);
      const free = this.options.batch - inflight.size;
      if (free > 0 && (mayBeDue || unblocked) && this.running) {
        this.wakeRequested = false;
        unblocked = false;
        const claimed = await this.claim(free);
        mayBeDue = claimed.length === free || this.wakeRequested;
        for (const m of claimed) run(m);
        if (mayBeDue) continue;
      }
      if (!this.running || (inflight.size === 0 && !unblocked && this.ready.length === 0)) {
        await Promise.allSettled(inflight);
        if (this.running && (unblocked || this.ready.length > 0)) continue;
        return;
      }
      if (inflight.size === 0 || (this.ready.length > 0 && inflight.size < this.options.batch)) continue;
      await Promise.race([...inflight, new Promise<void>((resolve) => (this.wakeSignal = resolve))]);
      this.wakeSignal = undefined;
      if (this.wakeRequested) mayBeDue = true;
    }
  }

  /** Delivers `m` after the delivery of its key that started before it; resolves `deliver`'s answer. */
  private dispatch(m: ClaimedMessage): Promise<boolean> {
    if (m.key === null) return this.deliver(m).then((r) => r.next);
    const key = m.key;
    const before = this.keyTail.get(key);
    // An earlier message of the key that did not end done (it will be retried) goes first: give this
    // one back, to be claimed once that one is done.
    const result = before
      ? before.then((ok) =>
          ok ? this.deliver(m) : this.release([m.id]).then(() => ({ ok: false, next: false })),
        )
      : this.deliver(m);
    const tail = result.then(
      (r) => r.ok,
      () => false,
    );
    this.keyTail.set(key, tail);
    return result
      .then(
        (r) => r.next,
        () => false,
      )
      .finally(() => {
        if (this.keyTail.get(key) === tail) this.keyTail.delete(key);
      });
  }

  /** Gives leases of messages not started back (the attempt did not happen). */
  private async release(ids: number[]): Promise<void> {
    await this.db.query(
      `UPDATE outbox SET lease_owner = NULL, lease_until = NULL, attempts = attempts - 1
       WHERE id = ANY($1::bigint[]) AND lease_owner = $2 AND status = 'pending'`,
      [ids, this.options.owner],
    );
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    return p.finally(() => this.inFlight.delete(p));
  }

  async claim(limit: number): Promise<ClaimedMessage[]> {
    const r = await this.db.query<{
      id: number;
      topic: string;
      key: string | null;
      payload: unknown;
      attempts: number;
      deadline_at: Date;
    }>(
      `UPDATE outbox SET lease_owner = $1, lease_until = now() + $2 * interval '1 millisecond', attempts = attempts + 1
       WHERE id IN (
         SELECT id FROM outbox o
         WHERE status = 'pending' AND next_at <= now() AND (lease_until IS NULL OR lease_until < now())
           AND (key IS NULL OR NOT EXISTS (
             SELECT 1 FROM outbox p WHERE p.key = o.key AND p.status = 'pending' AND p.id < o.id))
         ORDER BY next_at, id
         LIMIT $3
         FOR UPDATE SKIP LOCKED)
       RETURNING id, topic, key, payload, attempts, deadline_at`,
      [this.options.owner, this.options.leaseMs, limit],
    );
    return r.rows
      .map((row) => ({
        id: row.id,
        topic: row.topic,
        key: row.key,
        payload: row.payload,
        attempts: row.attempts,
        deadlineAt: new Date(row.deadline_at),
      }))
      .sort((a, b) => a.id - b.id);
  }

  /**
   * Runs the handler. `ok`: the message is done. `next`: a later message of its key that this
   * dispatcher does not hold is pending, and is due now.
   */
  private async deliver(m: ClaimedMessage): Promise<{ ok: boolean; next: boolean }> {
    const handler = this.handlers.get(m.topic);
    try {
      if (!handler) throw new Error(`no handler registered for outbox topic ${m.topic}`);
      await handler.handle(m.payload, m);
    } catch (err) {
      await this.failed(m, handler, err);
      return { ok: false, next: false };
    }
    return { ok: true, next: await this.markDone(m.id) };
  }

  /**
   * Records a delivery as done by deleting the message (cheaper than an UPDATE, which would write a new
   * row version and copy the payload into the WAL); the deliveries finished in one event-loop turn
   * share one statement.
   */
  private markDone(id: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.doneQueue.push({ id, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flushDone());
      }
    });
  }

  private async flushDone(): Promise<void> {
    while (this.doneQueue.length > 0) {
      const batch = this.doneQueue;
      this.doneQueue = [];
      try {
        const r = await this.db.query<{ id: number; next: boolean }>(
          `DELETE FROM outbox o WHERE id = ANY($1::bigint[]) AND lease_owner = $2
           RETURNING o.id, o.key IS NOT NULL AND EXISTS (
             SELECT 1 FROM outbox p WHERE p.key = o.key AND p.status = 'pending' AND p.id > o.id
               AND (p.lease_owner IS DISTINCT FROM $2 OR p.lease_until < now())) AS next`,
          [batch.map((b) => b.id), this.options.owner],
        );
        const next = new Map(r.rows.map((row) => [Number(row.id), row.next === true]));
        for (const b of batch) b.resolve(next.get(b.id) ?? false);
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
    this.flushing = false;
  }

  private async failed(m: ClaimedMessage, handler: TopicHandler | undefined, err: unknown) {
    const error = err instanceof Error ? err.message : String(err);
    const delay = retryDelayMs(m.attempts, this.options.retryBaseMs, this.options.retryMaxMs);
    if (Date.now() + delay >= m.deadlineAt.getTime()) {
      const r = await this.db.query(
        `UPDATE outbox SET status = 'failed', last_error = $3, lease_owner = NULL, lease_until = NULL
         WHERE id = $1 AND lease_owner = $2`,
        [m.id, this.options.owner, error],
      );
      if (r.rowCount > 0 && handler?.onGiveUp) {
        try {
          await handler.onGiveUp(m.payload, error, m);
        } catch (e) {
          this.options.onError?.(e, m);
        }
      }
      return;
    }
    this.options.onError?.(err, m);
    await this.db.query(
      `UPDATE outbox SET next_at = now() + $3 * interval '1 millisecond', last_error = $4, lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND lease_owner = $2`,
      [m.id, this.options.owner, delay, error],
    );
  }
}
