import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configKeys, loadConfig } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'pontis-config-'));

describe('configuration', () => {
  it('works with no file and no environment', () => {
    const c = loadConfig({ env: {} });
    expect(c.protocol.port).toBe(8282);
    expect(c.management.port).toBe(8181);
    expect(c.data.port).toBe(8185);
    expect(c.ops.port).toBe(8186);
    expect(c.dataDir).toBe('./.pontis/data');
    expect(c.databaseUrl).toBeUndefined();
  });

  it('reads the names operators and scripts rely on from the environment', () => {
    const c = loadConfig({
      env: {
        PONTIS_DATA_DIR: '/var/lib/pontis',
        DATABASE_URL: 'postgres://u:p@db:5432/pontis',
        PONTIS_PROTOCOL_PORT: '9282',
        PONTIS_MANAGEMENT_PORT: '9181',
        PONTIS_DATA_PORT: '9185',
        PONTIS_OPS_PORT: '9186',
        PONTIS_MANAGEMENT_API_KEY: 'a-management-key-of-some-length',
        PONTIS_AUDITOR_API_KEY: 'an-auditor-key-of-some-length',
        PONTIS_PUBLIC_URL: 'https://connector.example.org/dsp',
        PONTIS_NETWORK_DENY: '10.0.0.0/8, 169.254.169.254',
        PONTIS_IDENTITY_ALLOW_HTTP_DID_WEB: 'true',
      },
    });
    expect(c).toMatchObject({
      dataDir: '/var/lib/pontis',
      databaseUrl: 'postgres://u:p@db:5432/pontis',
      protocol: { port: 9282 },
      management: { port: 9181, apiKey: 'a-management-key-of-some-length' },
      data: { port: 9185 },
      ops: { port: 9186 },
      auditor: { apiKey: 'an-auditor-key-of-some-length' },
      publicUrl: 'https://connector.example.org/dsp',
      network: { deny: ['10.0.0.0/8', '169.254.169.254'] },
      identity: { allowHttpDidWeb: true },
    });
  });

  it('lets the environment override the file, YAML or JSON', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'c.yaml'), 'name: acme\nprotocol:\n  port: 1000\nmanagement:\n  port: 1001\n');
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ name: 'json', ops: { port: 7 } }));
    const c = loadConfig({ file: join(dir, 'c.yaml'), env: { PONTIS_PROTOCOL_PORT: '2000' } });
    expect([c.name, c.protocol.port, c.management.port]).toEqual(['acme', 2000, 1001]);
    expect(loadConfig({ file: join(dir, 'c.json'), env: {} }).ops.port).toBe(7);
  });

  it('names the key, where it came from, the value and what is expected', () => {
    expect(() => loadConfig({ env: { PONTIS_MANAGEMENT_PORT: 'abc' } })).toThrow(
      /management\.port \(from PONTIS_MANAGEMENT_PORT\) = "abc": expected a number/,
    );
    expect(() => loadConfig({ env: { PONTIS_OPS_PORT: '70000' } })).toThrow(
      /ops\.port .* = 70000: expected at most 65535/,
    );
    expect(() => loadConfig({ env: { PONTIS_PUBLIC_URL: 'ftp://x' } })).toThrow(
      /publicUrl \(from PONTIS_PUBLIC_URL\)/,
    );
    expect(() => loadConfig({ env: { DATABASE_URL: 'mysql://x' } })).toThrow(
      /databaseUrl \(from DATABASE_URL\) = "mysql:\/\/x"/,
    );
    expect(() => loadConfig({ env: { PONTIS_MANAGEMENT_API_KEY: 'short' } })).toThrow(/at least 16/);
  });

  it('refuses unknown keys in the file, also nested ones, and unreadable files', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'typo.yaml'), 'managment:\n  port: 1\n');
    writeFileSync(join(dir, 'nested.yaml'), 'management:\n  apikey: xxxxxxxxxxxxxxxxxxxxxx\n');
    writeFileSync(join(dir, 'bad.yaml'), 'a: [unclosed\n');
    expect(() => loadConfig({ file: join(dir, 'typo.yaml'), env: {} })).toThrow(
      /unknown configuration key: managment/,
    );
    expect(() => loadConfig({ file: join(dir, 'nested.yaml'), env: {} })).toThrow(
      /unknown configuration key in management: apikey/,
    );
    expect(() => loadConfig({ file: join(dir, 'bad.yaml'), env: {} })).toThrow(/not valid YAML or JSON/);
    expect(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {} })).toThrow(ConfigError);
  });

  it('refuses an unknown PONTIS_ variable instead of ignoring a typo', () => {
    expect(() => loadConfig({ env: { PONTIS_MANAGMENT_PORT: '1' } })).toThrow(
      /unknown environment variable PONTIS_MANAGMENT_PORT/,
    );
    expect(loadConfig({ env: { PONTIS_SECRET_ORIGIN_TOKEN: 'x' } }).role).toBe('connector');
  });

  it('derives one distinct environment name per key', () => {
    const names = configKeys().map((k) => k.env);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'PONTIS_DATA_DIR',
        'PONTIS_PROTOCOL_PORT',
        'PONTIS_MANAGEMENT_PORT',
        'PONTIS_DATA_PORT',
        'PONTIS_OPS_PORT',
        'PONTIS_MANAGEMENT_API_KEY',
        'PONTIS_AUDITOR_API_KEY',
        'PONTIS_PUBLIC_URL',
      ]),
    );
  });
});
