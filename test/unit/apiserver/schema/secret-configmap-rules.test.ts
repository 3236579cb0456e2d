import { expect } from 'chai';
import { builtinDefs } from '../../../../src/apiserver/schema/builtins.js';
import { compileSchema } from '../../../../src/apiserver/schema/index.js';

// kube-apiserver's Secret and ConfigMap rules (schema/builtins.ts, schema/configmap.ts): once
// `immutable` is set, the data and the flag itself stay as they are; keys are config keys (they
// become file names in a volume); a Secret's type never changes; a TLS Secret has both keys.

const defs = builtinDefs();
const secretDef = defs.find((d) => d.kind === 'Secret')!;
const configMapDef = defs.find((d) => d.kind === 'ConfigMap')!;
const causes = (def: typeof secretDef, obj: object, old?: object) => compileSchema(def).validate(obj, old).map((c) => `${c.field}: ${c.message}`);
const secret = (extra: object) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', ...extra });
const configMap = (extra: object) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, ...extra });
const LOCKED = 'Forbidden: field is immutable when `immutable` is set';

describe('Secret and ConfigMap rules', () => {
  it('refuses a data change to an immutable Secret, and unsetting immutable', () => {
    const old = secret({ data: { a: 'MQ==' }, immutable: true });
    expect(causes(secretDef, secret({ data: { a: 'Mg==' }, immutable: true }), old)).to.deep.equal([`data: ${LOCKED}`]);
    expect(causes(secretDef, secret({ data: { a: 'MQ==' }, immutable: false }), old)).to.deep.equal([`immutable: ${LOCKED}`]);
  });

  it('lets a Secret become immutable, and an immutable one have its labels changed', () => {
    expect(causes(secretDef, secret({ data: { a: 'MQ==' }, immutable: true }), secret({ data: { a: 'MQ==' } }))).to.deep.equal([]);
    const old = configMap({ data: { a: '1' }, immutable: true });
    expect(causes(configMapDef, { ...old, metadata: { name: 'c', labels: { team: 'a' } } }, old)).to.deep.equal([]);
  });

  it('refuses a data or binaryData change to an immutable ConfigMap; a mutable one changes freely', () => {
    expect(causes(configMapDef, configMap({ data: { a: '2' }, immutable: true }), configMap({ data: { a: '1' }, immutable: true }))).to.deep.equal([`data: ${LOCKED}`]);
    expect(causes(configMapDef, configMap({ binaryData: { b: 'MQ==' }, immutable: true }), configMap({ immutable: true }))).to.deep.equal([`binaryData: ${LOCKED}`]);
    expect(causes(configMapDef, configMap({ data: { a: '2' } }), configMap({ data: { a: '1' } }))).to.deep.equal([]);
  });

  it('refuses keys that are not config keys (a space, a slash, a leading ..)', () => {
    for (const key of ['bad key', 'a/b', '..x', '.']) {
      expect(causes(secretDef, secret({ data: { [key]: 'MQ==' } })).join(), key).to.include('a valid config key must consist of');
      expect(causes(configMapDef, configMap({ data: { [key]: 'x' } })).join(), key).to.include('a valid config key must consist of');
    }
    expect(causes(configMapDef, configMap({ data: { 'app.properties': 'x', KEY_1: 'y', '.hidden': 'z' } }))).to.deep.equal([]);
  });

  it('refuses a ConfigMap key in both data and binaryData', () => {
    expect(causes(configMapDef, configMap({ data: { a: '1' }, binaryData: { a: 'MQ==' } }))).to.deep.equal(['data: Invalid value: "object": a key may be in data or in binaryData, not in both']);
  });

  it('refuses a change of a Secret\'s type, and a TLS Secret without both keys', () => {
    expect(causes(secretDef, secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': 'MQ==', 'tls.key': 'MQ==' } }), secret({ data: { a: 'MQ==' } }))).to.deep.equal(['type: Invalid value: "object": field is immutable']);
    expect(causes(secretDef, secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': 'MQ==' } }))).to.deep.equal(['data: Required value: a kubernetes.io/tls Secret needs data keys tls.crt and tls.key']);
  });

  it('lets a Secret an older okube stored with type "" or none be updated (that is Opaque)', () => {
    const stored = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'MQ==' } };
    expect(causes(secretDef, secret({ data: { a: 'Mg==' } }), stored)).to.deep.equal([]);
    expect(causes(secretDef, secret({ data: { a: 'Mg==' } }), { ...stored, type: '' })).to.deep.equal([]);
  });

  it('reads immutable: null as not immutable, and a null data or binaryData as none', () => {
    expect(causes(secretDef, secret({ data: { a: 'Mg==' }, immutable: null }), secret({ data: { a: 'MQ==' }, immutable: null }))).to.deep.equal([]);
    expect(causes(configMapDef, configMap({ data: { a: 'x' }, binaryData: null }))).to.deep.equal([]);
    expect(causes(secretDef, secret({ type: 'kubernetes.io/tls', data: null })).join()).to.include('needs data keys tls.crt and tls.key');
  });
});
