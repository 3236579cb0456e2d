import { expect } from 'chai';
import { decodeObject, MAX_BODY_DEPTH, negotiate } from '../../../src/apiserver/http.js';
import { decodeProtobufObject } from '../../../src/apiserver/protobuf.js';

describe('media types and bodies', () => {
  it('negotiates Table, PartialObjectMetadata, aggregated discovery and JSON', () => {
    expect(negotiate('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json')).to.deep.equal({ table: 'v1' });
    expect(negotiate('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io')).to.deep.equal({ partial: 'v1' });
    expect(negotiate('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json')).to.deep.equal({ aggregatedDiscovery: 'v2' });
    expect(negotiate('application/vnd.kubernetes.protobuf,application/json')).to.deep.equal({});
    expect(negotiate(undefined)).to.deep.equal({});
    expect(negotiate('*/*')).to.deep.equal({});
    expect(() => negotiate('application/vnd.kubernetes.protobuf')).to.throw(/media types/);
  });

  it('decodes JSON and YAML objects and rejects everything else with a 400', () => {
    expect(decodeObject(Buffer.from('{"a":1}'), 'application/json')).to.deep.equal({ a: 1 });
    expect(decodeObject(Buffer.from('a: 1\nb: "2026-01-01"\nc: 2026-01-01'), 'application/yaml')).to.deep.equal({ a: 1, b: '2026-01-01', c: '2026-01-01' });
    for (const [body, ct] of [['{', 'application/json'], ['[1]', 'application/json'], ['null', 'application/json'], ['a: [', 'application/yaml'], ['', 'application/json'], ['- a', 'application/yaml']]) {
      expect(() => decodeObject(Buffer.from(body), ct), body).to.throw().with.property('httpCode', 400);
    }
  });

  it('refuses a YAML alias bomb and absurd nesting with a 400', () => {
    let bomb = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i < 9; i++) bomb += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]\n`;
    expect(() => decodeObject(Buffer.from(bomb), 'application/yaml')).to.throw(/expands to more than/).with.property('httpCode', 400);
    expect(() => decodeObject(Buffer.from(bomb), 'application/apply-patch+yaml')).to.throw().with.property('httpCode', 400);
    const deep = (n: number) => Buffer.from(`{"a":${'['.repeat(n)}1${']'.repeat(n)}}`);
    expect(() => decodeObject(deep(MAX_BODY_DEPTH + 1), 'application/json')).to.throw(/nested more than/).with.property('httpCode', 400);
    expect(decodeObject(deep(100), 'application/json')).to.have.property('a');
    // Ordinary aliases stay allowed.
    expect(decodeObject(Buffer.from('x: &x {a: 1}\nz: *x'), 'application/yaml')).to.deep.equal({ x: { a: 1 }, z: { a: 1 } });
    // YAML bodies read as kube-apiserver reads them (YAML 1.1 scalars: octal modes, yes/no).
    expect(decodeObject(Buffer.from('mode: 0400\nok: yes\nday: 2026-01-01'), 'application/yaml')).to.deep.equal({ mode: 256, ok: true, day: '2026-01-01' });
  });

  it('decodes the protobuf Namespace kubectl create namespace sends', () => {
    // k8s\0 + Unknown{typeMeta{apiVersion:"v1",kind:"Namespace"}, raw: Namespace{metadata{name:"ns1"}, spec{}}}
    const meta = Buffer.from([0x0a, 0x03, ...Buffer.from('ns1')]);
    const ns = Buffer.concat([Buffer.from([0x0a, meta.length]), meta, Buffer.from([0x12, 0x00])]);
    const tm = Buffer.from([0x0a, 0x02, ...Buffer.from('v1'), 0x12, 0x09, ...Buffer.from('Namespace')]);
    const unknown = Buffer.concat([Buffer.from([0x0a, tm.length]), tm, Buffer.from([0x12, ns.length]), ns]);
    const body = Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), unknown]);
    expect(decodeProtobufObject(body)).to.deep.equal({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1' } });
    expect(() => decodeProtobufObject(Buffer.from([1, 2, 3]))).to.throw().with.property('httpCode', 400);
  });

  /** k8s\0 + Unknown{typeMeta{v1, kind}, raw} around a message of these encoded fields (metadata name "s" first). */
  const envelope = (kind: string, body: Buffer[]) => {
    const len = (b: Buffer) => Buffer.from([b.length]);
    const field = (no: number, b: Buffer) => Buffer.concat([Buffer.from([(no << 3) | 2]), len(b), b]);
    const raw = Buffer.concat([field(1, field(1, Buffer.from('s'))), ...body]);
    const tm = Buffer.concat([field(1, Buffer.from('v1')), field(2, Buffer.from(kind))]);
    return { body: Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), field(1, tm), field(2, raw)]), field };
  };
  const entry = (field: (no: number, b: Buffer) => Buffer, k: string, v: Buffer) => Buffer.concat([field(1, Buffer.from(k)), field(2, v)]);

  it('decodes the protobuf Secret kubectl create secret generic sends, data as base64 and stringData folded in', () => {
    const { field } = envelope('Secret', []);
    const { body } = envelope('Secret', [field(2, entry(field, 'password', Buffer.from([0, 1, 255]))), field(3, Buffer.from('Opaque')), field(4, entry(field, 'user', Buffer.from('admin')))]);
    expect(decodeProtobufObject(body)).to.deep.equal({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { password: 'AAH/', user: Buffer.from('admin').toString('base64') } });
  });

  it('decodes the protobuf ConfigMap kubectl create configmap sends', () => {
    const { field } = envelope('ConfigMap', []);
    const { body } = envelope('ConfigMap', [field(2, entry(field, 'mode', Buffer.from('fast'))), field(3, entry(field, 'bin', Buffer.from([7])))]);
    expect(decodeProtobufObject(body)).to.deep.equal({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 's' }, data: { mode: 'fast' }, binaryData: { bin: 'Bw==' } });
  });

  it('decodes the protobuf ServiceAccount kubectl create serviceaccount sends, with its secrets, pull secrets and automount flag', () => {
    const { field } = envelope('ServiceAccount', []);
    const automountFalse = Buffer.from([(4 << 3) | 0, 0]);
    const { body } = envelope('ServiceAccount', [field(2, field(3, Buffer.from('tok'))), field(3, field(1, Buffer.from('reg'))), automountFalse]);
    expect(decodeProtobufObject(body)).to.deep.equal({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 's' }, secrets: [{ name: 'tok' }], imagePullSecrets: [{ name: 'reg' }], automountServiceAccountToken: false });
  });

  it('decodes the protobuf TokenRequest kubectl create token sends: audiences, expirationSeconds, boundObjectRef', () => {
    const { field } = envelope('TokenRequest', []);
    // expirationSeconds 4 (varint 3600 = 0x90 0x1c), boundObjectRef 3 {kind 1, name 3}
    const spec = Buffer.concat([field(1, Buffer.from('a1')), field(1, Buffer.from('a2')), Buffer.from([(4 << 3) | 0, 0x90, 0x1c]), field(3, Buffer.concat([field(1, Buffer.from('Secret')), field(3, Buffer.from('x'))]))]);
    const { body } = envelope('TokenRequest', [field(2, spec)]);
    expect(decodeProtobufObject(body)).to.deep.equal({ apiVersion: 'v1', kind: 'TokenRequest', metadata: { name: 's' }, spec: { audiences: ['a1', 'a2'], expirationSeconds: 3600, boundObjectRef: { kind: 'Secret', name: 'x' } } });
  });
});
