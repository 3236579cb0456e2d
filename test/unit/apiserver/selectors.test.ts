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
        .with.property('code', 400);
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
});
