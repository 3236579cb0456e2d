// The API server's warnings (RFC 7234 `Warning: 299 - "text"` headers: unknown fields under
// fieldValidation=Warn, deprecations), shown as kubectl shows them: `Warning: text` on stderr, each
// text once per command.

const WARNING = /^\s*(\d{3})\s+\S+\s+"((?:[^"\\]|\\.)*)"(?:\s+"(?:[^"\\]|\\.)*")?\s*(?:,|$)/;

/** The texts of the 299 warnings among a response's raw headers (name, value, name, value…). */
export function serverWarnings(rawHeaders: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() !== 'warning') continue;
    let rest = rawHeaders[i + 1];
    for (let m = WARNING.exec(rest); m; m = WARNING.exec(rest)) {
      // Only 299 ("miscellaneous persistent warning") is what Kubernetes servers send to people.
      if (m[1] === '299') out.push(m[2].replace(/\\(.)/g, '$1'));
      rest = rest.slice(m[0].length);
    }
  }
  return out;
}

/** Writes each warning text once per process, as kubectl's deduplicating warning handler. */
export class WarningPrinter {
  private readonly seen = new Set<string>();

  constructor(private readonly write: (line: string) => void = (line) => void process.stderr.write(line)) {}

  show(texts: readonly string[]): void {
    for (const t of texts) {
      if (this.seen.has(t)) continue;
      this.seen.add(t);
      this.write(`Warning: ${t}\n`);
    }
  }
}
