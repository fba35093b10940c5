import { systemRouter } from '../../http/management/system.js';
import { VERSION } from '../version.js';
import type { ModuleFactory } from '../module.js';

export const systemModule: ModuleFactory = (ctx) => ({
  name: 'system',
  management: systemRouter(() => ({
    name: ctx.config.name,
    role: ctx.config.role,
    version: VERSION,
    did: ctx.services.did,
    database: ctx.db.kind,
    urls: ctx.urls,
  })),
});
