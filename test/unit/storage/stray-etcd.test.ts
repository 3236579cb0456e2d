import { expect } from 'chai';
import { servesDataDir } from '../../../src/storage/stray-etcd.js';
import { isDeadStat } from '../../../src/util/processes.js';

describe('stray etcd recognition', () => {
  const argv = ['/usr/bin/etcd', '--name', 'okube', '--data-dir', '/home/me/.okube/etcd/data', '--listen-client-urls', 'http://127.0.0.1:2379'];

  it('is okube\'s etcd on exactly this data dir', () => {
    expect(servesDataDir(argv, '/home/me/.okube/etcd/data')).to.equal(true);
    expect(servesDataDir(['etcd', '--name', 'okube', '--data-dir=/d'], '/d')).to.equal(true);
  });

  it('is not an etcd on another data dir, nor one with another member name', () => {
    expect(servesDataDir(argv, '/home/me/.okube/etcd/data2')).to.equal(false);
    expect(servesDataDir(argv, '/home/me/.okube/etcd')).to.equal(false);
    expect(servesDataDir(['etcd', '--name', 'prod', '--data-dir', '/d'], '/d')).to.equal(false);
    expect(servesDataDir(['vim', '/d'], '/d')).to.equal(false);
  });

  it('reads the process state after the command name, even one with spaces and parentheses', () => {
    expect(isDeadStat('123 (etcd) S 1 123 123 0 -1')).to.equal(false);
    expect(isDeadStat('123 (my (odd) name) Z 1 123')).to.equal(true);
    expect(isDeadStat(undefined)).to.equal(true);
  });
});
