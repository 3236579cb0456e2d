// kubectl reads a manifest that starts with "{" as a stream of JSON objects, one after another
// with only whitespace between them (what `jq -c` or several `kubectl get -o json` write); YAML's
// "---" is not needed. This splits such a stream and parses each value.

export class JsonStreamError extends Error {
  constructor(
    message: string,
    /** 1-based position in the stream of the value that failed. */
    readonly document: number,
    /** 0-based line where it failed. */
    readonly line: number,
  ) {
    super(message);
  }
}

/** Whether kubectl would read `text` as JSON: its first non-blank character is "{". */
export function looksLikeJson(text: string): boolean {
  return /^\s*\{/.test(text);
}

/** The line (0-based) of offset `at` in `text`. */
function lineAt(text: string, at: number): number {
  let n = 0;
  for (let i = 0; i < at && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Where the value starting at `start` (a "{" or "[") ends: the offset after its closing bracket, or -1. */
function valueEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** The values of a JSON stream (each an object or array); throws JsonStreamError naming the value and line. */
export function parseJsonStream(text: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) return out;
    const document = out.length + 1;
    if (text[i] !== '{' && text[i] !== '[') throw new JsonStreamError(`invalid character ${JSON.stringify(text[i])} looking for beginning of value`, document, lineAt(text, i));
    const end = valueEnd(text, i);
    if (end < 0) throw new JsonStreamError('unexpected end of JSON input', document, lineAt(text, text.length));
    try {
      out.push(JSON.parse(text.slice(i, end)));
    } catch (err) {
      const at = /position (\d+)/.exec((err as Error).message);
      throw new JsonStreamError((err as Error).message, document, lineAt(text, i + (at ? Number(at[1]) : 0)));
    }
    i = end;
  }
}
