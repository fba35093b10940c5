import type { Command } from 'commander';
import { configReference, loadConfig } from '../../config/index.js';

export function configCommand(program: Command): void {
  program
    .command('config')
    .description('Check a configuration and print the result, or print the configuration reference')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .option('--markdown', 'print the configuration reference as a Markdown table')
    .option('--cli-markdown', 'print the command reference as a Markdown table')
    .action(async (opts: { config?: string; markdown?: boolean; cliMarkdown?: boolean }) => {
      if (opts.markdown) {
        console.log(configReference());
        return;
      }
      if (opts.cliMarkdown) {
        // Imported here: the program imports this command.
        const { cliReference } = await import('../program.js');
        console.log(cliReference());
        return;
      }
      const config = loadConfig({ file: opts.config });
      const shown = structuredClone(config) as Record<string, unknown>;
      // Never print secrets.
      for (const path of [
        ['management', 'apiKey'],
        ['auditor', 'apiKey'],
        ['identity', 'key'],
      ]) {
        const parent = shown[path[0]!] as Record<string, unknown>;
        if (parent[path[1]!]) parent[path[1]!] = '***';
      }
      if (typeof shown.databaseUrl === 'string')
        shown.databaseUrl = shown.databaseUrl.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
      console.log(JSON.stringify(shown, null, 2));
    });
}
