import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ConfigInput } from '../../src/config/index.js';
import { startConnector, type RunningConnector, type StartOptions } from '../../src/runtime/connector.js';
import { openTestDatabase } from './db.js';

export const MANAGEMENT_KEY = 'test-management-key-0123456789';
export const AUDITOR_KEY = 'test-auditor-key-0123456789abc';

/**
 * A connector on loopback with free ports, a fresh in-memory database from the template, silent logs
 * and known API keys. `overrides` are deep-merged over that configuration.
 */
export async function startTestConnector(
  overrides: ConfigInput = {},
  options: StartOptions & { env?: Record<string, string> } = {},
): Promise<RunningConnector> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pontis-test-'));
  const config = loadConfig({
    env: options.env ?? {},
    overrides: {
      dataDir,
      protocol: { port: 0 },
      management: { port: 0, apiKey: MANAGEMENT_KEY },
      data: { port: 0 },
      ops: { port: 0 },
      auditor: { apiKey: AUDITOR_KEY },
      log: { level: 'silent' },
      identity: { allowHttpDidWeb: true },
      ...overrides,
    } as ConfigInput,
  });
  return startConnector(config, { database: options.database ?? (await openTestDatabase()), ...options });
}

/** fetch against the management API with the management key (or `key`). */
export function management(c: RunningConnector, path: string, init: RequestInit & { key?: string } = {}) {
  const headers = new Headers(init.headers);
  headers.set('X-Api-Key', init.key ?? MANAGEMENT_KEY);
  if (init.body && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  return fetch(c.urls.management + path, { ...init, headers });
}
