import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { startConnector } from '../../runtime/connector.js';

/**
 * `pontis catalogue crawl --once`: starts the catalogue role (so that peers can resolve its DID and
 * verify its DCP tokens) without the crawl schedule, crawls every registered participant once, and
 * stops. Progress bars on a terminal, one plain line per participant otherwise.
 */
export function catalogueCommand(program: Command): void {
  const catalogue = program.command('catalogue').description('The catalogue role (federation)');
  catalogue
    .command('crawl')
    .description('Crawl every registered participant now')
    .option('-c, --config <file>', 'configuration file (YAML or JSON); PONTIS_* variables override it')
    .option(
      '--once',
      'crawl once and exit (the only mode for now; the running catalogue crawls on its schedule)',
    )
    .option('--plain', 'plain lines even on a terminal')
    .action(async (opts: { config?: string; once?: boolean; plain?: boolean }) => {
      if (!opts.once) {
        console.error('pontis catalogue crawl: pass --once (a running catalogue crawls on its own schedule)');
        process.exitCode = 2;
        return;
      }
      const loaded = loadConfig({ file: opts.config });
      if (loaded.role !== 'catalogue') {
        console.error(`pontis catalogue crawl: the configured role is ${loaded.role}; set role: catalogue`);
        process.exitCode = 2;
        return;
      }
      const config = {
        ...loaded,
        // Failures are summarised at the end; warnings would break the progress bars.
        log: { ...loaded.log, level: 'error' as const },
        catalogue: { ...loaded.catalogue, crawl: false },
      };
      const running = await startConnector(config);
      const federation = running.services.federation;
      if (!federation) {
        await running.stop();
        console.error('pontis catalogue crawl: the catalogue role has no federation module');
        process.exitCode = 1;
        return;
      }
      const tty = process.stdout.isTTY === true && !opts.plain;
      const bars = tty
        ? new cliProgress.MultiBar(
            { clearOnComplete: false, hideCursor: true, format: '{label} [{bar}] {value}/{total}' },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      let participantsBar: cliProgress.SingleBar | undefined;
      let datasetsBar: cliProgress.SingleBar | undefined;
      // Datasets found so far: finished participants plus the pages of those being crawled.
      const inProgress = new Map<string, number>();
      let finishedDatasets = 0;
      let done = 0;
      let total = 0;
      const found = () => finishedDatasets + [...inProgress.values()].reduce((a, b) => a + b, 0);
      const started = Date.now();
      try {
        const outcomes = await federation.crawlAll({
          onStart(n) {
            total = n;
            if (bars) {
              participantsBar = bars.create(n, 0, { label: 'participants' });
              datasetsBar = bars.create(0, 0, { label: 'datasets    ' }, { format: '{label} {value} found' });
            } else console.log(`crawling ${n} participant(s)`);
          },
          onPage(id, soFar) {
            inProgress.set(id, soFar);
            datasetsBar?.update(found());
          },
          onDone(o) {
            inProgress.delete(o.participant);
            finishedDatasets += o.datasets;
            done++;
            if (bars) {
              participantsBar?.update(done);
              datasetsBar?.update(found());
            } else {
              console.log(
                `[${done}/${total}] ${o.participant}: ${o.ok ? `ok, ${o.datasets} datasets` : `failed: ${o.error ?? 'unknown error'}`}`,
              );
            }
          },
        });
        bars?.stop();
        const failed = outcomes.filter((o) => !o.ok);
        console.log(
          `crawled ${outcomes.length - failed.length} of ${outcomes.length} participant(s), ${finishedDatasets} datasets, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
        if (tty) for (const f of failed) console.log(`  ${f.participant}: ${f.error ?? 'failed'}`);
        if (failed.length > 0) process.exitCode = 1;
      } finally {
        bars?.stop();
        await running.stop();
      }
    });
}
