import { expect } from 'chai';
import { celCauses } from '../../../../src/apiserver/schema/structural.js';
import type { JsonSchema } from '../../../../src/apiserver/schema/index.js';

// celCauses skips the subtrees of a schema that hold no x-kubernetes-validations; a rule anywhere
// below a property, a map's values or a list's items must still be found and evaluated.

const positive = [{ rule: 'self > 0', message: 'must be positive' }];

describe('CEL rules are found wherever they sit in the schema', () => {
  it('a rule two levels under properties without rules of their own', () => {
    const s = { type: 'object', properties: { spec: { type: 'object', properties: { inner: { type: 'object', properties: { n: { type: 'integer', 'x-kubernetes-validations': positive } } } } } } } as JsonSchema;
    expect(celCauses({ spec: { inner: { n: 0 } } }, s).map((c) => c.field)).to.deep.equal(['spec.inner.n']);
  });

  it('a rule on the values of a map (additionalProperties)', () => {
    const s = { type: 'object', properties: { m: { type: 'object', additionalProperties: { type: 'integer', 'x-kubernetes-validations': positive } } } } as JsonSchema;
    expect(celCauses({ m: { a: 1, b: -1 } }, s).map((c) => c.field)).to.deep.equal(['m.b']);
  });

  it('a rule on the items of a list', () => {
    const s = { type: 'object', properties: { l: { type: 'array', items: { type: 'integer', 'x-kubernetes-validations': positive } } } } as JsonSchema;
    expect(celCauses({ l: [1, 0] }, s).map((c) => c.field)).to.deep.equal(['l[1]']);
  });

  it('a schema with no rules anywhere reports nothing', () => {
    const s = { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'integer' } } } } } as JsonSchema;
    expect(celCauses({ a: { b: -1 } }, s)).to.deep.equal([]);
  });

  it('a schema that contains itself is walked without looping and its rule still applies', () => {
    const node: JsonSchema = { type: 'object', properties: { v: { type: 'integer', 'x-kubernetes-validations': positive } } } as JsonSchema;
    node.properties!.child = node;
    expect(celCauses({ v: 1, child: { v: 1, child: { v: -2 } } }, node).map((c) => c.field)).to.deep.equal(['child.child.v']);
  });

  it('schemas that contain each other: a rule reached only through the other is still applied', () => {
    // b comes first in a, so b is decided while a still is.
    const a: JsonSchema = { type: 'object', properties: {} } as JsonSchema;
    const b: JsonSchema = { type: 'object', properties: { a } } as JsonSchema;
    a.properties = { b, v: { type: 'integer', 'x-kubernetes-validations': positive } as JsonSchema };
    expect(celCauses({ b: { a: { v: -1 } } }, a).map((c) => c.field)).to.deep.equal(['b.a.v']);
  });
});
