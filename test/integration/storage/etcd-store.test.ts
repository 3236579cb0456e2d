import { expect } from 'chai';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { EmbeddedEtcd } from '../../../src/storage/embedded-etcd.js';
import { EtcdStore } from '../../../src/storage/etcd-store.js';
import type { StoreWatchEvent } from '../../../src/storage/store.js';
import { eventually } from '../../support/wait.js';
import { isOkubeError } from '../../../src/util/errors.js';
import { findBinary } from '../../../src/util/processes.js';
import { storeConformance } from '../../support/store-conformance.js';

/** A real etcd child of this test file, in its own temp dir. */
async function startEtcd(opts: { supervise?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'okube-etcd-test-'));
  const etcd = new EmbeddedEtcd({ dataDir: dir, supervise: opts.supervise ?? false });
  const { endpoints } = await etcd.start();
  return {
    etcd,
    endpoints,
    async cleanup() {
      await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}


storeConformance('etcd', async () => {
  const etcd = await startEtcd();
  const store = new EtcdStore({ endpoints: etcd.endpoints });
  return {
    store,
    async cleanup() {
      await store.close();
      await etcd.cleanup();
    },
  };
});

describe('EtcdStore against a real etcd that crashes', function () {
  this.timeout(120_000);
  let etcd: Awaited<ReturnType<typeof startEtcd>>;
  let store: EtcdStore;

  beforeEach(async () => {
    etcd = await startEtcd();
    store = new EtcdStore({ endpoints: etcd.endpoints, requestTimeoutMs: 3000 });
  });
  afterEach(async () => {
    await store.close();
    await etcd.cleanup();
  });

  it('a write acknowledged before kill -9 of etcd is there after restart', async () => {
    const rev = await store.create('/crash/acked', 'durable');
    await etcd.etcd.kill9();
    await etcd.etcd.restart();
    const kv = await eventually(async () => (await store.get('/crash/acked'))!);
    expect(kv).to.include({ value: 'durable', modRevision: rev });
  });

  it('a watch survives an etcd kill -9 and restart with no lost or repeated event', async () => {
    const start = await store.currentRevision();
    const seen: StoreWatchEvent[] = [];
    let failed: unknown;
    const sub: Subscription = store.watch('/survive/', start).subscribe({ next: (e) => seen.push(e), error: (e) => (failed = e) });
    try {
      for (let i = 0; i < 5; i++) await store.create(`/survive/before-${i}`, String(i));
      await etcd.etcd.kill9();
      await etcd.etcd.restart();
      for (let i = 0; i < 5; i++) await eventually(() => store.create(`/survive/after-${i}`, String(i)));
      await eventually(async () => {
        if (seen.length < 10) throw new Error(`saw ${seen.length} events`);
      });
      await new Promise((r) => setTimeout(r, 500)); // room for any duplicate to show up
      expect(failed).to.equal(undefined);
      expect(seen.map((e) => e.key)).to.deep.equal([
        ...Array.from({ length: 5 }, (_, i) => `/survive/before-${i}`),
        ...Array.from({ length: 5 }, (_, i) => `/survive/after-${i}`),
      ]);
    } finally {
      sub.unsubscribe();
    }
  });

  it('requests while etcd is down fail with Unavailable instead of hanging', async () => {
    await etcd.etcd.kill9();
    try {
      await store.get('/down/x');
      expect.fail('expected Unavailable');
    } catch (err) {
      expect(isOkubeError(err, 'Unavailable'), String(err)).to.equal(true);
    }
  });
});

describe('EmbeddedEtcd', function () {
  this.timeout(60_000);

  it('restarts a crashed etcd by itself on the same endpoint', async () => {
    const etcd = await startEtcd({ supervise: true });
    const store = new EtcdStore({ endpoints: etcd.endpoints, requestTimeoutMs: 2000 });
    try {
      await store.create('/supervised/a', '1');
      const pid = etcd.etcd.pid;
      process.kill(pid!, 'SIGKILL');
      await eventually(async () => {
        if (!etcd.etcd.pid || etcd.etcd.pid === pid) throw new Error('not restarted yet');
      });
      const kv = await eventually(async () => (await store.get('/supervised/a'))!);
      expect(kv.value).to.equal('1');
    } finally {
      await store.close();
      await etcd.cleanup();
    }
  });

  it('says which package to install when no etcd binary exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'okube-etcd-missing-'));
    const etcd = new EmbeddedEtcd({ dataDir: dir, binary: 'etcd-that-does-not-exist' });
    try {
      await etcd.start();
      expect.fail('expected ConfigError');
    } catch (err) {
      expect(isOkubeError(err, 'ConfigError')).to.equal(true);
      expect((err as Error).message).to.contain('apt-get install etcd-server');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('chooses other ports and starts when a port it chose was taken before etcd could listen on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'okube-etcd-taken-'));
    // The first start fails as etcd does when another process took its port between okube's
    // check and etcd's listen (a race no test can time), and keeps the arguments it was given;
    // every later start is the real etcd.
    const wrapper = join(dir, 'etcd-wrapper');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nif [ ! -e "${dir}/first-args" ]; then echo "$@" > "${dir}/first-args"; echo '{"level":"fatal","msg":"listen tcp 127.0.0.1:1: bind: address already in use"}'; exit 1; fi\nexec ${findBinary('etcd')} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    const etcd = new EmbeddedEtcd({ dataDir: join(dir, 'data'), binary: wrapper, supervise: false });
    try {
      const { endpoints } = await etcd.start();
      const firstClient = /--listen-client-urls (\S+)/.exec(readFileSync(join(dir, 'first-args'), 'utf8'))?.[1];
      expect(firstClient).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(endpoints).to.not.deep.equal([firstClient]);
      const store = new EtcdStore({ endpoints });
      await store.create('/taken/a', '1');
      expect((await store.get('/taken/a'))?.value).to.equal('1');
      await store.close();
      const saved = JSON.parse(readFileSync(join(dir, 'data', 'okube-etcd.json'), 'utf8')) as { clientPort: number };
      expect(endpoints).to.deep.equal([`http://127.0.0.1:${saved.clientPort}`]);
    } finally {
      await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps its data and ports across a stop and start on the same data dir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'okube-etcd-reuse-'));
    try {
      const first = new EmbeddedEtcd({ dataDir: dir, supervise: false });
      const { endpoints } = await first.start();
      let store = new EtcdStore({ endpoints });
      await store.create('/reuse/a', 'kept');
      await store.close();
      await first.stop();
      const second = new EmbeddedEtcd({ dataDir: dir, supervise: false });
      const again = await second.start();
      expect(again.endpoints).to.deep.equal(endpoints);
      store = new EtcdStore({ endpoints: again.endpoints });
      expect((await store.get('/reuse/a'))?.value).to.equal('kept');
      await store.close();
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
