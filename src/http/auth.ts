import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { createRemoteJWKSet, importSPKI, jwtVerify, type JWTVerifyGetKey, type CryptoKey } from 'jose';
import { ForbiddenError, UnauthorizedError } from '../errors.js';

/** Management routes need `management`; the audit API needs `auditor`. Neither credential opens the other. */
export type ApiScope = 'management' | 'auditor';

export interface Principal {
  /** Who acted, as written into audit entries: `apikey:management`, `apikey:auditor`, `oauth2:<sub>`. */
  id: string;
  scope: ApiScope;
}

export interface AuthOptions {
  managementApiKey: string;
  auditorApiKey: string;
  oauth2?: { issuer: string; audience: string; jwksUrl?: string; publicKeyPem?: string };
}

const digest = (s: string) => createHash('sha256').update(s).digest();
const sameSecret = (a: string, b: Buffer) => timingSafeEqual(digest(a), b);

export type Authenticate = (req: Request) => Promise<Principal | undefined>;

/** Reads X-Api-Key, or an OAuth2 bearer JWT when configured. Undefined when nothing valid is presented. */
export async function createAuthenticator(options: AuthOptions): Promise<Authenticate> {
  const management = digest(options.managementApiKey);
  const auditor = digest(options.auditorApiKey);
  let key: JWTVerifyGetKey | CryptoKey | undefined;
  if (options.oauth2?.jwksUrl) key = createRemoteJWKSet(new URL(options.oauth2.jwksUrl));
  else if (options.oauth2?.publicKeyPem) {
    const pem = options.oauth2.publicKeyPem;
    key = await importSPKI(pem, pem.includes('BEGIN PUBLIC KEY') ? guessAlg(pem) : 'RS256');
  }
  return async (req) => {
    const apiKey = req.headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey.length > 0) {
      if (sameSecret(apiKey, management)) return { id: 'apikey:management', scope: 'management' };
      if (sameSecret(apiKey, auditor)) return { id: 'apikey:auditor', scope: 'auditor' };
      return undefined;
    }
    const authz = req.headers.authorization;
    if (key && options.oauth2 && typeof authz === 'string' && authz.startsWith('Bearer ')) {
      try {
        const { payload } = await jwtVerify(authz.slice(7), key as JWTVerifyGetKey, {
          issuer: options.oauth2.issuer,
          audience: options.oauth2.audience,
        });
        const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
        return {
          id: `oauth2:${payload.sub ?? 'unknown'}`,
          scope: scopes.includes('pontis:auditor') ? 'auditor' : 'management',
        };
      } catch {
        return undefined;
      }
    }
    return undefined;
  };
}

function guessAlg(pem: string): string {
  // EC keys are much shorter than RSA keys; Ed25519 shortest of all.
  const len = pem.replace(/-----[^-]+-----|\s/g, '').length;
  return len < 70 ? 'EdDSA' : len < 200 ? 'ES256' : 'RS256';
}

/** Refuses the request unless it carries a valid credential of `scope`. */
export function requireScope(authenticate: Authenticate, scope: ApiScope): RequestHandler {
  return (req, res, next) => {
    authenticate(req).then(
      (principal) => {
        if (!principal) return next(new UnauthorizedError('missing or invalid credentials'));
        if (principal.scope !== scope) {
          return next(
            new ForbiddenError(
              `this credential cannot use the ${scope === 'auditor' ? 'audit' : 'management'} API`,
            ),
          );
        }
        res.locals.principal = principal;
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

/** The principal that `requireScope` put on the response. */
export function principalOf(res: { locals: Record<string, unknown> }): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new UnauthorizedError();
  return p;
}
