import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Express, Router } from 'express';
import { pino, type Logger } from 'pino';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Config } from '../config/index.js';
import { createApp, finishApp } from '../http/app.js';
import { createAuthenticator, requireScope } from '../http/auth.js';
import { loadOpenApi, openApiValidator, serveApiDocs } from '../http/openapi.js';
import { mountOps } from '../http/ops.js';
import { createCheckedLookup, createGuardedHttp, createUrlGuard } from '../http/outgoing.js';
import { listen, type Listener } from '../http/server.js';
import { openDatabase, Outbox, type Database } from '../store/index.js';
import type { ConnectorModule, ConnectorUrls, ModuleContext, ModuleFactory } from './module.js';
import { primeAllocator } from './allocator.js';
import { startMaintenance } from './maintenance.js';
import { modulesFor } from './modules.js';
import { secretOrGenerated } from './secrets.js';
import type { Services } from './services.js';

export interface StartOptions {
  /** Use this database instead of opening the configured one (tests load a migrated template). */
  database?: Database;
  /** Use these modules instead of the role's (tests of one part). */
  modules?: ModuleFactory[];
  log?: Logger;
}

export interface RunningConnector {
  config: Config;
  urls: ConnectorUrls;
  db: Database;
  services: Services;
  log: Logger;
  apiKeys: { management: string; auditor: string };
  stop(): Promise<void>;
}

/** Derives did:web from the public URL: host, port (as %3A) and path segments. */
export function didWebFromUrl(publicUrl: string): string {
  const u = new URL(publicUrl);
  const host = u.port ? `${u.hostname}%3A${u.port}` : u.hostname;
  const path = u.pathname.split('/').filter(Boolean).map(encodeURIComponent);
  return ['did:web', host, ...path].join(':');
}

/** The composition root: opens the store, binds the listeners, builds the modules, starts workers. */
export async function startConnector(config: Config, options: StartOptions = {}): Promise<RunningConnector> {
  const log = options.log ?? pino({ level: config.log.level, name: config.name });
  primeAllocator();
  mkdirSync(config.dataDir, { recursive: true });
  const managementKey = secretOrGenerated(config.management.apiKey, config.dataDir, 'management-api-key');
  const auditorKey = secretOrGenerated(config.auditor.apiKey, config.dataDir, 'auditor-api-key');
  if (managementKey.value === auditorKey.value) {
    throw new Error('management.apiKey and auditor.apiKey must differ: the auditor credential is read-only');
  }

  const rawDb =
    options.database ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      preparedStatements: config.databasePreparedStatements,
      dataDir: config.dataDir,
      fsync: config.dataDirFsync,
    }));
  const listeners: Listener[] = [];
  let modules: ConnectorModule[] = [];
  let outbox: Outbox | undefined;
  let ready = false;
  try {
    const host = config.bindHost;
    const [protocolL, managementL, dataL, opsL] = await Promise.all([
      listen('protocol', host, config.protocol.port),
      listen('management', host, config.management.port),
      listen('data', host, config.data.port),
      listen('ops', host, config.ops.port),
    ]);
    listeners.push(protocolL, managementL, dataL, opsL);
    const local = (l: Listener) =>
      `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${l.port}`;
    const urls: ConnectorUrls = {
      public: (config.publicUrl ?? `http://localhost:${protocolL.port}`).replace(/\/+$/, ''),
      protocol: local(protocolL),
      management: local(managementL),
      data: local(dataL),
      ops: local(opsL),
    };

    const metrics = new Registry();
    metrics.setDefaultLabels({ connector: config.name });
    collectDefaultMetrics({ register: metrics });
    const requestDuration = new Histogram({
      name: 'pontis_http_request_duration_seconds',
      help: 'HTTP request duration by listener, route and status',
      labelNames: ['listener', 'method', 'route', 'status'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [metrics],
    });

    const instanceId = `${config.name}-${randomUUID().slice(0, 8)}`;
    outbox = new Outbox(rawDb, {
      owner: instanceId,
      ...config.outbox,
      onError: (err, m) =>
        log.warn({ err, topic: m?.topic, id: m?.id, attempt: m?.attempts }, 'outbox delivery failed'),
    });
    const db = outbox.wakingDatabase();
    const services: Services = { did: config.identity.did ?? didWebFromUrl(urls.public) };
    const assertAllowedUrl = createUrlGuard(config.network);
    const guarded = createGuardedHttp(config.network);
    const checkedLookup = createCheckedLookup(config.network);
    const ctx: ModuleContext = {
      config,
      db,
      outbox,
      log,
      metrics,
      instanceId,
      urls,
      services,
      assertAllowedUrl,
      fetch: guarded.fetch,
      transport: guarded.transport,
      lookup: checkedLookup,
    };
    for (const factory of options.modules ?? modulesFor(config.role)) modules.push(await factory(ctx));

    const base = (listener: string) =>
      createApp({ listener, log, bodyLimitBytes: config.limits.bodyBytes, requestDuration });
    const mount = (app: Express, routers: (Router | undefined)[]) => {
      for (const r of routers) if (r) app.use(r);
    };

    const protocolApp = base('protocol');
    mount(
      protocolApp,
      modules.map((m) => m.protocol),
    );
    protocolL.attach(finishApp(protocolApp, log));

    const managementApp = base('management');
    const authenticate = await createAuthenticator({
      managementApiKey: managementKey.value,
      auditorApiKey: auditorKey.value,
      oauth2: config.management.oauth2,
    });
    const managementDoc = loadOpenApi('management');
    const auditorDoc = loadOpenApi('auditor');
    serveApiDocs(managementApp, { management: managementDoc, auditor: auditorDoc });
    // auditor.yaml's paths are relative to its server URL /v1/audit, as the routers' are.
    const auditorRouters = modules.flatMap((m) => (m.auditor ? [m.auditor] : []));
    managementApp.use(
      '/v1/audit',
      requireScope(authenticate, 'auditor'),
      openApiValidator(auditorDoc),
      ...auditorRouters,
    );
    managementApp.use(requireScope(authenticate, 'management'), openApiValidator(managementDoc));
    mount(
      managementApp,
      modules.map((m) => m.management),
    );
    managementL.attach(finishApp(managementApp, log));

    const dataApp = base('data');
    mount(
      dataApp,
      modules.map((m) => m.data),
    );
    dataL.attach(finishApp(dataApp, log));

    const opsApp = base('ops');
    mountOps(opsApp, { db: rawDb, metrics, isReady: () => ready });
    opsL.attach(finishApp(opsApp, log));

    for (const m of modules) await m.start?.();
    outbox.start();
    const stopMaintenance = startMaintenance(rawDb, {
      everyMs: config.outbox.maintenanceSeconds * 1000,
      owner: instanceId,
      log,
    });
    ready = true;

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        ready = false;
        await Promise.all(listeners.map((l) => l.close()));
        for (const m of [...modules].reverse()) await m.stop?.();
        await stopMaintenance();
        await outbox?.stop();
        await rawDb.close();
      })());
    return {
      config,
      urls,
      db,
      services,
      log,
      apiKeys: { management: managementKey.value, auditor: auditorKey.value },
      stop,
    };
  } catch (e) {
    await Promise.allSettled(listeners.map((l) => l.close(0)));
    for (const m of [...modules].reverse()) await Promise.resolve(m.stop?.()).catch(() => undefined);
    modules = [];
    await outbox?.stop();
    if (!options.database) await rawDb.close().catch(() => undefined);
    throw e;
  }
}
