import { StoreError } from './errors.js';

// The opaque `continue` token of paged lists, shared by both Store implementations.

export interface ContinueToken {
  /** The first key of the next page. */
  start: string;
  /** The revision the whole list is read at. */
  revision: number;
  /** The prefix the token belongs to (a token is not valid for another list). */
  prefix: string;
}

export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ s: token.start, r: token.revision, p: token.prefix })).toString('base64url');
}

export function decodeContinue(value: string, prefix: string): ContinueToken {
  try {
    const raw = JSON.parse(Buffer.from(value, 'base64url').toString()) as { s?: unknown; r?: unknown; p?: unknown };
    if (typeof raw.s === 'string' && typeof raw.r === 'number' && raw.p === prefix && raw.s.startsWith(prefix)) {
      return { start: raw.s, revision: raw.r, prefix };
    }
  } catch {
    // fall through to the typed error
  }
  throw new StoreError('Expired', 'continue token is invalid or belongs to another list');
}
