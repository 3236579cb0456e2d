import { expect } from 'chai';
import { runsConfig, singleMaster } from '../../../src/proxy/supervisor.js';

describe('proxy supervisor: finding the HAProxy a killed okube up left', () => {
  it('knows a haproxy of this config file by its command line', () => {
    expect(runsConfig(['/usr/sbin/haproxy', '-W', '-db', '-f', '/d/haproxy/haproxy.cfg'], '/d/haproxy/haproxy.cfg')).to.equal(true);
    expect(runsConfig(['/usr/sbin/haproxy', '-W', '-db', '-f', '/other/haproxy.cfg'], '/d/haproxy/haproxy.cfg')).to.equal(false);
    expect(runsConfig(['cat', '-f', '/d/haproxy/haproxy.cfg'], '/d/haproxy/haproxy.cfg')).to.equal(false);
  });

  it('picks the master as the process whose parent is none of them (workers, old and new, are its children)', () => {
    expect(singleMaster([{ pid: 20, ppid: 1 }, { pid: 21, ppid: 20 }, { pid: 35, ppid: 20 }])).to.equal(20);
  });

  it('picks no master from two unrelated haproxy trees or from none', () => {
    expect(singleMaster([{ pid: 20, ppid: 1 }, { pid: 21, ppid: 20 }, { pid: 40, ppid: 1 }])).to.equal(undefined);
    expect(singleMaster([])).to.equal(undefined);
  });
});
