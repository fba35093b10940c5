import type { Queryable } from './db.js';

/** `p`, with a rejection marked as handled: whoever awaits it later still sees it. */
export function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/**
 * A transaction's Queryable that remembers the statements issued on it, for the contract of
 * `Database.transaction`: `settle` waits for them all (and `extra`) and gives the first failure;
 * after `end`, a statement is refused, since it would run after the COMMIT.
 */
export function tracked(inner: Queryable) {
  const issued: Promise<unknown>[] = [];
  let open = true;
  const track = <T>(run: () => Promise<T>): Promise<T> => {
    if (!open) return Promise.reject(new Error('a statement was issued after its transaction ended'));
    const p = quiet(run());
    issued.push(p);
    return p;
  };
  const tx: Queryable = {
    query: (sql, params) => track(() => inner.query(sql, params)),
    exec: (sql) => track(() => inner.exec(sql)),
  };
  return {
    tx,
    end: () => void (open = false),
    async settle(...extra: Promise<unknown>[]): Promise<{ error: unknown } | undefined> {
      const results = await Promise.allSettled([...extra, ...issued]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      return failed && { error: failed.reason as unknown };
    },
  };
}
