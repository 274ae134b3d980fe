import cliProgress from 'cli-progress';
import type { ProgressSink, StepProgress } from '../pipeline/context.js';
import { humanCount, rate } from './format.js';

/**
 * Draws one live bar per step on a terminal (stage, step, %, rows, rows/s); on a pipe or in CI it
 * prints one line per finished step instead, so logs stay readable.
 */
export class TerminalProgress implements ProgressSink {
  private bar: cliProgress.SingleBar | undefined;
  private label = '';
  private total: number | undefined;
  private rows: number | undefined;
  private started = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  private get interactive(): boolean {
    return Boolean(this.stream.isTTY) && !process.env['CI'];
  }

  begin(stage: string, step: string, total?: number): void {
    this.end();
    this.label = `${stage.padEnd(7)} ${step}`;
    this.total = total;
    this.rows = undefined;
    this.started = performance.now();
    if (!this.interactive) return;
    this.bar = new cliProgress.SingleBar(
      { format: '{label} |{bar}| {percentage}% {info}', stream: this.stream, hideCursor: true, clearOnComplete: true, barsize: 24, fps: 8 },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(100, 0, { label: this.label.padEnd(28), info: '' });
  }

  update(p: StepProgress): void {
    if (p.rows !== undefined) this.rows = p.rows;
    // DuckDB reports only a percentage; with the step's row total that is an estimate of rows done.
    else if (p.percent !== undefined && this.total) this.rows = Math.round((p.percent / 100) * this.total);
    if (!this.bar) return;
    const seconds = (performance.now() - this.started) / 1000;
    const percent = p.percent ?? (p.rows !== undefined && this.total ? (100 * p.rows) / this.total : undefined);
    const info = this.rows !== undefined ? `${humanCount(this.rows)} rows · ${rate(this.rows, seconds)}` : '';
    if (percent !== undefined) this.bar.update(Math.min(100, Math.round(percent)), { info });
    else this.bar.update({ info });
  }

  end(): void {
    if (!this.label) return;
    const seconds = (performance.now() - this.started) / 1000;
    this.bar?.stop();
    this.bar = undefined;
    if (this.total) this.rows = this.total; // a finished step did all its rows
    const rows = this.rows !== undefined ? ` · ${humanCount(this.rows)} rows · ${rate(this.rows, seconds)}` : '';
    this.stream.write(`✔ ${this.label} (${seconds.toFixed(2)} s${rows})\n`);
    this.label = '';
  }

  /** Stops a step that failed: restores the cursor and marks the step, without a success line. */
  fail(): void {
    if (!this.label) return;
    this.bar?.stop();
    this.bar = undefined;
    this.stream.write(`✖ ${this.label}\n`);
    this.label = '';
  }
}
