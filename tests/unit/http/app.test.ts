import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino, type Level } from 'pino';
import { createApp, finishApp } from '../../../src/http/app.js';

/** An app on loopback whose log lines (at `level` and above) are collected as objects. */
async function serve(level: Level) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  const log = pino({ level }, sink);
  const app = createApp({ listener: 'test', log, bodyLimitBytes: 1024 });
  app.get('/ok', (_req, res) => void res.json({ ok: true }));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/cut', (req) => req.socket.destroy());
  finishApp(app, log);
  const server = await new Promise<Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Log lines are written when the response ends, after the client may have read it.
  const settle = () => new Promise((r) => setTimeout(r, 20));
  return { lines, url, server, settle };
}

describe('the request log', () => {
  let t: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    t = await serve('info');
  });
  afterAll(() => t.server.close());

  it('gives every request an id: the caller’s when it is a plain token, else a new one', async () => {
    const kept = await fetch(t.url + '/ok', { headers: { 'X-Request-Id': 'trace-1.a_b' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-1.a_b');
    const replaced = await fetch(t.url + '/ok', { headers: { 'X-Request-Id': 'no spaces <here>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs a 4xx at info and a 5xx at error, with the id, method, url, status and time', async () => {
    t.lines.length = 0;
    const missing = await fetch(t.url + '/nothing?x=1', { headers: { 'X-Request-Id': 'r404' } });
    expect(missing.status).toBe(404);
    const failed = await fetch(t.url + '/boom', { headers: { 'X-Request-Id': 'r500' } });
    expect(failed.status).toBe(500);
    await t.settle();
    const completed = t.lines.filter((l) => l.msg === 'request completed');
    expect(completed).toEqual([
      expect.objectContaining({
        level: 30,
        listener: 'test',
        reqId: 'r404',
        req: { method: 'GET', url: '/nothing?x=1' },
        res: { statusCode: 404 },
        responseTime: expect.any(Number),
      }),
      expect.objectContaining({ level: 50, reqId: 'r500', res: { statusCode: 500 } }),
    ]);
  });

  it('leaves successful requests out above debug, and logs a response cut off as an error', async () => {
    t.lines.length = 0;
    expect((await fetch(t.url + '/ok')).status).toBe(200);
    await expect(fetch(t.url + '/cut', { headers: { 'X-Request-Id': 'rcut' } })).rejects.toThrow();
    await t.settle();
    expect(t.lines).toEqual([expect.objectContaining({ level: 50, reqId: 'rcut', msg: 'request aborted' })]);
  });

  it('logs successful requests at debug', async () => {
    const d = await serve('debug');
    try {
      await fetch(d.url + '/ok', { headers: { 'X-Request-Id': 'r200' } });
      await d.settle();
      expect(d.lines).toEqual([
        expect.objectContaining({
          level: 20,
          reqId: 'r200',
          msg: 'request completed',
          res: { statusCode: 200 },
        }),
      ]);
    } finally {
      d.server.close();
    }
  });
});
