/**
 * Plain interfaces for what identity keeps: seen token ids (replay protection) and the
 * credentials this connector holds. In-memory implementations here; the store-backed ones live
 * with the database code and implement the same interfaces.
 */
import type { JsonObject } from './credential-model.js';

export interface JtiStore {
  /** Records `jti` until `expiresAt`; true if it was already seen (a replay). */
  seen(jti: string, expiresAt: Date): Promise<boolean>;
}

export function createMemoryJtiStore(options: { now?: () => number; maxEntries?: number } = {}): JtiStore {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 1_000_000;
  const entries = new Map<string, number>();
  let nextSweep = 0;
  return {
    async seen(jti, expiresAt) {
      const t = now();
      if (t >= nextSweep || entries.size >= maxEntries) {
        for (const [k, until] of entries) if (until <= t) entries.delete(k);
        nextSweep = t + 30_000;
      }
      const until = entries.get(jti);
      if (until !== undefined && until > t) return true;
      // Fail closed: when full of live entries, refuse rather than forget (a forgotten jti could be replayed).
      if (entries.size >= maxEntries) return true;
      entries.set(jti, expiresAt.getTime());
      return false;
    },
  };
}

export type HeldCredentialFormat = 'jwt' | 'json-ld';

export interface HeldCredential {
  /** The credential's id, or one we gave it when it has none. */
  id: string;
  format: HeldCredentialFormat;
  types: string[];
  issuer: string;
  /** The JWT string, or the Data Integrity credential object. */
  credential: string | JsonObject;
  validUntil?: Date;
  receivedAt: Date;
}

export interface CredentialStore {
  list(): Promise<HeldCredential[]>;
  get(id: string): Promise<HeldCredential | undefined>;
  /** Credentials having every one of `types`. */
  findByType(type: string): Promise<HeldCredential[]>;
  /** Inserts or replaces (same id). */
  put(credential: HeldCredential): Promise<void>;
  delete(id: string): Promise<boolean>;
}

export function createMemoryCredentialStore(): CredentialStore {
  const byId = new Map<string, HeldCredential>();
  return {
    async list() {
      return [...byId.values()];
    },
    async get(id) {
      return byId.get(id);
    },
    async findByType(type) {
      return [...byId.values()].filter((c) => c.types.includes(type));
    },
    async put(c) {
      byId.set(c.id, c);
    },
    async delete(id) {
      return byId.delete(id);
    },
  };
}
