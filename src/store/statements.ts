/**
 * Names for statements kept parsed on each connection, so that the server parses and plans a statement
 * once per connection instead of once per call. Every statement text of this process gets one name (the
 * same on every connection), up to `MAX_NAMED` texts: texts built at run time (list filters) cannot make
 * a connection hold more than that; the statements beyond it run unnamed, as before.
 */
const MAX_NAMED = 500;
const names = new Map<string, string>();
const unnamed = new Set<string>();

export function statementName(sql: string): string | undefined {
  if (unnamed.has(sql)) return undefined;
  let name = names.get(sql);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `pontis_${names.size}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * PostgreSQL refuses a kept statement whose result columns changed since it was parsed ("cached plan
 * must not change result type"): another replica migrated the table under it. When `e` is that error,
 * the statement runs unnamed from then on and this returns true: the caller may retry it.
 */
export function unnameIfStale(e: unknown, sql: string): boolean {
  const stale =
    e instanceof Error &&
    (e as { code?: string }).code === '0A000' &&
    /cached plan must not change result type/.test(e.message);
  if (stale) unnamed.add(sql);
  return stale;
}
