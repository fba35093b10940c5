/**
 * What the demo prints: one step at a time, a spinner while it runs (on a terminal), then one line
 * saying what happened and why, and a summary table at the end. Plain lines when not on a terminal.
 */
export interface StepOutcome {
  /** Short name for the summary table. */
  name: string;
  ok: boolean;
  /** One line: what happened and why. */
  detail: string;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class DemoConsole {
  readonly outcomes: StepOutcome[] = [];

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly interactive = Boolean(out.isTTY),
  ) {}

  line(text = ''): void {
    this.out.write(text + '\n');
  }

  /** Runs one step with a progress indicator; `run` returns the line to print, or throws. */
  async step(
    name: string,
    doing: string,
    run: (progress: (what: string) => void) => Promise<string>,
  ): Promise<StepOutcome> {
    const n = this.outcomes.length + 1;
    let what = doing;
    let frame = 0;
    const started = Date.now();
    const draw = () => {
      if (!this.interactive) return;
      const text = `${FRAMES[frame++ % FRAMES.length]} ${n}. ${what}`;
      this.out.write(`\r\x1b[2K${text.slice(0, (this.out.columns ?? 100) - 1)}`);
    };
    if (!this.interactive) this.line(`${n}. ${doing} ...`);
    draw();
    const timer = setInterval(draw, 80);
    const progress = (next: string) => {
      what = next;
      if (!this.interactive) this.line(`   ${next}`);
    };
    let outcome: StepOutcome;
    try {
      const detail = await run(progress);
      outcome = { name, ok: true, detail };
    } catch (e) {
      outcome = { name, ok: false, detail: (e as Error).message };
    } finally {
      clearInterval(timer);
    }
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (this.interactive) this.out.write('\r\x1b[2K');
    this.line(`${outcome.ok ? '✔' : '✘'} ${n}. ${outcome.name} (${secs} s)`);
    for (const l of outcome.detail.split('\n')) this.line(`     ${l}`);
    this.outcomes.push(outcome);
    return outcome;
  }

  summary(): void {
    const width = Math.max(...this.outcomes.map((o) => o.name.length), 4);
    this.line();
    this.line(`  ${'step'.padEnd(width)}  result`);
    this.line(`  ${'-'.repeat(width)}  ------`);
    for (const o of this.outcomes) this.line(`  ${o.name.padEnd(width)}  ${o.ok ? 'ok' : 'FAILED'}`);
    this.line();
  }
}
