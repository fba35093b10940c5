import { dataPlaneRouter } from '../../http/data/transfer.js';
import { transferManagementRouter } from '../../http/management/transfers.js';
import { transferProtocolRouter } from '../../http/protocol/transfer.js';
import { ForbiddenError, UnauthorizedError } from '../../errors.js';
import type { VerifiedParticipant } from '../../identity/participant.js';
import { createDspClient } from '../../protocol/index.js';
import type { AgreementLookup } from '../../transfer/agreements.js';
import { PolicyCache } from '../../transfer/agreements.js';
import { Enforcer } from '../../transfer/dataplane/enforcer.js';
import { refreshEdr } from '../../transfer/dataplane/refresh.js';
import { EdrTokens } from '../../transfer/dataplane/tokens.js';
import { EdrClient } from '../../transfer/edr.js';
import { TransferManager } from '../../transfer/manager.js';
import { PolicyMonitor } from '../../transfer/monitor.js';
import { registerTransferTasks } from '../../transfer/tasks.js';
import type { ModuleFactory } from '../module.js';
import type { IdentityService } from '../services.js';

/**
 * How the policy monitor re-checks a consumer: identity's refreshParticipant, else a fresh verification
 * of the DID through its credential service (verifyParticipant: revoked credentials drop out; a
 * participant that no longer verifies keeps no credentials), else not at all.
 */
function participantRefresher(identity: IdentityService | undefined) {
  if (identity?.refreshParticipant) return identity.refreshParticipant.bind(identity);
  const verify = identity?.verifyParticipant?.bind(identity);
  if (!verify) return undefined;
  return async (p: VerifiedParticipant): Promise<VerifiedParticipant> => {
    try {
      return await verify(p.did);
    } catch (e) {
      if (e instanceof ForbiddenError || e instanceof UnauthorizedError) return { ...p, credentials: [] };
      throw e;
    }
  };
}

/**
 * The transfer process (DSP 2025-1) in both roles, the data plane (pull with per-request enforcement,
 * push), the consumer's EDR proxy and the policy monitor.
 */
export const transferModule: ModuleFactory = (ctx) => {
  const { config, services } = ctx;
  const identity = () => {
    if (!services.identity)
      throw new UnauthorizedError('no identity service: DSP callers cannot be authenticated');
    return services.identity;
  };
  const client = createDspClient({
    getToken: async (audience) => {
      if (!audience) throw new UnauthorizedError('the peer DID is unknown: cannot address a DCP token');
      return identity().authorizationFor(audience);
    },
    assertAllowedUrl: ctx.assertAllowedUrl,
    transport: ctx.transport,
    timeoutMs: config.network.timeoutMs,
    userAgent: `pontis/${config.name}`,
  });
  const agreement: AgreementLookup = async (id, tx) => services.negotiations?.agreement(id, tx);
  const dataAddress = async (assetId: string) => services.catalog?.dataAddress(assetId);
  const policies = new PolicyCache();
  const manager = new TransferManager({
    db: ctx.db,
    outbox: ctx.outbox,
    get audit() {
      return services.audit;
    },
    agreement,
    callbackAddress: ctx.urls.public,
    policies,
    pushDeadlineMs: config.transfer.pushDeadlineMs,
    onDataStops: (id) => enforcer?.forget(id),
  });
  const dataPlaneUrl = (config.transfer.dataPlaneUrl ?? ctx.urls.data).replace(/\/+$/, '');
  const tokens = services.identity
    ? new EdrTokens(services.identity, { ttlSeconds: config.transfer.tokenTtlSeconds, issuer: services.did })
    : undefined;
  registerTransferTasks({
    manager,
    register: (topic, handler) => ctx.outbox.register(topic, handler),
    client,
    tokens,
    dataPlaneUrl,
    callbackAddress: ctx.urls.public,
    dataAddress,
    assertAllowedUrl: ctx.assertAllowedUrl,
    lookup: ctx.lookup,
    fileRoot: config.catalog.fileRoot,
    log: ctx.log.child({ module: 'transfer' }),
  });
  const enforcer = tokens
    ? new Enforcer({
        db: ctx.db,
        tokens,
        agreement,
        dataAddress,
        assertAllowedUrl: ctx.assertAllowedUrl,
        get audit() {
          return services.audit;
        },
        policies,
      })
    : undefined;
  const monitor = new PolicyMonitor({
    db: ctx.db,
    manager,
    agreement,
    refreshParticipant: participantRefresher(services.identity),
    owner: ctx.instanceId,
    intervalMs: config.transfer.monitorIntervalMs,
    log: ctx.log.child({ module: 'transfer-monitor' }),
  });
  const edr = new EdrClient({
    manager,
    assertAllowedUrl: ctx.assertAllowedUrl,
    fetch: ctx.fetch,
    lookup: ctx.lookup,
    timeoutMs: config.network.timeoutMs,
  });
  return {
    name: 'transfer',
    protocol: transferProtocolRouter({
      manager,
      authenticate: (authorization) => identity().authenticate(authorization),
      log: ctx.log,
    }),
    data: enforcer
      ? dataPlaneRouter({
          enforcer,
          refresh: (token) => refreshEdr(ctx.db, tokens!, token),
          fileRoot: config.catalog.fileRoot,
          timeoutMs: config.network.timeoutMs,
        })
      : undefined,
    management: transferManagementRouter({
      manager,
      edr,
      db: ctx.db,
      unusedReserved: (id) => enforcer?.unusedReserved(id) ?? 0,
    }),
    start: () => monitor.start(),
    stop: async () => {
      await monitor.stop();
      // Gives back the uses reserved but not used (the listeners are closed by now).
      await enforcer?.close();
    },
  };
};
