import { expect } from 'chai';
import { randomSuffix, templateHash } from '../../../../src/controllers/taskset/hash.js';
import { canonicalJson } from '../../../../src/util/canonical-json.js';
import { formatLabelSelector, selectorMatches } from '../../../../src/controllers/taskset/selector.js';

describe('TaskSet template hash', () => {
  const tmpl = { metadata: { labels: { app: 'web', tier: 'a' } }, spec: { image: 'img:1', env: [{ name: 'A', value: '1' }] } };

  it('does not depend on the order of keys', () => {
    const reordered = { spec: { env: [{ value: '1', name: 'A' }], image: 'img:1' }, metadata: { labels: { tier: 'a', app: 'web' } } };
    expect(templateHash(reordered)).to.equal(templateHash(tmpl));
  });

  it('changes with the image', () => {
    expect(templateHash({ ...tmpl, spec: { ...tmpl.spec, image: 'img:2' } })).to.not.equal(templateHash(tmpl));
  });

  it('is the same for a template whose list items spell out the old defaults and one that leaves them out (an upgrade rolls nothing)', () => {
    const bare = { ...tmpl, spec: { ...tmpl.spec, ports: [{ containerPort: 80 }], volumes: [{ name: 's', secret: { secretName: 's' } }, { name: 'c', configMap: { name: 'c' } }] } };
    const spelled = { ...tmpl, spec: { ...tmpl.spec, ports: [{ containerPort: 80, hostPort: 0, protocol: 'TCP' as const }], volumes: [{ name: 's', secret: { secretName: 's', defaultMode: 420 } }, { name: 'c', configMap: { name: 'c', defaultMode: 420 } }] } };
    expect(templateHash(bare)).to.equal(templateHash(spelled));
    expect(templateHash({ ...bare, spec: { ...bare.spec, ports: [{ containerPort: 80, protocol: 'UDP' as const }] } })).to.not.equal(templateHash(bare));
  });

  it('uses only the vowel-free alphabet of pod-template-hash', () => {
    expect(templateHash(tmpl)).to.match(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(randomSuffix()).to.match(/^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('canonical JSON sorts keys and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: [{ d: undefined, c: 2 }] })).to.equal('{"a":[{"c":2}],"b":1}');
  });
});

describe('TaskSet label selector', () => {
  it('formats like metav1.FormatLabelSelector: sorted by key, in/notin with sorted values, exists and !', () => {
    expect(formatLabelSelector({ matchLabels: { tier: 'a', app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }, { key: 'x', operator: 'DoesNotExist' }, { key: 'b', operator: 'Exists' }, { key: 'z', operator: 'NotIn', values: ['q'] }] }))
      .to.equal('app=web,b,env in (dev,prod),tier=a,!x,z notin (q)');
  });

  it('formats an empty selector as <none>', () => {
    expect(formatLabelSelector({})).to.equal('<none>');
  });

  it('matches labels and every operator; an empty selector matches nothing', () => {
    const labels = { app: 'web', tier: 'a' };
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).to.equal(true);
    expect(selectorMatches({ matchLabels: { app: 'db' } }, labels)).to.equal(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }, labels)).to.equal(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }, labels)).to.equal(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).to.equal(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).to.equal(true);
    expect(selectorMatches({}, labels)).to.equal(false);
  });
});
