// Store benchmark: creates/s through EtcdStore vs raw etcd3 puts/s at the same concurrency, and
// watch-event latency through Store.watch — all against one real etcd started for this run.
// Usage: npx tsx hack/bench/store.ts [--objects 5000] [--concurrency 64] [--watch-events 1000]
import { Etcd3 } from 'etcd3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEtcd } from '../../src/storage/embedded-etcd.js';
import { EtcdStore } from '../../src/storage/etcd-store.js';
import { fmt, inParallel, isMain, numberOpt, pct, runAsScript, sleep, type BenchResult } from './lib.js';

export interface StoreBenchOptions {
  objects: number;
  concurrency: number;
  watchEvents: number;
}

export interface StoreFigures {
  rawPutsPerSec: number;
  storeCreatesPerSec: number;
  watchP50Ms: number;
  watchP99Ms: number;
}

const value = JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 'x' }, spec: { image: 'busybox', command: ['sleep', '3600'] } });

/** Raw etcd3 puts/s on a given etcd, best of `rounds` (the reference the API is compared with). */
export async function rawEtcdPutsPerSec(endpoints: string[], n: number, concurrency: number, prefix: string): Promise<number> {
  const raw = new Etcd3({ hosts: endpoints });
  try {
    await raw.put(`${prefix}/warm`).value('x');
    return n / (await inParallel(n, concurrency, (i) => raw.put(`${prefix}/${i}`).value(value).exec()));
  } finally {
    raw.close();
  }
}

export async function storeBench(o: StoreBenchOptions): Promise<BenchResult & { figures: StoreFigures }> {
  const dir = mkdtempSync(join(tmpdir(), 'okube-bench-store-'));
  const etcd = new EmbeddedEtcd({ dataDir: dir, supervise: false });
  const { endpoints } = await etcd.start();
  const store = new EtcdStore({ endpoints });
  try {
    await store.create('/warm/store', 'x');
    // Alternate the order across rounds so neither side always runs on a fresher etcd.
    const rawRates: number[] = [];
    const storeRates: number[] = [];
    for (let round = 0; round < 3; round++) {
      const runRaw = async () => rawRates.push(await rawEtcdPutsPerSec(endpoints, o.objects, o.concurrency, `/bench/raw/${round}`));
      const runStore = async () => storeRates.push(o.objects / (await inParallel(o.objects, o.concurrency, (i) => store.create(`/bench/store/${round}/${i}`, value))));
      if (round % 2 === 0) {
        await runRaw();
        await runStore();
      } else {
        await runStore();
        await runRaw();
      }
    }

    // Watch latency: one write at a time, time from issuing the write to its event arriving.
    const latencies: number[] = [];
    const pending = new Map<string, number>();
    const sub = store.watch('/bench/watch/', await store.currentRevision()).subscribe((e) => {
      const t0 = pending.get(e.key);
      if (t0 !== undefined) latencies.push(performance.now() - t0);
    });
    for (let i = 0; i < o.watchEvents; i++) {
      const key = `/bench/watch/${i}`;
      pending.set(key, performance.now());
      await store.create(key, value);
    }
    await sleep(500);
    sub.unsubscribe();

    const rawRate = Math.max(...rawRates);
    const storeRate = Math.max(...storeRates);
    const figures = { rawPutsPerSec: rawRate, storeCreatesPerSec: storeRate, watchP50Ms: pct(latencies, 50), watchP99Ms: pct(latencies, 99) };
    return {
      title: 'Store (EtcdStore) vs raw etcd',
      setup: `${o.objects} writes per round, concurrency ${o.concurrency}, one etcd started for this run, best of 3 rounds.`,
      rows: [
        ['raw etcd3 puts/s', `${fmt(rawRate, 0)} (rounds: ${rawRates.map((r) => fmt(r, 0)).join(', ')})`],
        ['Store creates/s (CAS txn)', `${fmt(storeRate, 0)} (rounds: ${storeRates.map((r) => fmt(r, 0)).join(', ')})`],
        ['Store / raw', `${fmt((storeRate / rawRate) * 100)}%`],
        [`Store.watch latency p50 / p99 (${latencies.length} events)`, `${fmt(figures.watchP50Ms, 2)} ms / ${fmt(figures.watchP99Ms, 2)} ms`],
      ],
      figures,
    };
  } finally {
    await store.close();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const a = process.argv.slice(2);
  runAsScript(() => storeBench({ objects: numberOpt(a, 'objects', 5000), concurrency: numberOpt(a, 'concurrency', 64), watchEvents: numberOpt(a, 'watch-events', 1000) }));
}
