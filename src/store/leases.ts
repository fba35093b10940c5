import type { Queryable } from './db.js';

/**
 * Named leases: at most one owner holds a name until its lease expires. A holder renews before
 * expiry; when it dies the lease lapses and another replica takes over.
 */
export async function claimLease(
  db: Queryable,
  name: string,
  owner: string,
  ttlMs: number,
): Promise<boolean> {
  const r = await db.query<{ owner: string }>(
    `INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
     ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
     WHERE leases.expires_at < now() OR leases.owner = EXCLUDED.owner
     RETURNING owner`,
    [name, owner, ttlMs],
  );
  return r.rows[0]?.owner === owner;
}

/** Extends a lease this owner still holds; false when another replica has taken it. */
export async function renewLease(
  db: Queryable,
  name: string,
  owner: string,
  ttlMs: number,
): Promise<boolean> {
  const r = await db.query(
    `UPDATE leases SET expires_at = now() + $3 * interval '1 millisecond' WHERE name = $1 AND owner = $2`,
    [name, owner, ttlMs],
  );
  return r.rowCount > 0;
}

export async function releaseLease(db: Queryable, name: string, owner: string): Promise<void> {
  await db.query('DELETE FROM leases WHERE name = $1 AND owner = $2', [name, owner]);
}
