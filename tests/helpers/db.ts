import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { Database } from '../../src/store/index.js';
import { migrate, openPglite, openPostgres } from '../../src/store/index.js';

export const postgresUrl = process.env.DATABASE_URL || undefined;

let template: Blob | undefined;

/** A fresh, migrated, in-memory PGlite database loaded from the run's template. */
export async function openTestDatabase(): Promise<Database> {
  template ??= new Blob([readFileSync(inject('pgliteTemplate'))]);
  const db = await openPglite({ template });
  await migrate(db); // a no-op unless a migration was added after the template was made
  return db;
}

/** A fresh schema on the PostgreSQL server at DATABASE_URL, migrated; dropped on close. */
export async function openTestPostgres(options: { max?: number; migrate?: boolean } = {}): Promise<Database> {
  if (!postgresUrl) throw new Error('DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = await openPostgres(postgresUrl, { max: 1 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  const db = await openPostgres(postgresUrl, { schema, max: options.max });
  if (options.migrate !== false) await migrate(db);
  return {
    ...db,
    async close() {
      await db.close();
      await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  };
}

/** The stores a contract test runs on: PGlite always, PostgreSQL when DATABASE_URL is set. */
export const storeKinds: { name: string; open: () => Promise<Database>; skip: boolean }[] = [
  { name: 'PGlite', open: openTestDatabase, skip: false },
  { name: 'PostgreSQL', open: () => openTestPostgres(), skip: !postgresUrl },
];
