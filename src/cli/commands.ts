import type { Command } from 'commander';
import { catalogueCommand } from './commands/catalogue.js';
import { auditCommand } from './commands/audit.js';
import { configCommand } from './commands/config.js';
import { demoCommand } from './commands/demo.js';
import { issuerCommand } from './commands/issuer.js';
import { keysCommand } from './commands/keys.js';
import { startCommand } from './commands/start.js';

/** Every `pontis` sub-command; add one with one line. */
export const commands: ((program: Command) => void)[] = [
  startCommand,
  demoCommand,
  configCommand,
  auditCommand,
  keysCommand,
  issuerCommand,
  catalogueCommand,
];
