import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlCredentialStore, createSqlJtiStore } from '../../../src/identity/sql-stores.js';
import type { Database } from '../../../src/store/db.js';
import { storeKinds } from '../../helpers/db.js';

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(
    `identity stores on ${kind.name}${kind.skip ? ' (skipped: DATABASE_URL is not set)' : ''}`,
    () => {
      let db: Database;
      beforeAll(async () => {
        db = await kind.open();
      });
      afterAll(async () => db?.close());

      it('JtiStore: a jti is new once, a replay is seen, an expired one may come back', async () => {
        const jti = createSqlJtiStore(db);
        const later = new Date(Date.now() + 60_000);
        expect(await jti.seen('did:web:a|1', later)).toBe(false);
        expect(await jti.seen('did:web:a|1', later)).toBe(true);
        expect(await jti.seen('did:web:b|1', later)).toBe(false);
        expect(await jti.seen('did:web:a|old', new Date(Date.now() - 1000))).toBe(false);
        expect(await jti.seen('did:web:a|old', later)).toBe(false);
      });

      it('JtiStore: checks made at the same time share a statement; a jti twice among them is a replay once', async () => {
        const jti = createSqlJtiStore(db);
        const later = new Date(Date.now() + 60_000);
        const answers = await Promise.all([
          jti.seen('did:web:c|1', later),
          jti.seen('did:web:c|2', later),
          jti.seen('did:web:c|1', later),
          jti.seen('did:web:a|1', later), // recorded by the test above
        ]);
        expect(answers).toEqual([false, false, true, true]);
        expect(await jti.seen('did:web:c|2', later)).toBe(true);
      });

      it('CredentialStore: put, find by type, replace, delete; JWT strings and objects survive', async () => {
        const store = createSqlCredentialStore(db);
        const now = new Date('2026-01-01T00:00:00Z');
        await store.put({
          id: 'c1',
          format: 'jwt',
          types: ['VerifiableCredential', 'MembershipCredential'],
          issuer: 'did:web:i',
          credential: 'eyJ.a.b',
          receivedAt: now,
          validUntil: new Date('2027-01-01T00:00:00Z'),
        });
        await store.put({
          id: 'c2',
          format: 'json-ld',
          types: ['VerifiableCredential', 'OtherCredential'],
          issuer: 'did:web:i',
          credential: { a: 1 },
          receivedAt: now,
        });
        expect((await store.findByType('MembershipCredential')).map((c) => c.id)).toEqual(['c1']);
        expect((await store.get('c1'))!.credential).toBe('eyJ.a.b');
        expect((await store.get('c2'))!.credential).toEqual({ a: 1 });
        expect((await store.get('c1'))!.validUntil).toEqual(new Date('2027-01-01T00:00:00Z'));
        await store.put({
          id: 'c1',
          format: 'jwt',
          types: ['VerifiableCredential', 'OtherCredential'],
          issuer: 'did:web:i',
          credential: 'eyJ.c.d',
          receivedAt: now,
        });
        expect(await store.findByType('MembershipCredential')).toEqual([]);
        expect(await store.delete('c1')).toBe(true);
        expect(await store.delete('c1')).toBe(false);
        expect((await store.list()).map((c) => c.id)).toEqual(['c2']);
      });
    },
  );
}
