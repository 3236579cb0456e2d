import { expect } from 'chai';
import { goInt, loadAllKubeYaml, loadKubeYaml } from '../../../src/util/kube-yaml.js';

// YAML read as kubectl reads it (sigs.k8s.io/yaml over go-yaml v2, YAML 1.1 scalars).

describe('Kubernetes YAML', () => {
  it('reads a leading-0 number as octal, as kubectl does (defaultMode: 0400 is 256), and 0o, 0x, 0b and underscores as Go does', () => {
    expect(loadKubeYaml('a: 0400\nb: 0644\nc: 0o644\nd: 0x1F\ne: -0b101\nf: 1_000\ng: 08\nh: 0\ni: -012')).to.deep.equal({ a: 256, b: 420, c: 420, d: 31, e: -5, f: 1000, g: 8, h: 0, i: -10 });
  });

  it('reads YAML 1.1 booleans (yes, on, y and their capitals), also as map keys, which become "true"/"false"', () => {
    expect(loadKubeYaml('a: yes\nb: Off\nc: y\nd: TRUE\non: 1')).to.deep.equal({ a: true, b: false, c: true, d: true, true: 1 });
  });

  it('keeps date-like and quoted or !!str scalars as strings, reads floats and nulls, and leaves .inf as text', () => {
    expect(loadKubeYaml('a: 2026-01-01\nb: "0644"\nc: !!str 0400\nd: 1.5\ne: 1e3\nf: ~\ng: Null\nh: .inf')).to.deep.equal({ a: '2026-01-01', b: '0644', c: '0400', d: 1.5, e: 1000, f: null, g: null, h: '.inf' });
  });

  it('merges <<: anchors and reads every document of a stream', () => {
    expect(loadAllKubeYaml('base: &b {x: 1}\nm: {<<: *b, z: 2}\n---\n- no\n')).to.deep.equal([{ base: { x: 1 }, m: { x: 1, z: 2 } }, [false]]);
  });

  it('parses integers with Go\'s base prefixes and nothing else', () => {
    expect([goInt('0755'), goInt('+42'), goInt('0B11'), goInt('09'), goInt('1.0'), goInt('abc')]).to.deep.equal([493, 42, 3, undefined, undefined, undefined]);
  });
});
