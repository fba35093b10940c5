import { randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, PeerError } from '../../errors.js';
import { createPageTokens } from '../../catalog/paging.js';
import { ProviderCatalog } from '../../catalog/provider.js';
import { createRemoteCatalogClient } from '../../catalog/remote.js';
import { catalogManagementRouter } from '../../http/management/catalog.js';
import { catalogProtocolRouter, versionMetadata } from '../../http/protocol/catalog.js';
import { createFetchJson } from '../../identity/http.js';
import { createDidResolver } from '../../identity/resolver.js';
import { createDspClient } from '../../protocol/index.js';
import type { ModuleFactory } from '../module.js';

/** The page token key, shared by every replica through the database (first start creates it). */
async function pageTokenSecret(db: Parameters<ModuleFactory>[0]['db']): Promise<string> {
  await db.query(
    `INSERT INTO catalog_secrets (name, value) VALUES ('page-token', $1) ON CONFLICT (name) DO NOTHING`,
    [randomBytes(32).toString('base64url')],
  );
  const r = await db.query<{ value: string }>(`SELECT value FROM catalog_secrets WHERE name = 'page-token'`);
  return r.rows[0]!.value;
}

/**
 * The catalogue (issue 5): assets and offers on the management API, the DSP catalogue and version
 * metadata on the protocol listener, the remote catalogue client, and `services.catalog`.
 * Identity, policies and audit are read from `ctx.services` when a request needs them.
 */
export const catalogModule: ModuleFactory = async (ctx) => {
  const { config, services } = ctx;
  const secrets = { env: process.env, config: config.catalog.secrets };
  const dspUrl = ctx.urls.public;
  const catalog = new ProviderCatalog({
    db: ctx.db,
    policies: () => services.policies,
    participantId: services.did,
    dspUrl,
    pageSize: config.catalog.pageSize,
    tokens: createPageTokens(await pageTokenSecret(ctx.db)),
    membershipCredentialType: config.identity.membershipCredentialType,
    fileRoot: config.catalog.fileRoot,
    secrets,
    log: ctx.log.child({ module: 'catalog' }),
  });
  services.catalog = catalog;

  // DID documents of peers are fetched through the connector's allow/deny list.
  const fetchJson = createFetchJson({ timeoutMs: config.network.timeoutMs, fetch: ctx.fetch });
  const didResolver = createDidResolver({
    fetchJson: async (url, init) => {
      await ctx.assertAllowedUrl(url);
      return fetchJson(url, init);
    },
    allowHttpLoopback: config.identity.allowHttpDidWeb,
    ttlMs: config.identity.didCacheTtlMs,
  });
  const authorization = async (audience: string) => {
    const identity = services.identity;
    if (!identity) throw new ConflictError('this connector has no identity module, so it cannot call peers');
    return identity.authorizationFor(audience);
  };
  const remote = createRemoteCatalogClient({
    authorization,
    assertAllowedUrl: ctx.assertAllowedUrl,
    fetch: ctx.fetch,
    resolveDid: async (did) => (await didResolver.resolve(did)) as { service?: unknown },
    timeoutMs: config.network.timeoutMs,
    cacheTtlMs: config.catalog.remoteCacheSeconds * 1000,
    maxPages: config.catalog.remoteMaxPages,
  });

  services.peerCatalogs = {
    dspAddress: (did) => remote.dspAddress(did),
    // The one dataset (GET /catalog/datasets/:id), not the whole catalogue page by page.
    offer: async ({ address, did, datasetId, offerId }) => {
      const baseUrl = address ?? (await remote.dspAddress(did!));
      const dsp = createDspClient({
        // The same audience as the catalogue client's: the DID, else the address.
        getToken: () => authorization(did ?? baseUrl),
        assertAllowedUrl: ctx.assertAllowedUrl,
        transport: ctx.transport,
        timeoutMs: config.network.timeoutMs,
      });
      const dataset = await dsp.getDataset({ baseUrl, did }, datasetId).catch((e: unknown) => {
        if (e instanceof PeerError && (e.details as { status?: number } | undefined)?.status === 404) {
          throw new NotFoundError(
            `the catalogue of ${baseUrl} has no dataset ${datasetId}`,
            'dataset_not_found',
          );
        }
        throw e;
      });
      const offer = dataset.hasPolicy.find((o) => o['@id'] === offerId);
      if (!offer) {
        throw new NotFoundError(
          `dataset ${datasetId} in the catalogue of ${baseUrl} has no offer ${offerId}`,
          'offer_not_found',
        );
      }
      return { ...offer, target: datasetId };
    },
  };

  // The DSP base path without a trailing slash ('/' at the root), as the spec's examples write it.
  const path = new URL(dspUrl).pathname.replace(/\/+$/, '') || '/';
  return {
    name: 'catalog',
    management: catalogManagementRouter({
      db: ctx.db,
      rules: { fileRoot: config.catalog.fileRoot, secrets },
      policies: () => services.policies,
      audit: () => services.audit,
      remote,
      catalogChanged: () => catalog.invalidate(),
    }),
    protocol: catalogProtocolRouter({
      catalog,
      identity: () => services.identity,
      dspUrl,
      versions: versionMetadata({ path, did: services.did }),
      log: ctx.log.child({ module: 'catalog' }),
    }),
  };
};
