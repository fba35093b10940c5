import { describe, expect, it } from 'vitest';
import { createUrlGuard } from '../../../src/http/outgoing.js';

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
