import { Router } from 'express';
import type { components } from '../generated/management.js';

type Info = components['schemas']['ConnectorInfo'];

/** GET /v1/info: who this connector is and where its listeners are. */
export function systemRouter(info: () => Info): Router {
  const r = Router();
  r.get('/v1/info', (_req, res) => void res.json(info()));
  return r;
}
