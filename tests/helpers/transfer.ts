/**
 * Set-up for transfer tests: stand-ins for the services of the parts a transfer relies on (identity,
 * negotiation, catalogue), so the transfer module can be tested over real listeners and a real store
 * on its own. Identity: a real Ed25519 key signs and verifies tokens; a DSP caller is authenticated
 * as the DID in its bearer token (`Bearer did:...`), with the credentials registered for it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningConnector } from '../../src/runtime/connector.js';
import type { Database } from '../../src/store/index.js';
import { transferModule } from '../../src/runtime/modules/transfer.js';
import { startTestConnector } from './connector.js';
import { standInModule } from './transfer-standins.js';
import type { StandIns } from './transfer-standins.js';

export * from './transfer-standins.js';

export async function startTransferConnector(
  s: StandIns,
  overrides: Record<string, unknown> = {},
  options: { database?: Database } = {},
) {
  return startTestConnector(
    {
      outbox: { pollMs: 20, retryBaseMs: 20, retryMaxMs: 200 },
      transfer: { monitorIntervalMs: 200 },
      ...overrides,
    } as never,
    {
      modules: [standInModule(s), transferModule],
      ...(options.database ? { database: options.database } : {}),
    },
  );
}

/** A real origin HTTP server: GET /file (and any path) answers deterministic bytes, honours Range. */
export async function startOrigin(size = 1024 * 1024) {
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i++) body[i] = (i * 31 + 7) & 0xff;
  const seen: { url: string; headers: http.IncomingHttpHeaders }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    if (req.method === 'POST' || req.method === 'PUT') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        res.statusCode = failPushes > 0 ? (failPushes--, 503) : 200;
        res.end();
      });
      return;
    }
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('accept-ranges', 'bytes');
    if (m) {
      const start = Number(m[1]);
      const end = m[2] ? Number(m[2]) : size - 1;
      res.statusCode = 206;
      res.setHeader('content-range', `bytes ${start}-${end}/${size}`);
      res.setHeader('content-length', String(end - start + 1));
      res.end(body.subarray(start, end + 1));
      return;
    }
    res.setHeader('content-length', String(size));
    res.end(body);
  });
  const received: { url: string; headers: http.IncomingHttpHeaders; body: Buffer }[] = [];
  let failPushes = 0;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    body,
    seen,
    received,
    failNextPushes(n: number) {
      failPushes = n;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Polls `fn` until it returns a truthy value (or throws after `ms`). */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until)
      throw new Error(`condition not met within ${ms} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export type { RunningConnector };
