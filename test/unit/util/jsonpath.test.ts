import { expect } from 'chai';
import { evalJsonPath, parseJsonPath } from '../../../src/util/jsonpath.js';

// The Kubernetes JSONPath forms beyond printer columns' (k8s.io/client-go/util/jsonpath), on the
// input of kubernetes.io/docs/reference/kubectl/jsonpath.
const input = {
  kind: 'List',
  items: [
    { kind: 'None', metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } }, status: { capacity: { cpu: '4' }, addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }] } },
    { kind: 'None', metadata: { name: '127.0.0.2' }, status: { capacity: { cpu: '8' }, addresses: [{ type: 'LegacyHostIP', address: '127.0.0.2' }, { type: 'another', address: '127.0.0.3' }] } },
  ],
  users: [{ name: 'myself', user: {} }, { name: 'e2e', user: { username: 'admin', password: 'secret' } }],
};

describe('JSONPath (Kubernetes dialect)', () => {
  it('descends recursively with ..name', () => {
    expect(evalJsonPath(input, '{..name}')).to.deep.equal(['127.0.0.1', '127.0.0.2', 'myself', 'e2e']);
  });

  it("reads a key with dots through ['…'], and a union of keys", () => {
    expect(evalJsonPath(input, "{.items[0].metadata.labels['kubernetes\\.io/hostname']}")).to.deep.equal(['127.0.0.1']);
    expect(evalJsonPath(input, "{.items[*]['kind','status.none']}")).to.deep.equal(['None', 'None']);
  });

  it('reads a field name with escaped dots and slashes, as kubectl\'s {.metadata.labels.kubernetes\\.io/hostname}', () => {
    expect(evalJsonPath(input, '{.items[0].metadata.labels.kubernetes\\.io/hostname}')).to.deep.equal(['127.0.0.1']);
  });

  it('takes negative indexes from the end and slices [start:end:step]', () => {
    expect(evalJsonPath(input, '{.users[-1].name}')).to.deep.equal(['e2e']);
    expect(evalJsonPath(input, '{.users[-3].name}'), 'out of range').to.deep.equal([]);
    expect(evalJsonPath({ a: [0, 1, 2, 3, 4] }, '.a[1:4:2]')).to.deep.equal([1, 3]);
    expect(evalJsonPath({ a: [0, 1, 2, 3, 4] }, '.a[-2:]')).to.deep.equal([3, 4]);
  });

  it('expands .* and [*] over an object as over an array', () => {
    expect(evalJsonPath(input, '{.items[1].status.capacity.*}')).to.deep.equal(['8']);
    expect(evalJsonPath(input, '{.users[1].user[*]}')).to.deep.equal(['admin', 'secret']);
  });

  it('filters with ==, !=, a number comparison and bare existence', () => {
    expect(evalJsonPath(input, '{.users[?(@.name=="e2e")].user.password}')).to.deep.equal(['secret']);
    expect(evalJsonPath(input, "{.items[*].status.addresses[?(@.type!='LegacyHostIP')].address}")).to.deep.equal(['127.0.0.3']);
    expect(evalJsonPath({ a: [{ n: 1 }, { n: 5 }, { m: 9 }] }, '.a[?(@.n > 2)].n')).to.deep.equal([5]);
    expect(evalJsonPath(input, '{.users[?(@.user.username)].name}')).to.deep.equal(['e2e']);
  });

  it('refuses what it cannot parse, saying where', () => {
    expect(() => parseJsonPath('{.a[}')).to.throw(/unterminated \[ in JSONPath/);
    expect(() => parseJsonPath('{.a b}')).to.throw(/at " b"/);
    expect(() => parseJsonPath('{.a[?(@.x =~ "y")]}')).to.throw(/unsupported JSONPath filter/);
    expect(() => parseJsonPath('{.a[::0]}')).to.throw(/step must not be 0/);
  });
});
