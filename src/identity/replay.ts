/**
 * A DCP token's replay check, deferred into the transaction of the change its request makes: the
 * token's jti is recorded by the first statement of that transaction, which fails it on a replay, so
 * that recording the jti costs no round trip and no commit of its own. Whatever path a request takes,
 * its jti is recorded before it is answered: in that transaction when it commits, else by `settle()`
 * (a read, a refusal, a repeat answered as before, or a transaction that rolled back).
 */
import type { Queryable } from '../store/db.js';
import { UnauthorizedError } from '../errors.js';
import type { JtiStore } from './stores.js';

export interface ReplayCheck {
  /** Takes the jti of the token being verified in place of the store (it answers "not seen" until settled). */
  readonly jtiStore: JtiStore;
  /**
   * Records the jti in `tx` unless it was recorded already; the statement fails on a replay (and with
   * it the transaction). The jti store must be the SQL store of the database `tx` belongs to.
   */
  recordIn(tx: Queryable): Promise<void> | undefined;
  /** A transaction in which `recordIn` ran has committed. */
  committed(): void;
  /** Records the jti now unless a committed transaction did; throws UnauthorizedError `dcp_replayed_jti` on a replay. */
  settle(): Promise<void>;
}

const replayed = (key: string) =>
  new UnauthorizedError(`jti ${key.slice(key.indexOf('|') + 1)} was already used`, 'dcp_replayed_jti');

export function createReplayCheck(store: JtiStore): ReplayCheck {
  let token: { key: string; expiresAt: Date } | undefined;
  let issued = false;
  let recorded = false;
  return {
    jtiStore: {
      seen(key, expiresAt) {
        token = { key, expiresAt };
        return Promise.resolve(false);
      },
    },
    recordIn(tx) {
      if (!token || recorded) return undefined;
      issued = true;
      return tx
        .query('SELECT pontis_record_jti($1, $2)', [token.key, token.expiresAt.toISOString()])
        .then(() => undefined);
    },
    committed() {
      if (issued) recorded = true;
    },
    async settle() {
      if (!token || recorded) return;
      recorded = true;
      if (await store.seen(token.key, token.expiresAt)) throw replayed(token.key);
    },
  };
}
