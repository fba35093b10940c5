import type { Logger } from 'pino';
import { claimLease, maintainStore, type Database } from '../store/index.js';

const LEASE = 'store.maintenance';

/**
 * Runs a store maintenance pass (`maintainStore`) every `everyMs`, on one replica at a time (under a
 * lease), the first one soon after start. Returns a stop function that waits for a pass under way.
 */
export function startMaintenance(
  db: Database,
  options: { everyMs: number; owner: string; log: Logger },
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const pass = async () => {
    if (!(await claimLease(db, LEASE, options.owner, options.everyMs * 2))) return;
    const r = await maintainStore(db);
    options.log.debug(r, 'store maintenance done');
  };
  const tick = () => {
    running ??= pass()
      .catch((err: unknown) => options.log.warn({ err }, 'store maintenance failed'))
      .finally(() => (running = undefined));
  };
  const first = setTimeout(tick, Math.min(options.everyMs, 10_000));
  const timer = setInterval(tick, options.everyMs);
  first.unref();
  timer.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(timer);
    await running;
  };
}
