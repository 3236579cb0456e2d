// Progress of a long batch on stderr: one line rewritten in place on a terminal; otherwise, for
// batches of at least MANY objects, a line every tenth of the way (logs stay readable).

const MANY = 20;

export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private readonly every: number;
  private shown = false;

  constructor(
    private readonly verb: string,
    private readonly total: number,
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {
    this.every = Math.max(1, Math.ceil(total / 10));
  }

  private get enabled(): boolean {
    return this.total > 1 && (this.tty || this.total >= MANY);
  }

  step(index: number, what: string): void {
    if (!this.enabled) return;
    if (this.tty) {
      this.out.write(`\r\x1b[K[${index + 1}/${this.total}] ${this.verb} ${what}`);
      this.shown = true;
    } else if (index % this.every === 0) this.out.write(`${this.verb} ${index + 1}/${this.total}: ${what}\n`);
  }

  /** Wipes the in-place line before something else is printed. */
  clear(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }

  done(failed: number): void {
    this.clear();
    if (this.enabled && !this.tty) this.out.write(`${this.verb} done: ${this.total - failed}/${this.total} succeeded\n`);
  }
}
