/**
 * Store-backed JtiStore and CredentialStore (migration 010_identity.sql), on the plain Queryable
 * interface: the same SQL on PGlite and PostgreSQL, shared by every replica.
 */
import type { Queryable } from '../store/db.js';
import type { JsonObject } from './credential-model.js';
import type { CredentialStore, HeldCredential, HeldCredentialFormat, JtiStore } from './stores.js';

/**
 * Token ids seen until they expire. The checks that arrive in one event-loop turn (concurrent
 * requests) share one statement; a jti twice in one batch is a replay the second time.
 */
export function createSqlJtiStore(db: Queryable, options: { sweepEvery?: number } = {}): JtiStore {
  const sweepEvery = options.sweepEvery ?? 1000;
  let n = 0;
  let batch: { jti: string; expiresAt: Date; done: (seen: boolean) => void; fail: (e: unknown) => void }[] =
    [];
  const flush = async () => {
    const items = batch;
    batch = [];
    try {
      if ((n += items.length) >= sweepEvery) {
        n = 0;
        await db.query('DELETE FROM identity_jti WHERE expires_at < now()');
      }
      const first = new Map<string, (typeof items)[number]>();
      for (const item of items) if (!first.has(item.jti)) first.set(item.jti, item);
      const rows = [...first.values()].map((i) => [i.jti, i.expiresAt.toISOString()]);
      // A row comes back when the jti is new (or its earlier use has expired): not a replay.
      const r = await db.query<{ jti: string }>(
        `INSERT INTO identity_jti (jti, expires_at)
         SELECT j->>0, (j->>1)::timestamptz FROM jsonb_array_elements($1::jsonb) AS j
         ON CONFLICT (jti) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE identity_jti.expires_at < now()
         RETURNING jti`,
        [JSON.stringify(rows)],
      );
      const fresh = new Set(r.rows.map((row) => row.jti));
      for (const item of items) item.done(!(first.get(item.jti) === item && fresh.has(item.jti)));
    } catch (e) {
      for (const item of items) item.fail(e);
    }
  };
  return {
    seen(jti, expiresAt) {
      return new Promise((done, fail) => {
        if (batch.length === 0) setImmediate(() => void flush());
        batch.push({ jti, expiresAt, done, fail });
      });
    },
  };
}

interface Row {
  id: string;
  format: HeldCredentialFormat;
  types: string[];
  issuer: string;
  credential: string | JsonObject;
  valid_until: Date | null;
  received_at: Date;
}

const toHeld = (r: Row): HeldCredential => ({
  id: r.id,
  format: r.format,
  types: r.types,
  issuer: r.issuer,
  credential: r.credential,
  ...(r.valid_until ? { validUntil: r.valid_until } : {}),
  receivedAt: r.received_at,
});

const COLUMNS = 'id, format, types, issuer, credential, valid_until, received_at';

export function createSqlCredentialStore(db: Queryable): CredentialStore {
  return {
    async list() {
      return (
        await db.query<Row>(`SELECT ${COLUMNS} FROM identity_credentials ORDER BY received_at, id`)
      ).rows.map(toHeld);
    },
    async get(id) {
      const r = await db.query<Row>(`SELECT ${COLUMNS} FROM identity_credentials WHERE id = $1`, [id]);
      return r.rows[0] ? toHeld(r.rows[0]) : undefined;
    },
    async findByType(type) {
      return (
        await db.query<Row>(
          `SELECT ${COLUMNS} FROM identity_credentials WHERE types @> ARRAY[$1]::text[] ORDER BY received_at, id`,
          [type],
        )
      ).rows.map(toHeld);
    },
    async put(c) {
      await db.query(
        `INSERT INTO identity_credentials (id, format, types, issuer, credential, valid_until, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET format = EXCLUDED.format, types = EXCLUDED.types, issuer = EXCLUDED.issuer,
           credential = EXCLUDED.credential, valid_until = EXCLUDED.valid_until, received_at = EXCLUDED.received_at`,
        [c.id, c.format, c.types, c.issuer, JSON.stringify(c.credential), c.validUntil ?? null, c.receivedAt],
      );
    },
    async delete(id) {
      return (await db.query('DELETE FROM identity_credentials WHERE id = $1', [id])).rowCount > 0;
    },
  };
}
