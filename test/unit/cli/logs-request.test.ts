import { expect } from 'chai';
import { Readable } from 'node:stream';
import { LinePrefix } from '../../../src/cli/logs/line-prefix.js';
import { checkConcurrency, logRequest } from '../../../src/cli/logs/request.js';

const now = new Date('2026-12-04T12:00:00Z');

describe('okube logs flags', () => {
  it('reads all lines of one Task and the last 10 of each with a selector, as kubectl does', () => {
    expect(logRequest({}, now).tail).to.equal(undefined);
    expect(logRequest({ selector: 'app=web' }, now).tail).to.equal(10);
    expect(logRequest({ selector: 'app=web', tail: '-1' }, now).tail).to.equal(undefined);
    expect(logRequest({ tail: '0' }, now).tail).to.equal(0);
  });

  it('refuses a --tail that is not a whole number', () => {
    expect(() => logRequest({ tail: 'abc' }, now)).to.throw('invalid argument "abc" for "--tail" flag: must be a whole number');
    expect(() => logRequest({ tail: '1.5' }, now)).to.throw('--tail');
  });

  it('turns --since into the Unix time that long before now', () => {
    expect(logRequest({ since: '90s' }, now).since).to.equal(Date.parse('2026-12-04T11:58:30Z') / 1000);
    expect(logRequest({ since: '1h30m' }, now).since).to.equal(Date.parse('2026-12-04T10:30:00Z') / 1000);
  });

  it('refuses a --since that is not a positive duration', () => {
    expect(() => logRequest({ since: 'yesterday' }, now)).to.throw('invalid argument "yesterday" for "--since" flag');
    expect(() => logRequest({ since: '0s' }, now)).to.throw('--since must be greater than 0');
  });

  it('reads --since-time as an RFC3339 time with a zone and refuses other forms', () => {
    expect(logRequest({ sinceTime: '2026-12-04T11:00:00.5+01:00' }, now).since).to.equal(Date.parse('2026-12-04T10:00:00.5Z') / 1000);
    expect(() => logRequest({ sinceTime: '2026-12-04 11:00' }, now)).to.throw('--since-time "2026-12-04 11:00" must be an RFC3339 time');
    expect(() => logRequest({ sinceTime: '2026-12-04T11:00:00' }, now)).to.throw('RFC3339');
  });

  it('refuses --since with --since-time', () => {
    expect(() => logRequest({ since: '1m', sinceTime: '2026-12-04T11:00:00Z' }, now)).to.throw('at most one of `sinceTime` or `sinceSeconds` may be specified');
  });

  it('follows at most --max-log-requests streams (5 by default) and refuses a limit below 1', () => {
    expect(logRequest({}, now).maxLogRequests).to.equal(5);
    expect(() => checkConcurrency(6, true, 5)).to.throw('you are attempting to follow 6 log streams, but maximum allowed concurrency is 5');
    expect(() => checkConcurrency(6, false, 5)).to.not.throw();
    expect(() => checkConcurrency(5, true, 5)).to.not.throw();
    expect(() => logRequest({ maxLogRequests: '0' }, now)).to.throw('--max-log-requests should be greater than 0');
  });
});

describe('LinePrefix', () => {
  const through = async (prefix: string, chunks: Array<string | Buffer>) => {
    let out = '';
    for await (const c of Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))).pipe(new LinePrefix(prefix))) out += String(c);
    return out;
  };

  it('prefixes each line and passes on only whole lines, the last one at the end', async () => {
    expect(await through('[task/a] ', ['one\ntw', 'o\n\nthr', 'ee'])).to.equal('[task/a] one\n[task/a] two\n[task/a] \n[task/a] three');
  });

  it('keeps a UTF-8 character split between two chunks whole', async () => {
    const bytes = Buffer.from('größe\n');
    expect(await through('', [bytes.subarray(0, 3), bytes.subarray(3)])).to.equal('größe\n');
  });
});
