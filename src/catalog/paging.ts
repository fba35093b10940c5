/**
 * Opaque DSP catalogue page tokens. A token names a position in the catalogue's id order (after or
 * before a dataset id) and the filter it was made for, and carries an HMAC so that a tampered token
 * is refused rather than silently read. Tokens do not expire: the catalogue order is stable, and
 * datasets added or removed since simply appear or disappear in later pages.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../errors.js';

export interface PagePosition {
  /** 'after': ids greater than `key`, ascending; 'before': ids less than `key` (the previous page). */
  dir: 'after' | 'before';
  key: string;
  /** Digest of the filter the token belongs to. */
  filter: string;
}

const MAX_TOKEN = 1000;

export function filterDigest(filter: unknown): string {
  return createHmac('sha256', 'pontis-catalog-filter')
    .update(JSON.stringify(filter ?? null))
    .digest('base64url')
    .slice(0, 16);
}

export function createPageTokens(secret: string) {
  const mac = (body: string) => createHmac('sha256', secret).update(body).digest('base64url');
  return {
    encode(p: PagePosition): string {
      const body = Buffer.from(
        JSON.stringify({ v: 1, d: p.dir === 'after' ? 'a' : 'b', k: p.key, f: p.filter }),
      ).toString('base64url');
      return `${body}.${mac(body)}`;
    },
    /** Throws ValidationError `invalid_page_token` for a malformed, tampered or foreign token. */
    decode(token: string, filter: string): PagePosition {
      const bad = (why: string) =>
        new ValidationError(`invalid page token: ${why}`, { parameter: 'page' }, 'invalid_page_token');
      if (token.length === 0 || token.length > MAX_TOKEN) throw bad('wrong length');
      const dot = token.indexOf('.');
      if (dot < 1) throw bad('malformed');
      const body = token.slice(0, dot);
      const given = Buffer.from(token.slice(dot + 1), 'base64url');
      const expected = Buffer.from(mac(body), 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw bad('it was not issued by this catalogue or has been altered');
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        throw bad('malformed');
      }
      const o = parsed as { v?: unknown; d?: unknown; k?: unknown; f?: unknown };
      if (o.v !== 1 || (o.d !== 'a' && o.d !== 'b') || typeof o.k !== 'string' || typeof o.f !== 'string') {
        throw bad('malformed');
      }
      if (o.f !== filter) throw bad('it belongs to a request with a different filter');
      return { dir: o.d === 'a' ? 'after' : 'before', key: o.k, filter: o.f };
    },
  };
}

export type PageTokens = ReturnType<typeof createPageTokens>;
