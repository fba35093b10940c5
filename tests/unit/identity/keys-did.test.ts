import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import { buildDidDocument, didWebFromUrl, didWebToUrl, findService } from '../../../src/identity/did.js';
import {
  generateKeyPair,
  keyFileContent,
  loadKeys,
  rotateKeyFile,
  signCompactJws,
} from '../../../src/identity/keys.js';
import { ConfigError } from '../../../src/errors.js';

describe('keys', () => {
  it.each(['Ed25519', 'P-256'] as const)('generates a %s key that signs and verifies', async (alg) => {
    const k = await generateKeyPair(alg);
    expect(k.privateJwk.d).toBeTypeOf('string');
    expect(k.publicJwk).not.toHaveProperty('d');
    expect(k.kid).toBe(
      await jose.calculateJwkThumbprint({
        kty: k.publicJwk.kty,
        crv: k.publicJwk.crv,
        x: k.publicJwk.x,
        y: k.publicJwk.y,
      }),
    );
    const ring = await loadKeys({ json: keyFileContent(k) });
    const jws = await new jose.CompactSign(new TextEncoder().encode('x'))
      .setProtectedHeader({ alg: ring.current.alg })
      .sign(ring.current.privateKey);
    await expect(jose.compactVerify(jws, await jose.importJWK(k.publicJwk, k.alg))).resolves.toBeTruthy();
  });

  it('loads from a file and from an environment variable, and refuses a public-only key', async () => {
    const k = await generateKeyPair('Ed25519');
    const dir = await mkdtemp(join(tmpdir(), 'pontis-keys-'));
    await writeFile(join(dir, 'key.jwk'), keyFileContent(k));
    expect((await loadKeys({ file: join(dir, 'key.jwk') })).current.kid).toBe(k.kid);
    expect((await loadKeys({ envVar: 'K', env: { K: keyFileContent(k) } })).current.kid).toBe(k.kid);
    await expect(loadKeys({ envVar: 'K', env: {} })).rejects.toThrow(ConfigError);
    await expect(loadKeys({ json: JSON.stringify(k.publicJwk) })).rejects.toThrow(/private part/);
    await expect(loadKeys({ file: join(dir, 'missing.jwk') })).rejects.toThrow(/pontis keys generate/);
  });

  it('rotation keeps the previous key listed until it expires', async () => {
    const k1 = await generateKeyPair('Ed25519');
    const t0 = new Date('2026-01-01T00:00:00Z');
    const { content, key: k2 } = await rotateKeyFile(keyFileContent(k1), 'P-256', 3600, t0);
    const ring = await loadKeys({ json: content }, { now: t0 });
    expect(ring.current.kid).toBe(k2.kid);
    expect(ring.previous.map((p) => p.kid)).toEqual([k1.kid]);
    const did = 'did:web:example.com';
    const doc = buildDidDocument({ did, keys: ring, now: t0 });
    expect(doc.verificationMethod!.map((v) => v.id)).toEqual([`${did}#${k2.kid}`, `${did}#${k1.kid}`]);
    expect(doc.capabilityInvocation).toEqual(doc.verificationMethod!.map((v) => v.id));
    const later = new Date(t0.getTime() + 3601_000);
    expect((await loadKeys({ json: content }, { now: later })).previous).toEqual([]);
    expect(buildDidDocument({ did, keys: ring, now: later }).verificationMethod!.map((v) => v.id)).toEqual([
      `${did}#${k2.kid}`,
    ]);
  });
});

describe('signCompactJws', () => {
  for (const alg of ['Ed25519', 'P-256'] as const) {
    it(`signs a JWS that jose verifies with the public key (${alg}), and a changed payload does not verify`, async () => {
      const { current } = await loadKeys({ json: keyFileContent(await generateKeyPair(alg)) });
      const jws = signCompactJws(current, { typ: 'JWT', kid: 'k' }, { iss: 'did:web:a', n: 1 });
      const publicKey = await jose.importJWK(current.publicJwk, current.alg);
      const { payload, protectedHeader } = await jose.jwtVerify(jws, publicKey);
      expect(protectedHeader).toEqual({ typ: 'JWT', kid: 'k', alg: current.alg });
      expect(payload).toEqual({ iss: 'did:web:a', n: 1 });
      const [h, , sig] = jws.split('.');
      const forged = `${h}.${Buffer.from('{"iss":"did:web:a","n":2}').toString('base64url')}.${sig}`;
      await expect(jose.jwtVerify(forged, publicKey)).rejects.toThrow(/signature/);
    });
  }
});

describe('DID documents', () => {
  it('lists keys under every DCP relationship and the two services', async () => {
    const k = await generateKeyPair('Ed25519');
    const ring = await loadKeys({ json: keyFileContent(k) });
    const did = didWebFromUrl('http://127.0.0.1:8181');
    expect(did).toBe('did:web:127.0.0.1%3A8181');
    const doc = buildDidDocument({
      did,
      keys: ring,
      credentialServiceUrl: 'http://127.0.0.1:8181/cs',
      dspUrl: 'http://127.0.0.1:8181/dsp',
    });
    expect(doc.id).toBe(did);
    for (const rel of ['authentication', 'assertionMethod', 'capabilityInvocation'] as const)
      expect(doc[rel]).toEqual([`${did}#${k.kid}`]);
    expect(doc.verificationMethod![0]!.publicKeyJwk).not.toHaveProperty('d');
    expect(findService(doc, 'CredentialService')).toBe('http://127.0.0.1:8181/cs');
    expect(findService(doc, 'DataService')).toBe('http://127.0.0.1:8181/dsp');
  });

  it('maps did:web to HTTPS, and to HTTP only for loopback hosts when allowed', () => {
    expect(didWebToUrl('did:web:127.0.0.1%3A8181').toString()).toBe(
      'https://127.0.0.1:8181/.well-known/did.json',
    );
    expect(didWebToUrl('did:web:127.0.0.1%3A8181', { allowHttpLoopback: true }).toString()).toBe(
      'http://127.0.0.1:8181/.well-known/did.json',
    );
    expect(didWebToUrl('did:web:example.com', { allowHttpLoopback: true }).toString()).toBe(
      'https://example.com/.well-known/did.json',
    );
    expect(() => didWebToUrl('did:web:example.com:..:x')).toThrow(/path is invalid/);
    expect(() => didWebToUrl('did:web:exa%2Fmple.com')).toThrow(/host is invalid/);
  });
});
