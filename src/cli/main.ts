import { Command, CommanderError } from 'commander';
import { ConfigError } from '../errors.js';
import { VERSION } from '../runtime/version.js';
import { commands } from './commands.js';

const program = new Command('pontis')
  .description('Pontis: a data space connector (DSP 2025-1, DCP 1.0, ODRL, tamper-evident contract log)')
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride();
for (const add of commands) add(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  if (e instanceof ConfigError) {
    console.error(e.message);
    process.exit(2);
  }
  console.error(`pontis: ${(e as Error).message}`);
  process.exit(1);
}
