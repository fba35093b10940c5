import type { Express } from 'express';
import type { Registry } from 'prom-client';
import type { Database } from '../store/db.js';

/** /livez (the process answers), /readyz (the database answers), /metrics (Prometheus). */
export function mountOps(
  app: Express,
  deps: { db: Database; metrics: Registry; isReady: () => boolean },
): void {
  app.get('/livez', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    if (!deps.isReady()) return void res.status(503).json({ status: 'starting' });
    try {
      await deps.db.query('SELECT 1');
      res.json({ status: 'ok', database: deps.db.kind });
    } catch (e) {
      res.status(503).json({ status: 'unavailable', database: deps.db.kind, message: (e as Error).message });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', deps.metrics.contentType);
    res.send(await deps.metrics.metrics());
  });
}
