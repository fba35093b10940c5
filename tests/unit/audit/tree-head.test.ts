import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import { toHex, hashLeaf } from '../../../src/audit/merkle.js';
import { TREE_HEAD_TYP, decodeTreeHead, signTreeHead, verifyTreeHead } from '../../../src/audit/tree-head.js';
import { UnprocessableError, ValidationError } from '../../../src/errors.js';

const did = 'did:web:provider.example';
const head = {
  logId: did,
  treeSize: 42,
  rootHash: toHex(hashLeaf('root')),
  timestamp: '2026-01-02T03:04:05.678Z',
};

async function keyPair() {
  const { privateKey, publicKey } = await jose.generateKeyPair('EdDSA', { extractable: true });
  return {
    privateKey,
    privateJwk: await jose.exportJWK(privateKey),
    publicJwk: await jose.exportJWK(publicKey),
  };
}

describe('signed tree heads', () => {
  it('signs a compact JWS (EdDSA, typ, kid) that verifies with the public JWK', async () => {
    const k = await keyPair();
    const sth = await signTreeHead(head, { kid: `${did}#key-1`, privateKey: k.privateJwk });
    const header = jose.decodeProtectedHeader(sth.jws);
    expect(header).toEqual({ alg: 'EdDSA', typ: TREE_HEAD_TYP, kid: `${did}#key-1` });
    expect(decodeTreeHead(sth.jws)).toEqual(sth);
    const verified = await verifyTreeHead(sth.jws, k.publicJwk, did);
    expect(verified).toMatchObject({ ...head, kid: `${did}#key-1` });
    // Also through a resolver by kid, as the CLI does over a DID document.
    const byKid = await verifyTreeHead(sth.jws, async (kid) =>
      kid === `${did}#key-1` ? k.publicJwk : undefined,
    );
    expect(byKid.treeSize).toBe(42);
  });

  it('accepts an external signing function (key held elsewhere)', async () => {
    const k = await keyPair();
    const { sign, createPrivateKey } = await import('node:crypto');
    const keyObject = createPrivateKey({ key: k.privateJwk as never, format: 'jwk' });
    const sth = await signTreeHead(head, {
      kid: `${did}#key-1`,
      sign: async (input) => sign(null, input, keyObject),
    });
    await expect(verifyTreeHead(sth.jws, k.publicJwk)).resolves.toMatchObject({ treeSize: 42 });
  });

  it('fails for another key, a changed payload, a kid outside the DID, another log, or an unknown kid', async () => {
    const k = await keyPair();
    const other = await keyPair();
    const sth = await signTreeHead(head, { kid: `${did}#key-1`, privateKey: k.privateKey });
    await expect(verifyTreeHead(sth.jws, other.publicJwk)).rejects.toThrow(UnprocessableError);

    const [h, , s] = sth.jws.split('.');
    const forged = jose.base64url.encode(JSON.stringify({ ...head, treeSize: 43 }));
    await expect(verifyTreeHead(`${h}.${forged}.${s}`, k.publicJwk)).rejects.toThrow(/signature/);

    await expect(
      signTreeHead(head, { kid: 'did:web:evil.example#key-1', privateKey: k.privateKey }),
    ).rejects.toThrow(ValidationError);
    await expect(verifyTreeHead(sth.jws, k.publicJwk, 'did:web:other.example')).rejects.toThrow(
      /expected did:web:other.example/,
    );
    await expect(verifyTreeHead(sth.jws, async () => undefined)).rejects.toThrow(/no public key/);
    await expect(verifyTreeHead('not.a.jws', k.publicJwk)).rejects.toThrow(ValidationError);
  });

  it('rejects a JWS of another type signed with the same key', async () => {
    const k = await keyPair();
    const payload = new TextEncoder().encode(JSON.stringify(head));
    const jws = await new jose.CompactSign(payload)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: `${did}#key-1` })
      .sign(k.privateKey);
    await expect(verifyTreeHead(jws, k.publicJwk)).rejects.toThrow(/typ/);
  });

  it('rejects malformed heads when signing', async () => {
    const k = await keyPair();
    const signer = { kid: `${did}#key-1`, privateKey: k.privateKey };
    await expect(signTreeHead({ ...head, rootHash: 'xyz' }, signer)).rejects.toThrow(/rootHash/);
    await expect(signTreeHead({ ...head, treeSize: -1 }, signer)).rejects.toThrow(/treeSize/);
    await expect(signTreeHead({ ...head, logId: 'provider' }, signer)).rejects.toThrow(/logId/);
  });
});
