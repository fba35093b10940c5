import { CommanderError } from 'commander';
import { ConfigError } from '../errors.js';
import { buildProgram } from './program.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  if (e instanceof ConfigError) {
    console.error(e.message);
    process.exit(2);
  }
  console.error(`pontis: ${(e as Error).message}`);
  process.exit(1);
}
