import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { startConnector } from '../../runtime/connector.js';

export function startCommand(program: Command): void {
  program
    .command('start')
    .description('Start in the configured role (connector by default) until SIGTERM or SIGINT')
    .option('-c, --config <file>', 'configuration file (YAML or JSON); PONTIS_* variables override it')
    .action(async (opts: { config?: string }) => {
      const config = loadConfig({ file: opts.config });
      const running = await startConnector(config);
      // Handlers first: a signal that arrives right after the URLs are printed must stop us cleanly.
      const stopped = new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          console.log(`${signal}: stopping (finishing in-flight requests)`);
          running.stop().then(resolve, (e: unknown) => {
            console.error(`error while stopping: ${(e as Error).message}`);
            process.exitCode = 1;
            resolve();
          });
        };
        process.once('SIGTERM', () => shutdown('SIGTERM'));
        process.once('SIGINT', () => shutdown('SIGINT'));
      });
      const { urls } = running;
      const keyHint = config.management.apiKey
        ? 'from configuration'
        : `in ${config.dataDir}/management-api-key`;
      console.log(
        [
          `Pontis ${config.role} "${config.name}" is running (${running.db.kind} store)`,
          `  DID             ${running.services.did}`,
          `  protocol API    ${urls.protocol}   (public as ${urls.public})`,
          `  management API  ${urls.management}   (X-Api-Key ${keyHint}; docs at ${urls.management}/docs)`,
          `  data plane      ${urls.data}`,
          `  ops             ${urls.ops}   (/livez /readyz /metrics)`,
        ].join('\n'),
      );
      await stopped;
    });
}
