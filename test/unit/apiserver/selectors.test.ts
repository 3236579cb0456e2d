import { expect } from 'chai';
import { fieldValue, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from '../../../src/apiserver/selectors.js';
import { ApiError } from '../../../src/apiserver/status.js';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'fe', 'okube.dev/node': 'n1', n: '5' };
  const m = (s: string, l: Record<string, string> | undefined = labels) => matchesLabels(parseLabelSelector(s), l);

  it('parses every operator', () => {
    expect(parseLabelSelector('a=b,c==d,e!=f,g in (h, i),j notin (k),l,!m,n>1,o<2')).to.deep.equal([
      { key: 'a', op: '=', values: ['b'] },
      { key: 'c', op: '=', values: ['d'] },
      { key: 'e', op: '!=', values: ['f'] },
      { key: 'g', op: 'in', values: ['h', 'i'] },
      { key: 'j', op: 'notin', values: ['k'] },
      { key: 'l', op: 'exists', values: [] },
      { key: 'm', op: '!', values: [] },
      { key: 'n', op: 'gt', values: ['1'] },
      { key: 'o', op: 'lt', values: ['2'] },
    ]);
    expect(parseLabelSelector('')).to.deep.equal([]);
    expect(parseLabelSelector(undefined)).to.deep.equal([]);
    expect(parseLabelSelector('a=')).to.deep.equal([{ key: 'a', op: '=', values: [''] }]);
  });

  it('matches like Kubernetes', () => {
    expect(m('app=web')).to.equal(true);
    expect(m('app==web,tier=fe')).to.equal(true);
    expect(m('app=db')).to.equal(false);
    expect(m('app!=db')).to.equal(true);
    expect(m('missing!=x')).to.equal(true, '!= matches objects without the label');
    expect(m('app in (db, web)')).to.equal(true);
    expect(m('app notin (web)')).to.equal(false);
    expect(m('missing notin (web)')).to.equal(true);
    expect(m('missing in (web)')).to.equal(false);
    expect(m('okube.dev/node')).to.equal(true);
    expect(m('!okube.dev/node')).to.equal(false);
    expect(m('!gone')).to.equal(true);
    expect(m('n>4')).to.equal(true);
    expect(m('n<5')).to.equal(false);
    expect(matchesLabels(parseLabelSelector('app=web'), undefined)).to.equal(false);
    expect(matchesLabels(parseLabelSelector(''), undefined)).to.equal(true);
  });

  for (const bad of ['a in (', 'a in ()', '=x', 'a===b', '!', 'a b', 'a,,b', 'bad key=1', 'a=b c', 'a>x', 'a in (b c)', 'x'.repeat(400) + '=1', 'a=' + 'v'.repeat(64)]) {
    it(`rejects ${JSON.stringify(bad.slice(0, 30))} with a 400`, () => {
      expect(() => parseLabelSelector(bad))
        .to.throw(ApiError)
        .with.property('httpCode', 400);
    });
  }
});

