import { negotiationManagementRouter } from '../../http/management/negotiations.js';
import { negotiationProtocolRouter } from '../../http/protocol/negotiation.js';
import { PeerError, UnauthorizedError } from '../../errors.js';
import { NegotiationManager } from '../../negotiation/manager.js';
import { createDspClient } from '../../protocol/index.js';
import type { ModuleFactory } from '../module.js';

/** Contract negotiation (DSP 2025-1) in both roles: DSP endpoints, management API, outbox workers. */
export const negotiationModule: ModuleFactory = (ctx) => {
  const { config, services } = ctx;
  const clientFor = (scopes?: string[]) =>
    createDspClient({
      getToken: async (audience) => {
        if (!services.identity) throw new UnauthorizedError('no identity service: cannot call peers');
        if (!audience) throw new UnauthorizedError('the peer DID is unknown: cannot address a DCP token');
        return services.identity.authorizationFor(audience, scopes ? { scopes } : undefined);
      },
      assertAllowedUrl: ctx.assertAllowedUrl,
      transport: ctx.transport,
      timeoutMs: config.network.timeoutMs,
      userAgent: `pontis/${config.name}`,
    });
  const manager = new NegotiationManager({
    db: ctx.db,
    outbox: ctx.outbox,
    did: services.did,
    callbackAddress: ctx.urls.public,
    clientFor,
    get catalog() {
      return services.catalog;
    },
    get audit() {
      return services.audit;
    },
    postWebhook: async (url, body) => {
      await ctx.assertAllowedUrl(url);
      const res = await ctx.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(config.network.timeoutMs),
      });
      await res.body?.cancel();
      if (res.status < 200 || res.status > 299) throw new PeerError(`webhook ${url} answered ${res.status}`);
    },
    settings: {
      deadlineMs: config.negotiation.deadlineMs,
      autoAccept: config.negotiation.autoAccept,
      autoVerify: config.negotiation.autoVerify,
      membershipCredentialType: config.identity.membershipCredentialType,
    },
    log: ctx.log.child({ module: 'negotiation' }),
  });
  services.negotiations = manager;
  for (const [topic, handler] of Object.entries(manager.handlers())) ctx.outbox.register(topic, handler);
  return {
    name: 'negotiation',
    protocol: negotiationProtocolRouter({
      manager,
      identity: () => services.identity,
      membershipCredentialType: config.identity.membershipCredentialType,
      onError: (err, req) => ctx.log.error({ err, url: req.originalUrl }, 'negotiation endpoint failed'),
    }),
    management: negotiationManagementRouter(manager, ctx.db, () => services.peerCatalogs),
  };
};
