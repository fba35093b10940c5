/**
 * The consumer's side of pull transfers: the EDR the provider sent on start (kept in the transfer's
 * data address), its refresh, and requests to the provider's data plane with the token added, so
 * the consumer's applications need no DSP knowledge.
 */
import type { LookupFunction } from 'node:net';
import http from 'node:http';
import https from 'node:https';
import { decodeJwt } from 'jose';
import { ConflictError, PeerError } from '../errors.js';
import type { TransferManager } from './manager.js';
import type { TransferRecord } from './repository.js';

export interface Edr {
  endpoint: string;
  authorization: string;
  authType: string;
  refreshToken?: string;
  refreshEndpoint?: string;
  /** When the access token expires, if known. */
  expiresAt?: Date;
}

type Props = { name: string; value: string }[];

export function edrOf(t: TransferRecord): Edr | undefined {
  const a = t.dataAddress as { endpoint?: string; endpointProperties?: Props } | null;
  if (!a?.endpoint) return undefined;
  const p = Object.fromEntries((a.endpointProperties ?? []).map((x) => [x.name, x.value]));
  const authorization = p.authorization ?? p['https://w3id.org/edc/v0.0.1/ns/authorization'];
  if (!authorization) return undefined;
  let expiresAt: Date | undefined;
  try {
    const exp = decodeJwt(authorization).exp;
    if (typeof exp === 'number') expiresAt = new Date(exp * 1000);
  } catch {
    const s = Number(p.expiresIn);
    if (Number.isFinite(s)) expiresAt = new Date(t.updatedAt.getTime() + s * 1000);
  }
  return {
    endpoint: a.endpoint,
    authorization,
    authType: p.authType ?? 'bearer',
    refreshToken: p.refreshToken,
    refreshEndpoint: p.refreshEndpoint,
    expiresAt,
  };
}

export interface EdrClientDeps {
  manager: TransferManager;
  assertAllowedUrl?: (url: string) => Promise<void>;
  /** fetch that checks the addresses it connects to (default: the global one). */
  fetch?: typeof fetch;
  /** The same check for the data requests (node:http). */
  lookup?: LookupFunction;
  timeoutMs?: number;
  /** Refresh when the token has fewer than this many ms left (default 10 s). */
  refreshMarginMs?: number;
}

export class EdrClient {
  constructor(private readonly deps: EdrClientDeps) {}

  /** The current EDR of a STARTED consumer transfer; 409 otherwise. */
  async current(id: string): Promise<{ transfer: TransferRecord; edr: Edr }> {
    const t = await this.deps.manager.get(id);
    if (!t) throw new ConflictError(`no transfer ${id}`, undefined, 'unknown_transfer');
    if (t.role !== 'consumer')
      throw new ConflictError(
        `transfer ${id} is a provider transfer; EDRs are the consumer's`,
        undefined,
        'wrong_role',
      );
    const edr = edrOf(t);
    if (t.state !== 'STARTED' || !edr) {
      throw new ConflictError(
        `transfer ${id} is ${t.state}${edr ? '' : ' and has no data address'}; data is available only while it is STARTED`,
        { state: t.state },
        'transfer_not_started',
      );
    }
    return { transfer: t, edr };
  }

  /** Swaps the refresh token for a new token pair and stores it. */
  async refresh(t: TransferRecord, edr: Edr): Promise<Edr> {
    if (!edr.refreshEndpoint || !edr.refreshToken) {
      throw new PeerError(
        'the provider gave no refresh token; the access token cannot be renewed',
        undefined,
        'no_refresh',
      );
    }
    await this.deps.assertAllowedUrl?.(edr.refreshEndpoint);
    const res = await (this.deps.fetch ?? fetch)(edr.refreshEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: edr.refreshToken }),
      redirect: 'manual',
      signal: AbortSignal.timeout(this.deps.timeoutMs ?? 10_000),
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok || typeof body.access_token !== 'string') {
      throw new PeerError(
        `the provider refused to refresh the token (${res.status})`,
        { status: res.status, body },
        'refresh_failed',
      );
    }
    const a = t.dataAddress as { endpointProperties?: Props };
    const props = new Map((a.endpointProperties ?? []).map((p) => [p.name, p]));
    const set = (name: string, value: string) =>
      props.set(name, { '@type': 'EndpointProperty', name, value } as Props[number]);
    set('authorization', body.access_token);
    if (typeof body.refresh_token === 'string') set('refreshToken', body.refresh_token);
    if (typeof body.expires_in === 'number') set('expiresIn', String(body.expires_in));
    const updated = await this.deps.manager.setStateData(t.id, {
      dataAddress: { ...t.dataAddress, endpointProperties: [...props.values()] },
    });
    return edrOf(updated)!;
  }

  /** The EDR, refreshed first when it is about to expire. */
  async fresh(id: string): Promise<{ transfer: TransferRecord; edr: Edr }> {
    const { transfer, edr } = await this.current(id);
    const margin = this.deps.refreshMarginMs ?? 10_000;
    if (edr.expiresAt && edr.expiresAt.getTime() - Date.now() < margin) {
      return { transfer, edr: await this.refresh(transfer, edr) };
    }
    return { transfer, edr };
  }

  /**
   * GET (or HEAD) on the provider's data plane with the token; refreshes and retries once on a 401.
   * Returns the provider's response as a stream.
   */
  async open(
    id: string,
    input: { subPath: string; query: string; method: 'GET' | 'HEAD'; headers: Record<string, string> },
  ): Promise<http.IncomingMessage> {
    let { transfer, edr } = await this.fresh(id);
    for (let attempt = 0; ; attempt++) {
      const base = edr.endpoint.replace(/\/+$/, '');
      const url = new URL(base + (input.subPath ? '/' + input.subPath : '') + input.query);
      await this.deps.assertAllowedUrl?.(url.toString());
      const auth =
        edr.authType.toLowerCase() === 'bearer' && !/^bearer /i.test(edr.authorization)
          ? `Bearer ${edr.authorization}`
          : edr.authorization;
      const res = await request(
        url,
        input.method,
        { ...input.headers, authorization: auth },
        this.deps.timeoutMs ?? 30_000,
        this.deps.lookup,
      );
      if (res.statusCode === 401 && attempt === 0 && edr.refreshToken) {
        res.resume();
        edr = await this.refresh(transfer, edr);
        transfer = (await this.deps.manager.get(id))!;
        continue;
      }
      return res;
    }
  }
}

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

function request(
  url: URL,
  method: string,
  headers: Record<string, string>,
  timeoutMs: number,
  lookup: LookupFunction | undefined,
  retried = false,
): Promise<http.IncomingMessage> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const r = mod.request(
      url,
      {
        method,
        headers,
        agent: url.protocol === 'https:' ? agents.https : agents.http,
        timeout: timeoutMs,
        ...(lookup ? { lookup } : {}),
      },
      resolve,
    );
    r.on('timeout', () =>
      r.destroy(new Error(`the provider's data plane did not answer within ${timeoutMs} ms`)),
    );
    r.on('error', (e: NodeJS.ErrnoException) => {
      // A kept-alive socket the provider closed while idle fails at once; GET/HEAD are safe to send again.
      if (!retried && r.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) {
        request(url, method, headers, timeoutMs, lookup, true).then(resolve, reject);
        return;
      }
      reject(
        new PeerError(`the provider's data plane failed: ${e.message}`, undefined, 'data_plane_unreachable'),
      );
    });
    r.end();
  });
}
