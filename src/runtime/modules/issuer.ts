import { issuerManagementRouter } from '../../http/management/issuer.js';
import { ISSUER_PATH, issuerProtocolRouter } from '../../http/protocol/issuer.js';
import { createFetchJson } from '../../identity/http.js';
import { createIssuer } from '../../identity/issuer.js';
import { createDidResolver } from '../../identity/resolver.js';
import { createSqlJtiStore } from '../../identity/sql-stores.js';
import type { ModuleFactory } from '../module.js';
import { loadConnectorKeys } from './identity.js';

/**
 * The issuer role (issue 3, item 6): DCP issuance and the status list on the protocol listener,
 * the issuer's API on the management listener. Signs with the identity module's key.
 */
export const issuerModule: ModuleFactory = async (ctx) => {
  const { config } = ctx;
  const fetchJson = createFetchJson({
    timeoutMs: config.network.timeoutMs,
    maxBytes: config.limits.bodyBytes,
    fetch: ctx.fetch,
  });
  const guarded = async (url: string, init?: Parameters<typeof fetchJson>[1]) => {
    await ctx.assertAllowedUrl(url);
    return fetchJson(url, init);
  };
  const issuer = createIssuer({
    did: ctx.services.did,
    keys: await loadConnectorKeys(config),
    db: ctx.db,
    baseUrl: ctx.urls.public + ISSUER_PATH,
    format: config.issuer.credentialFormat,
    membership: { validityDays: config.issuer.membershipValidityDays, memberOf: config.issuer.memberOf },
    templates: config.issuer.templates,
    onboardingSecret: config.issuer.onboardingSecret,
    statusListLength: config.issuer.statusListLength,
    resolver: createDidResolver({
      fetchJson: guarded,
      allowHttpLoopback: config.identity.allowHttpDidWeb,
      ttlMs: config.identity.didCacheTtlMs,
    }),
    jtiStore: createSqlJtiStore(ctx.db),
    fetchJson: guarded,
    enqueue: (tx, message) => ctx.outbox.enqueue(tx, message),
  });
  for (const [topic, handler] of Object.entries(issuer.handlers())) ctx.outbox.register(topic, handler);
  return {
    name: 'issuer',
    protocol: issuerProtocolRouter(issuer),
    management: issuerManagementRouter(issuer),
  };
};
