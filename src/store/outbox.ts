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

// Transactions that enqueued something; the database wrapper wakes the dispatcher after they commit.
const enqueuedIn = new WeakSet<Queryable>();

/** Exponential backoff with full jitter: a random delay in [base/2, base * 2^(attempt-1)], capped. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Outbox: `enqueue` inside the caller's transaction; the dispatcher claims due messages with
 * FOR UPDATE SKIP LOCKED and a lease (a replica that dies mid-delivery loses its claim when the
 * lease expires), runs the topic's handler, and retries with backoff until the deadline.
 */
export class Outbox {
  private readonly handlers = new Map<string, TopicHandler>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private draining: Promise<void> | undefined;
  private wakeRequested = false;
  /** Resolves the drain loop's wait when a message is committed while deliveries are in flight. */
  private wakeSignal: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly db: Database,
    private readonly options: OutboxOptions,
  ) {}

  async enqueue(tx: Queryable, message: OutboxMessage): Promise<number> {
    const r = await tx.query<{ id: number }>(
      `INSERT INTO outbox (topic, key, payload, next_at, deadline_at)
       VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond', now() + $5 * interval '1 millisecond')
       RETURNING id`,
      [
        message.topic,
        message.key ?? null,
        JSON.stringify(message.payload ?? null),
        message.delayMs ?? 0,
        message.deadlineMs ?? this.options.deadlineMs,
      ],
    );
    enqueuedIn.add(tx);
    return r.rows[0]!.id;
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
        let woke = false;
        const result = await db.transaction(async (tx) => {
          const r = await fn(tx);
          woke = enqueuedIn.has(tx);
          return r;
        });
        if (woke) this.wake();
        return result;
      },
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.draining;
    await Promise.allSettled([...this.inFlight]);
  }

  wake(): void {
    if (!this.running) return;
    if (this.draining) {
      this.wakeRequested = true;
      this.wakeSignal?.();
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref?.();
  }

  private async tick() {
    if (!this.running || this.draining) return;
    this.draining = this.drain().catch((e: unknown) => this.options.onError?.(e));
    await this.draining;
    this.draining = undefined;
    if (!this.running) return;
    const again = this.wakeRequested;
    this.wakeRequested = false;
    this.schedule(again ? 0 : this.options.pollMs);
  }

  /**
   * Claims and runs due messages until none are left, keeping up to `batch` deliveries in flight:
   * as soon as one finishes, more are claimed, so a new message never waits for a slow peer's send.
   */
  private async drain(): Promise<void> {
    const inflight = new Set<Promise<void>>();
    // Claim only when something may be due: at the start, after a commit woke us, or when the last
    // claim came back full. Messages that become due by their retry time are found by the poll.
    // A delivery that leaves a later message of its key pending (held back by the per-key order)
    // makes that message due at once, without waiting for a commit or the poll.
    let mayBeDue = true;
    let unblocked = false;
    for (;;) {
      const free = this.options.batch - inflight.size;
      if (free > 0 && (mayBeDue || unblocked) && this.running) {
        this.wakeRequested = false;
        unblocked = false;
        const claimed = await this.claim(free);
        mayBeDue = claimed.length === free || this.wakeRequested;
        for (const m of claimed) {
          const p: Promise<void> = this.track(this.deliver(m))
            .then((next) => {
              if (next) unblocked = true;
            })
            .finally(() => inflight.delete(p));
          inflight.add(p);
        }
        if (mayBeDue) continue;
      }
      if (inflight.size === 0 || !this.running) {
        await Promise.allSettled(inflight);
        if (unblocked && this.running) continue;
        return;
      }
      await Promise.race([...inflight, new Promise<void>((resolve) => (this.wakeSignal = resolve))]);
      this.wakeSignal = undefined;
      if (this.wakeRequested) mayBeDue = true;
    }
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

  /** Resolves true when a later message of the same key is pending (now due, as this one is done). */
  private async deliver(m: ClaimedMessage): Promise<boolean> {
    const handler = this.handlers.get(m.topic);
    try {
      if (!handler) throw new Error(`no handler registered for outbox topic ${m.topic}`);
      await handler.handle(m.payload, m);
      const r = await this.db.query<{ next: boolean }>(
        `UPDATE outbox o SET status = 'done', done_at = now(), lease_owner = NULL, lease_until = NULL, last_error = NULL
         WHERE id = $1 AND lease_owner = $2
         RETURNING o.key IS NOT NULL AND EXISTS (
           SELECT 1 FROM outbox p WHERE p.key = o.key AND p.status = 'pending' AND p.id > o.id) AS next`,
        [m.id, this.options.owner],
      );
      return r.rows[0]?.next === true;
    } catch (err) {
      await this.failed(m, handler, err);
      return false;
    }
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
