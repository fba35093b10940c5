import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';

interface ApiOptions {
  config?: string;
  url?: string;
  apiKey?: string;
}

/** The issuer's management API: --url/--api-key, else from the configuration (and the key file in its data directory). */
function api(opts: ApiOptions) {
  const config = loadConfig({ file: opts.config });
  const base = (
    opts.url ??
    `http://${config.bindHost === '0.0.0.0' ? '127.0.0.1' : config.bindHost}:${config.management.port}`
  ).replace(/\/+$/, '');
  const keyFile = join(config.dataDir, 'management-api-key');
  const key =
    opts.apiKey ??
    config.management.apiKey ??
    (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
  if (!key) {
    console.error(
      'no management API key: pass --api-key, set management.apiKey, or run from the issuer data directory',
    );
    process.exit(2);
  }
  return async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers: { 'x-api-key': key, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (e) {
      console.error(`cannot reach the issuer at ${base}: ${(e as Error).message}`);
      process.exit(1);
    }
    const text = await res.text();
    if (!res.ok) {
      console.error(`${method} ${path} answered ${res.status}: ${text}`);
      process.exit(res.status < 500 ? 2 : 1);
    }
    console.log(text ? JSON.stringify(JSON.parse(text), null, 2) : '');
  };
}

const common = (c: Command) =>
  c
    .option('-c, --config <file>', 'the issuer configuration (YAML or JSON)')
    .option('--url <url>', 'management URL of the issuer (default from the configuration)')
    .option('--api-key <key>', 'management API key (default from the configuration or data directory)');

/** `pontis issuer …`: operate the issuer role through its authenticated API (start it with `pontis start` and role: issuer). */
export function issuerCommand(program: Command): void {
  const issuer = program
    .command('issuer')
    .description('Issuer role: issue, list, revoke credentials; approve or reject onboarding requests');
  common(
    issuer
      .command('issue')
      .description('Issue a credential (MembershipCredential by default) to a holder DID'),
  )
    .requiredOption('--holder <did>', 'the holder DID')
    .option(
      '--type <type>',
      'credential type (MembershipCredential or a configured template)',
      'MembershipCredential',
    )
    .option('--claims <json>', 'extra credentialSubject claims as JSON')
    .option('--deliver', "deliver it to the holder's credential service")
    .action(async (o: ApiOptions & { holder: string; type: string; claims?: string; deliver?: boolean }) => {
      let claims: unknown;
      try {
        claims = o.claims ? JSON.parse(o.claims) : undefined;
      } catch {
        console.error('--claims is not JSON');
        process.exit(2);
      }
      await api(o)('POST', '/v1/issuer/credentials', {
        holderDid: o.holder,
        type: o.type,
        claims,
        deliver: !!o.deliver,
      });
    });
  common(issuer.command('list').description('List issued credentials and requests')).action(
    async (o: ApiOptions) => api(o)('GET', '/v1/issuer/credentials?limit=500'),
  );
  for (const verb of ['revoke', 'approve', 'reject'] as const) {
    common(
      issuer
        .command(`${verb} <id>`)
        .description(`${verb[0]!.toUpperCase()}${verb.slice(1)} a credential or request by id`),
    ).action(async (id: string, o: ApiOptions) =>
      api(o)('POST', `/v1/issuer/credentials/${encodeURIComponent(id)}/${verb}`),
    );
  }
}
