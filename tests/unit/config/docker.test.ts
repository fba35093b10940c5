import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configKeys, loadConfig } from '../../../src/config/index.js';

// No Docker engine runs here, so this keeps docker/ and the configuration schema from drifting apart.
const root = new URL('../../../', import.meta.url);
const compose = parse(readFileSync(new URL('docker/compose.yaml', root), 'utf8')) as {
  services: Record<string, { environment?: Record<string, string>; ports?: string[]; build?: unknown }>;
};
const dockerfile = readFileSync(new URL('docker/Dockerfile', root), 'utf8');

describe('docker/compose.yaml', () => {
  const connectors = Object.entries(compose.services).filter(([, s]) => s.build);

  it('has two connectors and a PostgreSQL server', () => {
    expect(connectors).toHaveLength(2);
    expect(compose.services.postgres).toBeDefined();
  });

  for (const [name, service] of connectors) {
    it(`${name}: its environment is a valid configuration on PostgreSQL`, () => {
      const env = { ...dockerEnv(), ...service.environment };
      const config = loadConfig({ env });
      expect(config.databaseUrl).toMatch(/^postgres:\/\/.*@postgres:5432\//);
      expect(config.bindHost).toBe('0.0.0.0');
      const published = (service.ports ?? []).map((p) => Number(p.split(':')[1]));
      expect(published.sort()).toEqual(
        [config.protocol.port, config.management.port, config.data.port, config.ops.port].sort(),
      );
    });
  }

  it('uses only variables the configuration knows', () => {
    const known = new Set([...configKeys().map((k) => k.env), 'DATABASE_URL']);
    for (const [, s] of connectors)
      for (const k of Object.keys(s.environment ?? {})) expect(known).toContain(k);
  });

  it('the image health check asks /readyz on the ops port', () => {
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*PONTIS_OPS_PORT[\s\S]*\/readyz/);
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});

/** The ENV lines of the Dockerfile's final stage. */
function dockerEnv(): Record<string, string> {
  const last = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const m of last.matchAll(/(PONTIS_[A-Z_]+)=(\S+)/g)) env[m[1]!] = m[2]!;
  return env;
}
