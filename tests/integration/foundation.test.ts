import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { didWebFromUrl, startConnector, type RunningConnector } from '../../src/runtime/connector.js';
import { AUDITOR_KEY, management, startTestConnector } from '../helpers/connector.js';

describe('a running connector', () => {
  let c: RunningConnector;
  beforeAll(async () => {
    c = await startTestConnector({ limits: { bodyBytes: 2048 } });
  });
  afterAll(() => c.stop());

  it('answers /livez, /readyz (checking the database) and /metrics', async () => {
    expect((await fetch(c.urls.ops + '/livez')).status).toBe(200);
    const ready = await fetch(c.urls.ops + '/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', database: 'pglite' });
    const metrics = await (await fetch(c.urls.ops + '/metrics')).text();
    expect(metrics).toContain('pontis_http_request_duration_seconds');
  });

  it('refuses the management API without a valid key, with the same answer for every wrong credential', async () => {
    const none = await fetch(c.urls.management + '/v1/info');
    const wrong = await management(c, '/v1/info', { key: 'nope' });
    expect(none.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(await none.json()).toEqual(await wrong.json());
    const ok = await management(c, '/v1/info');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ role: 'connector', database: 'pglite', did: c.services.did });
  });

  it('does not let the auditor credential use management routes', async () => {
    const r = await management(c, '/v1/info', { key: AUDITOR_KEY });
    expect(r.status).toBe(403);
  });

  it('answers unknown routes with a JSON 404 on every public listener', async () => {
    for (const base of [c.urls.protocol, c.urls.data, c.urls.ops]) {
      const r = await fetch(base + '/no/such/route');
      expect(r.status).toBe(404);
      expect(await r.json()).toMatchObject({ error: 'not_found' });
    }
  });

  it('answers malformed and oversized JSON with a 4xx saying what is wrong', async () => {
    const bad = await fetch(c.urls.protocol + '/anything', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_json' });
    const big = await fetch(c.urls.protocol + '/anything', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ x: 'y'.repeat(4096) }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { message: string }).message).toMatch(/larger than 2048 bytes/);
  });

  it('serves its OpenAPI documents and a docs page', async () => {
    const spec = (await (await fetch(c.urls.management + '/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(spec.openapi).toBe('3.1.0');
    expect(spec.paths['/v1/info']).toBeDefined();
    expect((await fetch(c.urls.management + '/openapi/auditor.json')).status).toBe(200);
    const docs = await fetch(c.urls.management + '/docs/');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
  });

  it('sends a request id back, and keeps a valid one given by the caller', async () => {
    const r = await fetch(c.urls.ops + '/livez', { headers: { 'X-Request-Id': 'trace-123' } });
    expect(r.headers.get('x-request-id')).toBe('trace-123');
  });
});

describe('the embedded store', () => {
  it('keeps what was stored across a stop and a start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pontis-persist-'));
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        protocol: { port: 0 },
        management: { port: 0 },
        data: { port: 0 },
        ops: { port: 0 },
        log: { level: 'silent' },
      },
    });
    const first = await startConnector(config);
    const key = first.apiKeys.management;
    await first.db.transaction((tx) =>
      tx.query("INSERT INTO leases (name, owner, expires_at) VALUES ('kept', 'me', now())"),
    );
    await first.stop();
    const second = await startConnector(config);
    try {
      expect(second.apiKeys.management).toBe(key); // the generated key survives too
      const r = await second.db.query<{ owner: string }>("SELECT owner FROM leases WHERE name = 'kept'");
      expect(r.rows).toEqual([{ owner: 'me' }]);
    } finally {
      await second.stop();
    }
  }, 60_000);
});

describe('did:web from the public URL', () => {
  it('encodes the port and the path as the did:web method says', () => {
    expect(didWebFromUrl('https://example.com')).toBe('did:web:example.com');
    expect(didWebFromUrl('http://localhost:8282')).toBe('did:web:localhost%3A8282');
    expect(didWebFromUrl('https://example.com/user/alice')).toBe('did:web:example.com:user:alice');
  });
});
