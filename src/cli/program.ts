import { Command, type Option } from 'commander';
import { VERSION } from '../runtime/version.js';
import { commands } from './commands.js';

/** The `pontis` command with every sub-command, not yet parsed. */
export function buildProgram(): Command {
  const program = new Command('pontis')
    .description('Pontis: a data space connector (DSP 2025-1, DCP 1.0, ODRL, tamper-evident contract log)')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  for (const add of commands) add(program);
  return program;
}

/** The CLI reference as Markdown, generated from the commands themselves (README, `npm run docs:config`). */
export function cliReference(program = buildProgram()): string {
  const rows: string[] = ['| command | what it does | options |', '| --- | --- | --- |'];
  const walk = (cmd: Command, prefix: string) => {
    for (const sub of cmd.commands) {
      const args = sub.registeredArguments
        .map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`))
        .join(' ');
      const name = `${prefix} ${sub.name()}${args ? ' ' + args : ''}`;
      const opts = (sub.options as Option[])
        .filter((o) => o.long !== '--help')
        .map((o) => `\`${o.flags}\``)
        .join(', ');
      if (sub.commands.length === 0)
        rows.push(`| \`${name}\` | ${sub.description().replace(/\|/g, '\\|')} | ${opts} |`);
      walk(sub, name);
    }
  };
  walk(program, 'pontis');
  return rows.join('\n');
}