describe('field selectors', () => {
  const allowed = (f: string) => ['metadata.name', 'metadata.namespace', 'involvedObject.name', 'involvedObject.uid'].includes(f);
  const ev = { metadata: { name: 'e1', namespace: 'ns' }, involvedObject: { name: 't1', uid: 'u-1' } };

  it('parses =, ==, != and escapes', () => {
    expect(parseFieldSelector('metadata.name=a,metadata.namespace==b,involvedObject.name!=c', allowed)).to.deep.equal([
      { field: 'metadata.name', op: '=', value: 'a' },
      { field: 'metadata.namespace', op: '=', value: 'b' },
      { field: 'involvedObject.name', op: '!=', value: 'c' },
    ]);
    expect(parseFieldSelector('metadata.name=a\\,b', allowed)).to.deep.equal([{ field: 'metadata.name', op: '=', value: 'a,b' }]);
  });

  it('matches nested fields (kubectl describe event search)', () => {
    const sel = parseFieldSelector('involvedObject.name=t1,involvedObject.uid=u-1,metadata.namespace=ns', allowed);
    expect(matchesFields(sel, ev)).to.equal(true);
    expect(matchesFields(parseFieldSelector('involvedObject.name=t2', allowed), ev)).to.equal(false);
    expect(matchesFields(parseFieldSelector('metadata.name!=e1', allowed), ev)).to.equal(false);
    expect(fieldValue(ev, 'involvedObject.missing')).to.equal('');
  });

  it('rejects unsupported fields and garbage with a 400', () => {
    expect(() => parseFieldSelector('spec.image=x', allowed)).to.throw(/field label not supported: spec.image/);
    expect(() => parseFieldSelector('metadata.name', allowed)).to.throw(ApiError);
    expect(() => parseFieldSelector('=x', allowed)).to.throw(ApiError);
  });

  it('allows spaces around the operator and keeps the value after them', () => {
    expect(parseFieldSelector(' metadata.name  !=   a b ', allowed)).to.deep.equal([{ field: 'metadata.name', op: '!=', value: 'a b' }]);
  });

  it('rejects a lone ! in the field and a value ending in an unpaired backslash', () => {
    expect(() => parseFieldSelector('metadata!name=a', allowed)).to.throw(ApiError);
    expect(() => parseFieldSelector('metadata.name=a\\', allowed)).to.throw(ApiError);
    expect(parseFieldSelector('metadata.name=a\\\\', allowed)).to.deep.equal([{ field: 'metadata.name', op: '=', value: 'a\\' }]);
  });

  // The regex this parser replaced backtracked quadratically on these (16,000 spaces: ~0.7 s);
  // at 400,000 characters a quadratic parser would not finish within the suite's timeout.
  it('reads huge adversarial selectors in one pass (spaces, backslashes, operators)', () => {
    const n = 400_000;
    expect(() => parseFieldSelector('a' + ' '.repeat(n) + 'b', allowed)).to.throw(ApiError);
    expect(() => parseFieldSelector('a' + ' '.repeat(n) + '!', allowed)).to.throw(ApiError);
    expect(() => parseFieldSelector('metadata.name=' + '\\'.repeat(n + 1), allowed)).to.throw(ApiError);
    expect(parseFieldSelector('metadata.name=' + '='.repeat(n), allowed)[0].value).to.have.length(n - 1); // the first two make '=='
    expect(() => parseLabelSelector('a' + ' '.repeat(n) + 'b')).to.throw(ApiError);
    expect(() => parseLabelSelector('a' + ' '.repeat(n) + '=' + ' '.repeat(n) + '=')).to.throw(ApiError);
  });
});

