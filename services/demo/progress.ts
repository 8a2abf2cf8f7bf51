/**
 * Backfill progress with its rate and the time left: a bar redrawn in place on a terminal, a plain line
 * every few seconds otherwise (a log file or CI keeps every line readable).
 */

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

const count = (value: number) => Math.round(value).toLocaleString('en-US');

function eta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  return seconds >= 60 ? `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s` : `${Math.round(seconds)} s`;
}

export function describeProgress(done: number, total: number, elapsedMs: number): { share: number; rate: number; text: string } {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const left = rate > 0 ? Math.max(0, total - done) / rate : Number.POSITIVE_INFINITY;
  return { share, rate, text: `${count(done)}/${count(total)} events (${(share * 100).toFixed(1)} %), ${count(rate)} events/s, ETA ${eta(left)}` };
}

export class Progress {
  private readonly started = Date.now();
  private shownAt = 0;

  constructor(
    private readonly out: ProgressOutput,
    private readonly label: string,
    private readonly total: number,
    private readonly plainEveryMs = 5000,
  ) {}

  update(done: number): void {
    const now = Date.now();
    if (now - this.shownAt < (this.out.isTTY === true ? 200 : this.plainEveryMs)) return;
    this.shownAt = now;
    this.show(done, false);
  }

  finish(done: number): void {
    this.show(done, true);
  }

  private show(done: number, last: boolean): void {
    const { share, text } = describeProgress(done, Math.max(done, last ? done : this.total), Date.now() - this.started);
    if (this.out.isTTY === true) {
      const filled = Math.round(share * 30);
      this.out.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${text}\u001b[K${last ? '\n' : ''}`);
    } else this.out.write(`${this.label}: ${text}\n`);
  }
}
