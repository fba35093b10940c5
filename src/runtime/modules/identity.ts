import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { identityManagementRouter } from '../../http/management/identity.js';
import { CREDENTIAL_SERVICE_PATH, identityProtocolRouter } from '../../http/protocol/identity.js';
import { ISSUER_PATH } from '../../http/protocol/issuer.js';
import { createFetchJson } from '../../identity/http.js';
import { generateKeyPair, keyFileContent, loadKeys } from '../../identity/keys.js';
import type { KeyRing } from '../../identity/keys.js';
import { createIdentityService } from '../../identity/service.js';
import { createSqlCredentialStore, createSqlJtiStore } from '../../identity/sql-stores.js';
import type { TrustedIssuers } from '../../identity/trust.js';
import type { Config } from '../../config/index.js';
import type { ModuleFactory } from '../module.js';

/** The signing key: PONTIS_IDENTITY_KEY / identity.key, else identity.keyFile, else <dataDir>/keys/signing.jwk (made on first start). */
export async function loadConnectorKeys(
  config: Config,
  log?: { info(o: object, m: string): void },
): Promise<KeyRing> {
  if (config.identity.key) return loadKeys({ json: config.identity.key });
  if (config.identity.keyFile) return loadKeys({ file: config.identity.keyFile });
  const file = join(config.dataDir, 'keys', 'signing.jwk');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, keyFileContent(await generateKeyPair('Ed25519')), { mode: 0o600 });
    log?.info({ file }, 'identity: generated a signing key');
  }
  return loadKeys({ file });
}

export function trustedIssuersFrom(config: Config): TrustedIssuers {
  const out: TrustedIssuers = {};
  for (const t of config.identity.trustedIssuers) for (const type of t.types) (out[type] ??= []).push(t.did);
  return out;
}

/**
 * Identity (issue 3): the DID document and the DCP credential service on the protocol listener,
 * held credentials and VC-API verification on the management listener, and `services.identity`
 * (DCP in and out, signing) for every later module. Peers are reached through the URL allow-list.
 */
export const identityModule: ModuleFactory = async (ctx) => {
  const { config, services } = ctx;
  const keys = await loadConnectorKeys(config, ctx.log);
  const fetchJson = createFetchJson({
    timeoutMs: config.network.timeoutMs,
    maxBytes: config.limits.bodyBytes,
    fetch: ctx.fetch,
  });
  const identity = createIdentityService({
    did: services.did,
    keys,
    fetchJson: async (url, init) => {
      await ctx.assertAllowedUrl(url);
      return fetchJson(url, init);
    },
    jtiStore: createSqlJtiStore(ctx.db),
    credentialStore: createSqlCredentialStore(ctx.db),
    trustedIssuers: trustedIssuersFrom(config),
    membershipCredentialType: config.identity.membershipCredentialType,
    credentialServiceUrl: ctx.urls.public + CREDENTIAL_SERVICE_PATH,
    dspUrl: ctx.urls.public,
    extraServices:
      config.role === 'issuer'
        ? [
            {
              id: `${services.did}#issuer-service`,
              type: 'IssuerService',
              serviceEndpoint: ctx.urls.public + ISSUER_PATH,
            },
          ]
        : [],
    allowHttpLoopback: config.identity.allowHttpDidWeb,
    didCacheTtlMs: config.identity.didCacheTtlMs,
    statusListTtlMs: config.identity.statusListCacheTtlMs,
    presentationFormat: config.identity.presentationFormat,
    // The audit module comes later in the list (it signs with this identity), so it is looked up per call.
    // Not awaited: a caller may hold an embedded-store transaction that this one would wait for.
    onCredentialVerification: (outcome) => {
      const audit = ctx.services.audit;
      if (!audit) return;
      ctx.db
        .transaction((tx) =>
          audit.append(tx, {
            type: 'credential.verification',
            actor: outcome.did,
            subjects: { participant: outcome.did },
            content: { ...outcome },
          }),
        )
        .catch((err: unknown) =>
          ctx.log.warn({ err, did: outcome.did }, 'could not log a credential verification'),
        );
    },
  });
  services.identity = identity;
  return {
    name: 'identity',
    protocol: identityProtocolRouter(identity),
    management: identityManagementRouter(identity),
  };
};
