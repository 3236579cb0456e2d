import { expect } from 'chai';
import { parseIntError, queryBool, queryInt } from '../../../src/apiserver/query-params.js';
import type { Resource } from '../../../src/apiserver/registry.js';
import { requestInfo } from '../../../src/apiserver/request-info.js';
import { ApiError } from '../../../src/apiserver/status.js';
import { parseWatchParams } from '../../../src/apiserver/watch.js';

// Query parameters as kube-apiserver reads them (apimachinery pkg/runtime/conversion.go):
// booleans are true unless "0" or "false" in any case; integers are strconv.ParseInt(s, 10, 64).

const TRUE_VALUES = ['true', 'True', 'TRUE', 'tRuE', '1', 't', 'T', 'yes', '2', ''];
const FALSE_VALUES = ['false', 'False', 'FALSE', 'fAlSe', '0'];
const GOOD_INTS: Array<[string, number]> = [['0', 0], ['5', 5], ['+5', 5], ['-5', -5], ['007', 7], ['9223372036854775807', Number('9223372036854775807')]];
const BAD_INTS: Array<[string, string]> = [
  ['', 'invalid syntax'],
  ['abc', 'invalid syntax'],
  ['1.5', 'invalid syntax'],
  [' 5', 'invalid syntax'],
  ['5s', 'invalid syntax'],
  ['1_000', 'invalid syntax'],
  ['0x10', 'invalid syntax'],
  ['+', 'invalid syntax'],
  ['9223372036854775808', 'value out of range'],
  ['-9223372036854775809', 'value out of range'],
];

const q = (s: string) => new URLSearchParams(s);
const task = { def: { kind: 'Task', plural: 'tasks', group: 'okube.dev' } } as unknown as Resource;
const watchParams = (s: string) => parseWatchParams(task, q(s), undefined, 1_800_000);
const verb = (s: string) => requestInfo('GET', `/apis/okube.dev/v1alpha1/namespaces/a/tasks?${s}`, undefined, () => ({ namespaced: true })).verb;

function badRequestOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected a BadRequest');
}

describe('query parameters (kube-apiserver parsing)', () => {
  describe('queryBool', () => {
    for (const v of TRUE_VALUES) it(`reads ${JSON.stringify(v)} as true`, () => expect(queryBool(q(`b=${encodeURIComponent(v)}`), 'b')).to.equal(true));
    for (const v of FALSE_VALUES) it(`reads ${JSON.stringify(v)} as false`, () => expect(queryBool(q(`b=${v}`), 'b')).to.equal(false));
    it('is undefined when the parameter is absent', () => expect(queryBool(q('other=1'), 'b')).to.equal(undefined));
    it('reads only the first of repeated values', () => expect(queryBool(q('b=false&b=true'), 'b')).to.equal(false));
  });

  describe('queryInt', () => {
    for (const [v, n] of GOOD_INTS) it(`reads ${JSON.stringify(v)} as ${n}`, () => expect(queryInt(q(`n=${encodeURIComponent(v)}`), 'n')).to.equal(n));
    for (const [v, why] of BAD_INTS) {
      it(`rejects ${JSON.stringify(v)} with a BadRequest naming the parameter (${why})`, () => {
        const err = badRequestOf(() => queryInt(q(`n=${encodeURIComponent(v)}`), 'n'));
        expect(err.httpCode).to.equal(400);
        expect(err.reason).to.equal('BadRequest');
        expect(err.message).to.equal(`invalid value for query parameter n: strconv.ParseInt: parsing ${JSON.stringify(v)}: ${why}`);
      });
    }
    it('is undefined when the parameter is absent', () => expect(queryInt(q('other=x'), 'n')).to.equal(undefined));
    it('formats errors like Go strconv', () => expect(parseIntError('abc')).to.equal('strconv.ParseInt: parsing "abc": invalid syntax'));
  });

  describe('watch', () => {
    for (const v of TRUE_VALUES) it(`watch=${v} makes a collection GET a WATCH`, () => expect(verb(`watch=${encodeURIComponent(v)}`)).to.equal('WATCH'));
    for (const v of FALSE_VALUES) it(`watch=${v} leaves it a LIST`, () => expect(verb(`watch=${v}`)).to.equal('LIST'));
  });

  describe('allowWatchBookmarks', () => {
    for (const v of TRUE_VALUES) it(`allowWatchBookmarks=${v} asks for bookmarks`, () => expect(watchParams(`allowWatchBookmarks=${encodeURIComponent(v)}`).bookmarks).to.equal(true));
    for (const v of FALSE_VALUES) it(`allowWatchBookmarks=${v} does not`, () => expect(watchParams(`allowWatchBookmarks=${v}`).bookmarks).to.equal(false));
  });

  describe('sendInitialEvents', () => {
    for (const v of TRUE_VALUES) it(`sendInitialEvents=${v} sends them`, () => expect(watchParams(`sendInitialEvents=${encodeURIComponent(v)}`).sendInitialEvents).to.equal(true));
    for (const v of FALSE_VALUES) it(`sendInitialEvents=${v} does not`, () => expect(watchParams(`sendInitialEvents=${v}`).sendInitialEvents).to.equal(false));
  });

  describe('timeoutSeconds', () => {
    const table: Array<[string, number]> = [['', 1_800_000], ['timeoutSeconds=0', 1_800_000], ['timeoutSeconds=5', 5000], ['timeoutSeconds=%2B5', 5000], ['timeoutSeconds=99999999999', 1_800_000], ['timeoutSeconds=-1', 0]];
    for (const [s, ms] of table) it(`${s || 'no timeoutSeconds'} → ${ms} ms`, () => expect(watchParams(s).timeoutMs).to.equal(ms));
    for (const [v] of BAD_INTS) {
      it(`timeoutSeconds=${JSON.stringify(v)} is a BadRequest naming timeoutSeconds`, () => {
        expect(badRequestOf(() => watchParams(`timeoutSeconds=${encodeURIComponent(v)}`)).message).to.match(/^invalid value for query parameter timeoutSeconds: strconv\.ParseInt/);
      });
    }
  });
});
