import { expect } from 'chai';
import { FieldSet, type FieldPath } from '../../../../src/apiserver/fieldmanager/fieldset.js';

// The set operations copy their operands' encoded keys rather than encoding every path again; the
// results must be exactly the sets the operations name, in the first operand's order.

const img: FieldPath = ['f:spec', 'f:image'];
const cmd: FieldPath = ['f:spec', 'f:command'];
const env: FieldPath = ['f:spec', 'f:env', 'k:{"name":"A"}'];

describe('FieldSet operations', () => {
  it('union keeps the first set in order and adds the paths only the others have', () => {
    const u = new FieldSet([img, cmd]).union(new FieldSet([cmd, env]));
    expect(u.toArray()).to.deep.equal([img, cmd, env]);
    expect(u.has(['f:spec', 'f:env', 'k:{"name":"A"}'])).to.equal(true);
  });

  it('difference drops every path that any of the other sets has', () => {
    const d = new FieldSet([img, cmd, env]).difference(new FieldSet([cmd]), new FieldSet([env]));
    expect(d.toArray()).to.deep.equal([img]);
    expect(d.has(['f:spec', 'f:command'])).to.equal(false);
  });

  it('intersection keeps only the paths both sets have', () => {
    expect(new FieldSet([img, cmd]).intersection(new FieldSet([env, cmd])).toArray()).to.deep.equal([cmd]);
  });

  it('equals compares membership, not order', () => {
    expect(new FieldSet([img, cmd]).equals(new FieldSet([cmd, img]))).to.equal(true);
    expect(new FieldSet([img, cmd]).equals(new FieldSet([img, env]))).to.equal(false);
  });

  it('a set built from another is a copy: changing it leaves the original as it was', () => {
    const a = new FieldSet([img]);
    const b = new FieldSet(a);
    b.add(cmd);
    b.delete(img);
    expect(a.toArray()).to.deep.equal([img]);
    expect(b.toArray()).to.deep.equal([cmd]);
  });

  it('a union is a new set: adding to it leaves its operands as they were', () => {
    const a = new FieldSet([img]);
    const u = a.union(new FieldSet([cmd]));
    u.add(env);
    expect(a.size).to.equal(1);
  });
});
