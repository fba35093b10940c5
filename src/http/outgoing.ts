import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import { PeerError, ValidationError } from '../errors.js';
import { readAtMost, type HttpTransport } from '../protocol/client.js';

export interface NetworkRules {
  allow: string[];
  deny: string[];
  allowHttp: boolean;
}

/** Checks an address before the connector calls it; throws a 400-type error naming the address and the rule. */
export type UrlGuard = (url: string) => Promise<void>;

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

interface Rules {
  ips: BlockList;
  names: string[];
  empty: boolean;
}

function compile(entries: string[]): Rules {
  const ips = new BlockList();
  const names: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const [addr, bits] = entry.split('/');
    const family = isIP(addr!);
    if (family) {
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits !== undefined) ips.addSubnet(addr!, Number(bits), type);
      else ips.addAddress(addr!, type);
    } else names.push(entry);
  }
  return { ips, names, empty: entries.every((e) => !e.trim()) };
}

/** `example.org` matches itself; `*.example.org` matches its subdomains. */
const nameMatches = (host: string, pattern: string) =>
  pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern;

function ipIn(list: BlockList, ip: string) {
  return list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The connector's outgoing allow/deny list. Host names are resolved, and every address they resolve
 * to is checked against CIDR rules, so a name cannot smuggle a denied address past the list.
 * Plain http:// is allowed to loopback hosts, otherwise only when `allowHttp` is set.
 */
export function createUrlGuard(rules: NetworkRules, resolve = defaultResolve): UrlGuard {
  const lists = listsOf(rules);
  return async (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ValidationError(`not a valid URL: ${JSON.stringify(raw)}`, undefined, 'invalid_address');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ValidationError(`address ${raw} must use http or https`, undefined, 'address_not_allowed');
    }
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const ips = await addressesOf(host, resolve);
    const loopback = host === 'localhost' || (ips.length > 0 && ips.every((ip) => ipIn(LOOPBACK, ip)));
    if (url.protocol === 'http:' && !loopback && !rules.allowHttp) {
      throw new ValidationError(
        `address ${raw} uses plain http to a non-loopback host (set network.allowHttp to permit)`,
        undefined,
        'address_not_allowed',
      );
    }
    if (lists.denies(host, ips)) {
      throw new ValidationError(
        `address ${raw} is on the network deny list`,
        undefined,
        'address_not_allowed',
      );
    }
    if (!lists.allows(host, ips)) {
      throw new ValidationError(
        `address ${raw} is not on the network allow list`,
        undefined,
        'address_not_allowed',
      );
    }
  };
}

/**
 * A `lookup` for sockets (node:http's option, undici's connect option) that resolves the name when
 * the connection is made and returns only addresses the deny/allow rules accept. The URL guard
 * (called first, by the caller) checks scheme and names; without this, a name could resolve to an
 * allowed address for the guard and to a denied one for the connection (DNS rebinding).
 */
export function createCheckedLookup(rules: NetworkRules, resolve = defaultResolve): LookupFunction {
  const lists = listsOf(rules);
  return (hostname, options, callback) => {
    const host = hostname.toLowerCase();
    void (async () => {
      const ips = await addressesOf(host, resolve);
      const ok = ips.filter((ip) => !lists.denies(host, [ip]) && lists.allows(host, [ip]));
      if (ok.length === 0) {
        const e = Object.assign(new Error(`${hostname} resolves to no address the network rules allow`), {
          code: 'address_not_allowed',
        });
        callback(e, '', 4);
        return;
      }
      if (options.all) {
        callback(null, ok.map((address) => ({ address, family: isIP(address) })) as never, 0);
      } else callback(null, ok[0]!, isIP(ok[0]!));
    })();
  };
}

/**
 * Node's fetch, and the DSP client's transport on undici's `request` (no web streams: about a quarter
 * of fetch's CPU per call), sharing one connection pool whose sockets use `createCheckedLookup`.
 */
export function createGuardedHttp(
  rules: NetworkRules,
  resolve = defaultResolve,
): { fetch: typeof fetch; transport: HttpTransport } {
  const dispatcher = new Agent({ connect: { lookup: createCheckedLookup(rules, resolve) } });
  return {
    // `dispatcher` is undici's option on Node's fetch; the DOM RequestInit type does not list it.
    fetch: (input, init) => fetch(input, { ...init, dispatcher } as RequestInit),
    transport: async ({ method, url, headers, body, timeoutMs, maxBytes }) => {
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const res = await request(url, { method, headers, body, dispatcher, signal });
        const text = await readAtMost(
          res.body,
          header(res.headers['content-length']),
          maxBytes,
          url,
          res.statusCode,
        );
        return { status: res.statusCode, location: header(res.headers.location), text };
      } catch (e) {
        // undici reports the abort in its own words; the caller tells a timeout by this name.
        if (signal.aborted && !(e instanceof PeerError))
          throw Object.assign(new Error('timed out'), { name: 'TimeoutError' });
        throw e;
      }
    },
  };
}

/** undici gives a repeated header as an array: its first value. */
const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The deny and allow lists, compiled once: a name matches by pattern, its addresses by CIDR. */
function listsOf(rules: NetworkRules) {
  const allow = compile(rules.allow);
  const deny = compile(rules.deny);
  return {
    denies: (host: string, ips: string[]) =>
      deny.names.some((p) => nameMatches(host, p)) || ips.some((ip) => ipIn(deny.ips, ip)),
    allows: (host: string, ips: string[]) =>
      allow.empty || allow.names.some((p) => nameMatches(host, p)) || ips.some((ip) => ipIn(allow.ips, ip)),
  };
}

// localhost is loopback by definition (RFC 6761): no lookup on every call to a local peer.
async function addressesOf(host: string, resolve: (host: string) => Promise<string[]>): Promise<string[]> {
  return isIP(host) ? [host] : host === 'localhost' ? ['127.0.0.1'] : await resolve(host);
}

async function defaultResolve(host: string): Promise<string[]> {
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return []; // unresolvable: the call itself fails later with a clear error
  }
}
