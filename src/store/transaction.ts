import type { Queryable } from './db.js';

/** `p`, with a rejection marked as handled: whoever awaits it later still sees it. */
export function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** How one adapter ends a transaction; `commit` is sent while statements may still be in flight. */
export interface TransactionEnds {
  /** Sent already, not awaited (it went out with the first statement); its failure fails the transaction. */
  begin?: Promise<unknown>;
  /** Sends COMMIT and resolves its command tag; undefined when there is nothing to commit. */
  commit(): Promise<string | undefined> | undefined;
  rollback(): Promise<void>;
}

/**
 * The contract of `Database.transaction`, for both adapters: runs `fn` on `inner`, remembering the
 * statements it issues; once `fn` resolves, a statement is refused (it would run after the COMMIT), the
 * COMMIT is sent behind those still in flight, and they are waited for. If one failed, the transaction
 * was aborted (its COMMIT answered ROLLBACK) and this rejects with the first failure, the cause of any
 * "transaction is aborted" after it. When `fn` throws, its statements settle before the rollback.
 */
export async function runTransaction<T>(
  inner: Queryable,
  fn: (tx: Queryable) => Promise<T>,
  ends: TransactionEnds,
): Promise<T> {
  const issued: Promise<unknown>[] = ends.begin ? [ends.begin] : [];
  let open = true;
  const track = <R>(run: () => Promise<R>): Promise<R> => {
    if (!open) return Promise.reject(new Error('a statement was issued after its transaction ended'));
    const p = quiet(run());
    issued.push(p);
    return p;
  };
  const tx: Queryable = {
    query: (sql, params) => track(() => inner.query(sql, params)),
    exec: (sql) => track(() => inner.exec(sql)),
  };
  try {
    let result: T;
    try {
      result = await fn(tx);
    } finally {
      open = false;
    }
    const commit = ends.commit();
    if (commit === undefined) return result;
    quiet(commit);
    const settled = await Promise.allSettled(issued);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const tag = await commit;
    if (failed) throw failed.reason;
    if (tag === 'ROLLBACK') throw new Error('the transaction was rolled back');
    return result;
  } catch (e) {
    await Promise.allSettled(issued);
    await ends.rollback();
    throw e;
  }
}
