/**
 * EDR tokens: short-lived EdDSA JWTs bound to a transfer, its agreement and the consumer's DID,
 * signed with the connector's key, plus opaque refresh tokens (only their SHA-256 is stored).
 *
 * Verification is on the data plane's hot path: the current public key is imported once and tokens
 * already verified are remembered until they expire, so a request costs a map lookup. A token signed
 * with another key (after a rotation) goes through the identity service's full check.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { UnauthorizedError } from '../../errors.js';

export const EDR_TYP = 'pontis-edr+jwt';

export interface TokenSigner {
  sign(
    payload: Record<string, unknown>,
    options?: { typ?: string; expiresInSeconds?: number },
  ): Promise<string>;
  verifyOwn(jwt: string, options?: { typ?: string }): Promise<Record<string, unknown>>;
  publicJwk(): Record<string, unknown>;
}

export interface EdrClaims {
  transferId: string;
  agreementId: string;
  consumerDid: string;
  jti: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

export interface IssuedToken {
  token: string;
  tokenId: string;
  expiresIn: number;
  refreshToken: string;
  refreshTokenHash: string;
}

export const hashRefreshToken = (t: string) => createHash('sha256').update(t).digest('base64url');

export class EdrTokens {
  private key: { kid: string; key: CryptoKey | Uint8Array } | undefined;
  private readonly verified = new Map<string, EdrClaims>();

  constructor(
    private readonly signer: TokenSigner,
    private readonly options: { ttlSeconds: number; issuer: string; cacheSize?: number },
  ) {}

  async issue(input: { transferId: string; agreementId: string; consumerDid: string }): Promise<IssuedToken> {
    const tokenId = randomUUID();
    const token = await this.signer.sign(
      {
        iss: this.options.issuer,
        sub: input.consumerDid,
        jti: tokenId,
        tid: input.transferId,
        agr: input.agreementId,
      },
      { typ: EDR_TYP, expiresInSeconds: this.options.ttlSeconds },
    );
    const refreshToken = randomBytes(32).toString('base64url');
    return {
      token,
      tokenId,
      expiresIn: this.options.ttlSeconds,
      refreshToken,
      refreshTokenHash: hashRefreshToken(refreshToken),
    };
  }

  private async currentKey() {
    if (!this.key) {
      const jwk = this.signer.publicJwk() as JWK & { kid?: string };
      this.key = {
        kid: String(jwk.kid ?? ''),
        key: await importJWK({ ...jwk, alg: jwk.alg ?? 'EdDSA' }, jwk.alg ?? 'EdDSA'),
      };
    }
    return this.key;
  }

  /** Verifies an EDR token; throws UnauthorizedError (401) naming what is wrong. */
  async verify(token: string, nowMs = Date.now()): Promise<EdrClaims> {
    const cached = this.verified.get(token);
    if (cached) {
      if (cached.exp * 1000 > nowMs) return cached;
      this.verified.delete(token);
      throw new UnauthorizedError('the access token has expired; refresh it', 'token_expired');
    }
    let payload: Record<string, unknown>;
    try {
      const header = decodeProtectedHeader(token);
      const key = await this.currentKey();
      if (header.kid === key.kid) {
        payload = (
          await jwtVerify(token, key.key, {
            typ: EDR_TYP,
            issuer: this.options.issuer,
            currentDate: new Date(nowMs),
          })
        ).payload as Record<string, unknown>;
      } else {
        this.key = undefined; // the key may have rotated; the next token re-imports it
        payload = await this.signer.verifyOwn(token, { typ: EDR_TYP });
      }
    } catch (e) {
      const expired = e instanceof Error && (e as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw new UnauthorizedError(
        expired ? 'the access token has expired; refresh it' : 'the access token is not valid',
        expired ? 'token_expired' : 'invalid_token',
      );
    }
    const { tid, agr, sub, jti, exp } = payload;
    if (
      typeof tid !== 'string' ||
      typeof agr !== 'string' ||
      typeof sub !== 'string' ||
      typeof exp !== 'number'
    ) {
      throw new UnauthorizedError('the access token is not a data plane token', 'invalid_token');
    }
    const claims: EdrClaims = {
      transferId: tid,
      agreementId: agr,
      consumerDid: sub,
      jti: String(jti ?? ''),
      exp,
    };
    if (this.verified.size >= (this.options.cacheSize ?? 10_000)) {
      this.verified.delete(this.verified.keys().next().value!);
    }
    this.verified.set(token, claims);
    return claims;
  }
}
