import { Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * Puts `prefix` before every line (kubectl logs --prefix: `[task/NAME] `). Several Tasks'
 * streams are written to one stdout, so a line is passed on only once it is whole; a last line
 * without a newline is passed on at the end.
 */
export class LinePrefix extends Transform {
  private rest = '';
  // A UTF-8 character may be split between two chunks.
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly prefix: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const text = this.rest + this.decoder.write(chunk);
    const end = text.lastIndexOf('\n');
    this.rest = text.slice(end + 1);
    if (end < 0) return done();
    done(null, text.slice(0, end).split('\n').map((line) => `${this.prefix}${line}\n`).join(''));
  }

  override _flush(done: TransformCallback): void {
    const rest = this.rest + this.decoder.end();
    done(null, rest ? `${this.prefix}${rest}` : '');
  }
}
