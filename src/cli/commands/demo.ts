import type { Command } from 'commander';
import { runDemo } from '../demo/story.js';

export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Start a local data space on loopback (authority, provider, consumer, catalogue) and walk through the whole story',
    )
    .option('--keep', 'leave everything running afterwards and print the URLs and keys to explore by hand')
    .option('--postgres <url>', 'run every participant on this PostgreSQL server (one schema each)')
    .option('--log-level <level>', 'log level of the participants', 'silent')
    .action(
      async (opts: {
        keep?: boolean;
        postgres?: string;
        logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug';
      }) => {
        const run = await runDemo({ keep: opts.keep, postgres: opts.postgres, logLevel: opts.logLevel });
        if (!opts.keep) {
          await run.stop();
          process.exitCode = run.ok ? 0 : 1;
          return;
        }
        await new Promise<void>((resolve) => {
          const done = () => void run.stop().then(resolve, resolve);
          process.once('SIGINT', done);
          process.once('SIGTERM', done);
        });
        process.exitCode = run.ok ? 0 : 1;
      },
    );
}
