import { serverError } from './api-error.js';
import { readAll, type Connection } from './connection.js';

// A watch stream (?watch=1) as an async sequence of events, one JSON object per line.

export interface WatchEvent<T = unknown> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export async function* watchEvents<T = unknown>(conn: Connection, path: string, query: Record<string, string | undefined>, accept: string): AsyncGenerator<WatchEvent<T>> {
  const res = await conn.open(path, { query: { ...query, watch: '1' }, accept });
  const code = res.statusCode ?? 0;
  if (code < 200 || code >= 300) {
    const text = await readAll(res);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // shown as text
    }
    throw serverError(code, body);
  }
  let buf = '';
  try {
    for await (const chunk of res) {
      buf += (chunk as Buffer).toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) yield JSON.parse(line) as WatchEvent<T>;
      }
    }
  } catch (err) {
    // Only the stream's own errors land here: a consumer that stops early ends this generator through finally.
    throw conn.streamError(err, 'the watch');
  } finally {
    res.destroy();
  }
}
