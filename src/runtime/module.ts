import type { LookupFunction } from 'node:net';
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/index.js';
import type { Database } from '../store/db.js';
import type { Outbox } from '../store/outbox.js';
import type { UrlGuard } from '../http/outgoing.js';
import type { HttpTransport } from '../protocol/client.js';
import type { Services } from './services.js';

export interface ConnectorUrls {
  /** Base URL others reach the protocol listener at (publicUrl). */
  public: string;
  protocol: string;
  management: string;
  data: string;
  ops: string;
}

/** What a module gets from the runtime. */
export interface ModuleContext {
  config: Config;
  /** Transactions on this database wake the outbox dispatcher when they commit a message. */
  db: Database;
  outbox: Outbox;
  log: Logger;
  metrics: Registry;
  /** Unique per process: the owner name of outbox claims and leases. */
  instanceId: string;
  urls: ConnectorUrls;
  services: Services;
  /** Call before any outgoing request to an address that came from outside (peers, callbacks, data addresses). */
  assertAllowedUrl: UrlGuard;
  /** fetch for those requests: the network rules are checked again on the addresses it connects to. */
  fetch: typeof fetch;
  /** The same for the DSP client, leaner than fetch (undici's `request`). */
  transport: HttpTransport;
  /** The same check for node:http requests (their `lookup` option). */
  lookup: LookupFunction;
}

/**
 * A part of the connector. Routers are mounted by the runtime:
 * - `protocol` at `/` of the protocol listener (public; each route authenticates its caller),
 * - `management` at `/` of the management listener behind the management credential,
 * - `auditor` at `/v1/audit` of the management listener behind the auditor credential,
 * - `data` at `/` of the data plane listener (public; each route checks its token).
 * `start` runs after every listener is up (workers, outbox topics); `stop` before the database closes.
 */
export interface ConnectorModule {
  name: string;
  protocol?: Router;
  management?: Router;
  auditor?: Router;
  data?: Router;
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

export type ModuleFactory = (ctx: ModuleContext) => ConnectorModule | Promise<ConnectorModule>;
