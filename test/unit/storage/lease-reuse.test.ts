import { expect } from 'chai';
import { LeaseReuse, reuseSeconds } from '../../../src/storage/lease-reuse.js';

// One etcd lease for the TTL writes of a short window (storage/lease-reuse.ts).

function setup() {
  let now = 0;
  const grants: number[] = [];
  const leases = new LeaseReuse(async (ttl) => {
    grants.push(ttl);
    return `lease-${grants.length}`;
  }, () => now);
  return { leases, grants, advance: (ms: number) => (now += ms) };
}

describe('lease reuse: etcd leases for writes with a TTL', () => {
  it('reuses 5 % of the TTL, at most 60 s (kube-apiserver\'s lease manager)', () => {
    expect(reuseSeconds(3600)).to.equal(60);
    expect(reuseSeconds(600)).to.equal(30);
    expect(reuseSeconds(3)).to.equal(0);
  });

  it('grants the TTL plus the reuse window, so a key written late in the window still lives its TTL', async () => {
    const { leases, grants } = setup();
    expect(await leases.leaseFor(3600)).to.equal('lease-1');
    expect(grants).to.deep.equal([3660]);
  });

  it('gives writes within the window the same lease, and a new one after it', async () => {
    const { leases, grants, advance } = setup();
    await leases.leaseFor(3600);
    advance(59_000);
    expect(await leases.leaseFor(3600)).to.equal('lease-1');
    advance(1_000);
    expect(await leases.leaseFor(3600)).to.equal('lease-2');
    expect(grants).to.have.length(2);
  });

  it('grants once for writes that arrive while a grant is under way', async () => {
    const { leases, grants } = setup();
    const ids = await Promise.all([leases.leaseFor(3600), leases.leaseFor(3600), leases.leaseFor(3600)]);
    expect(ids).to.deep.equal(['lease-1', 'lease-1', 'lease-1']);
    expect(grants).to.have.length(1);
  });

  it('grants a lease per write when the TTL is too short to share one', async () => {
    const { leases, grants } = setup();
    await leases.leaseFor(3);
    await leases.leaseFor(3);
    expect(grants).to.deep.equal([3, 3]);
  });

  it('grants a new lease after forget (etcd no longer has the old one)', async () => {
    const { leases, grants } = setup();
    await leases.leaseFor(3600);
    leases.forget();
    expect(await leases.leaseFor(3600)).to.equal('lease-2');
    expect(grants).to.have.length(2);
  });

  it('lets the next write try again when a grant fails', async () => {
    let fail = true;
    const leases = new LeaseReuse(async () => {
      if (fail) throw new Error('etcd unavailable');
      return 'lease-ok';
    });
    let err: unknown;
    await leases.leaseFor(3600).catch((e: unknown) => (err = e));
    expect(String(err)).to.include('etcd unavailable');
    fail = false;
    expect(await leases.leaseFor(3600)).to.equal('lease-ok');
  });
});
