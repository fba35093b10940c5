import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckedLookup, createGuardedHttp, createUrlGuard } from '../../../src/http/outgoing.js';

const dns: Record<string, string[]> = {
  'peer.example.org': ['203.0.113.10'],
  'sneaky.example.org': ['169.254.169.254'],
  'intranet.example.org': ['10.1.2.3'],
};
const resolve = async (h: string) => dns[h] ?? [];

describe('outgoing address guard', () => {
  it('allows loopback over http, and https anywhere not denied, by default', async () => {
    const guard = createUrlGuard({ allow: [], deny: [], allowHttp: false }, resolve);
    await expect(guard('http://127.0.0.1:8282/x')).resolves.toBeUndefined();
    await expect(guard('http://localhost:1/')).resolves.toBeUndefined();
    await expect(guard('https://peer.example.org/dsp')).resolves.toBeUndefined();
    await expect(guard('http://peer.example.org/dsp')).rejects.toThrow(/plain http to a non-loopback host/);
    await expect(guard('file:///etc/passwd')).rejects.toThrow(/must use http or https/);
    await expect(guard('not a url')).rejects.toThrow(/not a valid URL/);
  });

  it('refuses denied CIDRs also when a host name resolves into them', async () => {
    const guard = createUrlGuard(
      { allow: [], deny: ['169.254.0.0/16', '10.0.0.0/8'], allowHttp: true },
      resolve,
    );
    await expect(guard('http://169.254.169.254/latest')).rejects.toThrow(/deny list/);
    await expect(guard('https://sneaky.example.org/')).rejects.toThrow(/deny list/);
    await expect(guard('https://intranet.example.org/')).rejects.toThrow(/deny list/);
    await expect(guard('https://peer.example.org/')).resolves.toBeUndefined();
  });

  it('with an allow list, refuses anything not on it; names and wildcards match', async () => {
    const guard = createUrlGuard(
      { allow: ['*.example.org', '127.0.0.0/8'], deny: ['intranet.example.org'], allowHttp: false },
      resolve,
    );
    await expect(guard('https://peer.example.org/')).resolves.toBeUndefined();
    await expect(guard('http://127.0.0.1:9/')).resolves.toBeUndefined();
    await expect(guard('https://other.net/')).rejects.toThrow(/not on the network allow list/);
    await expect(guard('https://intranet.example.org/')).rejects.toThrow(/deny list/);
  });
});

describe('guarded fetch', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const rules = { allow: [], deny: ['127.0.0.1'], allowHttp: true };

  it('refuses at connect time a name that resolves to a denied address after the check (DNS rebinding)', async () => {
    // The check sees a documentation address; the connection would go to the denied loopback one.
    const answers = [['192.0.2.10'], ['127.0.0.1']];
    let lookups = 0;
    const resolve = async () => (lookups++, answers.shift() ?? []);
    const url = `http://rebind.example:${port}/`;
    await createUrlGuard(rules, resolve)(url);
    const before = hits;
    await expect(createGuardedHttp(rules, resolve).fetch(url)).rejects.toThrow(/fetch failed/);
    // Resolved for the check and again for the connection, whose answer was refused.
    expect(lookups).toBe(2);
    expect(hits).toBe(before);
  });

  it('gives node:http requests (push, data proxy) the same check through their lookup option', async () => {
    const resolve = async () => ['127.0.0.1'];
    const call = (r: typeof rules) =>
      new Promise<string>((ok, fail) =>
        get(
          `http://peer.example:${port}/`,
          { agent: false, lookup: createCheckedLookup(r, resolve) },
          (res) => {
            res.resume();
            ok(String(res.statusCode));
          },
        ).on('error', (e: NodeJS.ErrnoException) => fail(e)),
      );
    await expect(call({ allow: [], deny: [], allowHttp: true })).resolves.toBe('200');
    await expect(call(rules)).rejects.toMatchObject({ code: 'address_not_allowed' });
  });

  it('connects to an address the rules allow, and not to a denied one', async () => {
    const open = { allow: [], deny: [], allowHttp: true };
    const resolve = async () => ['127.0.0.1'];
    const before = hits;
    const res = await createGuardedHttp(open, resolve).fetch(`http://peer.example:${port}/`);
    expect(await res.text()).toBe('ok');
    await expect(createGuardedHttp(rules, resolve).fetch(`http://peer.example:${port}/`)).rejects.toThrow(
      /fetch failed/,
    );
    expect(hits).toBe(before + 1);
    // The DSP client's transport connects through the same check.
    const exchange = { method: 'GET' as const, headers: {}, timeoutMs: 2000, maxBytes: 1000 };
    const url = `http://peer.example:${port}/`;
    await expect(createGuardedHttp(open, resolve).transport({ ...exchange, url })).resolves.toMatchObject({
      status: 200,
      text: 'ok',
    });
    await expect(createGuardedHttp(rules, resolve).transport({ ...exchange, url })).rejects.toMatchObject({
      code: 'address_not_allowed',
    });
    expect(hits).toBe(before + 2);
  });
});