describe('label selector syntax, edge by edge', () => {
  const rejects = (sel: string) => {
    try {
      parseLabelSelector(sel);
    } catch (e) {
      expect(e).to.be.instanceOf(ApiError).with.property('httpCode', 400);
      return (e as Error).message;
    }
    throw new Error(`${JSON.stringify(sel)} was accepted`);
  };

  it('reads null and a blank string as no requirements', () => {
    expect(parseLabelSelector(null)).to.deep.equal([]);
    expect(parseLabelSelector('   ')).to.deep.equal([]);
  });

  it('allows spaces around requirements and operators', () => {
    expect(parseLabelSelector(' a = b , c  in(d) ,  e notin   (f)')).to.deep.equal([
      { key: 'a', op: '=', values: ['b'] },
      { key: 'c', op: 'in', values: ['d'] },
      { key: 'e', op: 'notin', values: ['f'] },
    ]);
  });

  it('accepts a key of 316 characters and rejects one of 317, naming it', () => {
    expect(parseLabelSelector('k'.repeat(316))).to.have.length(1);
    expect(rejects('k'.repeat(317))).to.equal(`unable to parse requirement: invalid label key "${'k'.repeat(317)}" in selector "${'k'.repeat(317)}"`);
  });

  it('accepts a value of 63 characters and rejects one of 64, naming it', () => {
    expect(parseLabelSelector(`a=${'v'.repeat(63)}`)[0].values).to.deep.equal(['v'.repeat(63)]);
    expect(rejects(`a=${'v'.repeat(64)}`)).to.equal(`unable to parse requirement: invalid label value: "${'v'.repeat(64)}" in selector "a=${'v'.repeat(64)}"`);
  });

  it('accepts prefixed keys with one-letter and multi-letter DNS labels', () => {
    expect(parseLabelSelector('a.b.cdef/x-y_z.w=1')[0].key).to.equal('a.b.cdef/x-y_z.w');
  });

  it('rejects nested, unopened and unclosed parentheses', () => {
    expect(rejects('a in ((b))')).to.equal('unable to parse selector "a in ((b))": unbalanced parentheses');
    expect(rejects('a in (b))')).to.equal('unable to parse selector "a in (b))": unbalanced parentheses');
    expect(rejects('a in (b')).to.equal('unable to parse selector "a in (b": unbalanced parentheses');
    expect(rejects('a)(')).to.equal('unable to parse selector "a)(": unbalanced parentheses');
  });

  it('says which requirement is empty', () => {
    expect(rejects('a,,b')).to.equal('unable to parse selector "a,,b": empty requirement');
  });

  it('says an in or notin set cannot be empty', () => {
    expect(rejects('a in ( )')).to.equal(`unable to parse requirement: for 'in', 'notin' operators, values set can't be empty in selector "a in ( )"`);
  });

  it('rejects text before or after an in requirement', () => {
    expect(rejects('x a in (b)')).to.match(/^unable to parse requirement: found 'x a in \(b\)'/);
    expect(rejects('a in (b) c')).to.match(/^unable to parse requirement: found 'a in \(b\) c'/);
  });

  it('rejects text after a !key requirement', () => {
    expect(rejects('!a b')).to.match(/^unable to parse requirement: found '!a b', expected: key, !key, key=value/);
  });

  it('accepts integer operands for > and <, negative ones included', () => {
    expect(parseLabelSelector('n>-12,m<-3')).to.deep.equal([{ key: 'n', op: 'gt', values: ['-12'] }, { key: 'm', op: 'lt', values: ['-3'] }]);
  });

  it('rejects operands of > and < that are not whole integers', () => {
    for (const sel of ['a<x', 'a>x1', 'a>1x', 'a<1.5']) {
      expect(rejects(sel)).to.equal(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer in selector "${sel}"`);
    }
  });

  it('says what it expected for a requirement it cannot read', () => {
    expect(rejects('a b')).to.equal(`unable to parse requirement: found 'a b', expected: key, !key, key=value, key!=value, key in (…), key notin (…) in selector "a b"`);
  });
});

describe('label selector matching, operator by operator', () => {
  const labels = { app: 'web', n: '5' };
  const m = (s: string, l: Record<string, string> = labels) => matchesLabels(parseLabelSelector(s), l);

  it('exists fails without the label', () => {
    expect(m('missing')).to.equal(false);
  });

  it('!= fails when the label has that value', () => {
    expect(m('app!=web')).to.equal(false);
  });

  it('in fails when the label has another value', () => {
    expect(m('app in (db, cache)')).to.equal(false);
  });

  it('notin passes when the label has another value', () => {
    expect(m('app notin (db)')).to.equal(true);
  });

  it('> is strict and < is strict', () => {
    expect([m('n>5'), m('n>4'), m('n<5'), m('n<6')]).to.deep.equal([false, true, false, true]);
  });

  it('> and < fail without the label', () => {
    expect([m('missing>1'), m('missing<1')]).to.deep.equal([false, false]);
  });

  it('> and < fail on a label value that is not a plain integer, even one Number() reads', () => {
    for (const v of ['+5', '5.5', '1e3', '0x10', 'web']) expect(m('v>1', { v }), v).to.equal(false);
  });

  it('> compares multi-digit integers as numbers', () => {
    expect([m('v>9', { v: '12' }), m('v<100', { v: '-12' })]).to.deep.equal([true, true]);
  });
});

describe('field selector syntax and values, edge by edge', () => {
  const allowed = (f: string) => ['metadata.name', 'metadata.namespace'].includes(f);

  it('reads null and a blank string as no requirements', () => {
    expect(parseFieldSelector(null, allowed)).to.deep.equal([]);
    expect(parseFieldSelector(undefined, allowed)).to.deep.equal([]);
    expect(parseFieldSelector('  ', allowed)).to.deep.equal([]);
  });

  it('trims spaces around each requirement', () => {
    expect(parseFieldSelector(' metadata.name = a , metadata.namespace=b ', allowed)).to.deep.equal([
      { field: 'metadata.name', op: '=', value: 'a' },
      { field: 'metadata.namespace', op: '=', value: 'b' },
    ]);
  });

  it('rejects a trailing lone backslash, saying what it cannot understand', () => {
    expect(() => parseFieldSelector('metadata.name=a\\', allowed)).to.throw(ApiError, "invalid selector: 'metadata.name=a\\'; can't understand 'metadata.name=a\\'");
  });

  it('rejects a requirement that starts with an operator character', () => {
    expect(() => parseFieldSelector('!metadata.name=a', allowed)).to.throw(ApiError, /can't understand '!metadata.name=a'/);
  });

  it('reads a field through null, a string or a missing object as empty', () => {
    expect(fieldValue({ a: null }, 'a.b')).to.equal('');
    expect(fieldValue({ a: 'str' }, 'a.length')).to.equal('');
    expect(fieldValue({ a: null }, 'a')).to.equal('');
    expect(fieldValue(undefined, 'a')).to.equal('');
  });

  it('reads numbers and booleans as text and objects as JSON', () => {
    expect(fieldValue({ a: { n: 3, ok: false, o: { b: 1 } } }, 'a.n')).to.equal('3');
    expect(fieldValue({ a: { ok: false } }, 'a.ok')).to.equal('false');
    expect(fieldValue({ a: { b: 1 } }, 'a')).to.equal('{"b":1}');
  });

  it('!= passes for an object whose field has another value', () => {
    expect(matchesFields(parseFieldSelector('metadata.name!=other', allowed), { metadata: { name: 'e1' } })).to.equal(true);
  });
});
