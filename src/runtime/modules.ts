import type { Config } from '../config/index.js';
import type { ModuleFactory } from './module.js';
import { auditModule } from './modules/audit.js';
import { catalogModule } from './modules/catalog.js';
import { discoveryModule, federationModule } from './modules/federation.js';
import { identityModule } from './modules/identity.js';
import { issuerModule } from './modules/issuer.js';
import { negotiationModule } from './modules/negotiation.js';
import { policiesModule } from './modules/policies.js';
import { systemModule } from './modules/system.js';
import { transferModule } from './modules/transfer.js';

/**
 * The modules of each role, in dependency order: a module may use the services of those before it.
 * Add a module here with one line.
 */
export function modulesFor(role: Config['role']): ModuleFactory[] {
  switch (role) {
    case 'connector':
      return [
        systemModule,
        identityModule,
        policiesModule,
        auditModule,
        catalogModule,
        negotiationModule,
        discoveryModule,
        transferModule,
      ];
    case 'catalogue':
      return [systemModule, identityModule, federationModule];
    case 'issuer':
      return [systemModule, identityModule, issuerModule];
  }
}
