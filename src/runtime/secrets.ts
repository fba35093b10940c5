import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A secret from configuration, or else the one stored under the data directory, or else a new one
 * written there (mode 0600) so that it survives restarts. Returns where it came from for the start-up log.
 */
export function secretOrGenerated(
  configured: string | undefined,
  dataDir: string,
  name: string,
): { value: string; file?: string } {
  if (configured) return { value: configured };
  const file = join(dataDir, name);
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), file };
  const value = randomBytes(24).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, value + '\n', { mode: 0o600 });
  return { value, file };
}
