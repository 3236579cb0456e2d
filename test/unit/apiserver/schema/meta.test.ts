import { expect } from 'chai';
import { validateObjectMeta } from '../../../../src/apiserver/schema/index.js';

const meta = (m: Record<string, unknown>) => ({ metadata: m });

describe('validateObjectMeta', () => {
  it('accepts a DNS-1123 subdomain name in a namespace', () => {
    expect(validateObjectMeta(meta({ name: 'web.v1-2', namespace: 'default' }), true)).to.deep.equal([]);
  });

  it('rejects an upper-case name with the RFC 1123 rule', () => {
    const [cause] = validateObjectMeta(meta({ name: 'Web', namespace: 'default' }), true);
    expect(cause).to.include({ reason: 'FieldValueInvalid', field: 'metadata.name' });
    expect(cause.message).to.match(/^Invalid value: "Web": a lowercase RFC 1123 subdomain/);
  });

  it('says a name of valid characters longer than 253 is too long, and only that', () => {
    const name = 'a'.repeat(254);
    expect(validateObjectMeta(meta({ name, namespace: 'default' }), true)).to.deep.equal([{ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": must be no more than 253 characters` }]);
  });

  it('gives a too long name with bad characters both messages, as kube does', () => {
    const messages = validateObjectMeta(meta({ name: 'A'.repeat(254), namespace: 'default' }), true).map((c) => c.message.replace(/^Invalid value: "A+": /, ''));
    expect(messages).to.have.length(2);
    expect(messages[0]).to.equal('must be no more than 253 characters');
    expect(messages[1]).to.match(/^a lowercase RFC 1123 subdomain/);
  });

  it('says a namespace name longer than 63 characters is too long', () => {
    const name = 'n'.repeat(64);
    expect(validateObjectMeta({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, false)).to.deep.equal([{ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": must be no more than 63 characters` }]);
  });

  it('says a label value or a label key name longer than 63 characters is too long', () => {
    const long = 'v'.repeat(64);
    expect(validateObjectMeta(meta({ name: 'x', namespace: 'default', labels: { app: long } }), true)).to.deep.equal([{ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "${long}": must be no more than 63 characters` }]);
    expect(validateObjectMeta(meta({ name: 'x', namespace: 'default', labels: { [`example.com/${long}`]: 'a' } }), true)).to.deep.equal([{ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "example.com/${long}": name part must be no more than 63 characters` }]);
  });

  it('requires a name or a generateName', () => {
    expect(validateObjectMeta(meta({ namespace: 'default' }), true)).to.deep.equal([{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
  });

  it('accepts generateName instead of a name', () => {
    expect(validateObjectMeta(meta({ generateName: 'web-', namespace: 'default' }), true)).to.deep.equal([]);
  });

  it('rejects a generateName that cannot prefix a valid name', () => {
    expect(validateObjectMeta(meta({ generateName: 'Web_', namespace: 'default' }), true)[0]).to.include({ field: 'metadata.generateName' });
  });

  it('requires a namespace on a namespaced object', () => {
    expect(validateObjectMeta(meta({ name: 'a' }), true)).to.deep.equal([{ reason: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' }]);
  });

  it('rejects a namespace that is not a DNS label', () => {
    expect(validateObjectMeta(meta({ name: 'a', namespace: 'a.b' }), true)[0]).to.include({ reason: 'FieldValueInvalid', field: 'metadata.namespace' });
  });

  it('forbids a namespace on a cluster-scoped object', () => {
    expect(validateObjectMeta(meta({ name: 'a', namespace: 'x' }), false)).to.deep.equal([{ reason: 'FieldValueForbidden', field: 'metadata.namespace', message: 'Forbidden: not allowed on this type' }]);
  });

  it('holds a Namespace to the DNS label rule (no dots)', () => {
    expect(validateObjectMeta({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } }, false)[0]).to.include({ field: 'metadata.name' });
  });

  it('accepts prefixed label keys and empty label values', () => {
    expect(validateObjectMeta(meta({ name: 'a', namespace: 'd', labels: { 'okube.dev/hostname': 'local', empty: '' } }), true)).to.deep.equal([]);
  });

  it('rejects a label value with spaces at metadata.labels', () => {
    const [cause] = validateObjectMeta(meta({ name: 'a', namespace: 'd', labels: { app: 'two words' } }), true);
    expect(cause).to.include({ reason: 'FieldValueInvalid', field: 'metadata.labels' });
    expect(cause.message).to.contain('"two words"');
  });

  it('rejects a label key with a bad prefix', () => {
    expect(validateObjectMeta(meta({ name: 'a', namespace: 'd', labels: { 'Bad_Prefix/x': 'y' } }), true)[0].message).to.contain('prefix part');
  });

  it('rejects a non-string label value as TypeInvalid', () => {
    expect(validateObjectMeta(meta({ name: 'a', namespace: 'd', labels: { n: 1 } }), true)[0]).to.include({ reason: 'FieldValueTypeInvalid', field: 'metadata.labels.n' });
  });

  it('accepts annotation values of any text', () => {
    expect(validateObjectMeta(meta({ name: 'a', namespace: 'd', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"a": 1}\n' } }), true)).to.deep.equal([]);
  });

  it('rejects annotations over 256 KiB as TooLong', () => {
    expect(validateObjectMeta(meta({ name: 'a', namespace: 'd', annotations: { big: 'x'.repeat(262145) } }), true)[0]).to.include({ reason: 'FieldValueTooLong', field: 'metadata.annotations' });
  });

  it('reports missing metadata as Required', () => {
    expect(validateObjectMeta({}, true)).to.deep.equal([{ reason: 'FieldValueRequired', field: 'metadata', message: 'Required value' }]);
  });
  describe('ownerReferences (apimachinery ValidateOwnerReferences)', () => {
    const ref = (r: Record<string, unknown>) => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'TaskSet', name: 'web', uid: 'u1', ...r });
    it('accepts complete references with one controller', () => {
      expect(validateObjectMeta(meta({ name: 'a', namespace: 'd', ownerReferences: [ref({ controller: true }), ref({ uid: 'u2', controller: false })] }), true)).to.deep.equal([]);
    });
    it('rejects a reference without uid', () => {
      expect(validateObjectMeta(meta({ name: 'a', namespace: 'd', ownerReferences: [ref({ uid: '' })] }), true)).to.deep.equal([
        { reason: 'FieldValueInvalid', field: 'metadata.ownerReferences.uid', message: 'Invalid value: "": must not be empty' },
      ]);
    });
    it('rejects an apiVersion without a version', () => {
      expect(validateObjectMeta(meta({ name: 'a', namespace: 'd', ownerReferences: [ref({ apiVersion: 'okube.dev/' })] }), true)[0]).to.include({ field: 'metadata.ownerReferences.apiVersion', message: 'Invalid value: "okube.dev/": version must not be empty' });
    });
    it('rejects a second controller reference, naming both', () => {
      const [cause] = validateObjectMeta(meta({ name: 'a', namespace: 'd', ownerReferences: [ref({ controller: true }), ref({ name: 'db', uid: 'u2', controller: true })] }), true);
      expect(cause.field).to.equal('metadata.ownerReferences');
      expect(cause.message).to.match(/: Only one reference can have Controller set to true\. Found "true" in references for TaskSet\/web and TaskSet\/db$/);
    });
  });
});
