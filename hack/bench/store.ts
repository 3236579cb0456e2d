// Store benchmark: creates/s through EtcdStore vs raw etcd3 puts/s at the same concurrency, and
// watch-event latency through Store.watch — all against one real etcd started for this run.
// Usage: npx tsx hack/bench/store.ts [N=5000] [CONCURRENCY=64]
import { Etcd3 } from 'etcd3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEtcd } from '../../src/storage/embedded-etcd.js';
import { EtcdStore } from '../../src/storage/etcd-store.js';

const N = Number(process.argv[2] ?? 5000);
const CONCURRENCY = Number(process.argv[3] ?? 64);

async function inParallel(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const dir = mkdtempSync(join(tmpdir(), 'okube-bench-store-'));
const etcd = new EmbeddedEtcd({ dataDir: dir, supervise: false });
const { endpoints } = await etcd.start();
const raw = new Etcd3({ hosts: endpoints });
const store = new EtcdStore({ endpoints });
const value = JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 'x' }, spec: { image: 'busybox', command: ['sleep', '3600'] } });

try {
  // Warm both clients' connections so neither pays for the first dial.
  await raw.put('/warm/raw').value('x');
  await store.create('/warm/store', 'x');

  // Alternate the order across rounds so neither side always runs on a fresher etcd.
  const rawRates: number[] = [];
  const storeRates: number[] = [];
  for (let round = 0; round < 3; round++) {
    const runRaw = async () => rawRates.push(N / (await inParallel(N, CONCURRENCY, (i) => raw.put(`/bench/raw/${round}/${i}`).value(value).exec())));
    const runStore = async () => storeRates.push(N / (await inParallel(N, CONCURRENCY, (i) => store.create(`/bench/store/${round}/${i}`, value))));
    if (round % 2 === 0) {
      await runRaw();
      await runStore();
    } else {
      await runStore();
      await runRaw();
    }
  }
  const best = (xs: number[]) => Math.max(...xs);

  // Watch latency: one write at a time, time from issuing the write to its event arriving.
  const latencies: number[] = [];
  const from = await store.currentRevision();
  const pending = new Map<string, bigint>();
  const sub = store.watch('/bench/watch/', from).subscribe((e) => {
    const t0 = pending.get(e.key);
    if (t0 !== undefined) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  });
  for (let i = 0; i < 1000; i++) {
    const key = `/bench/watch/${i}`;
    pending.set(key, process.hrtime.bigint());
    await store.create(key, value);
  }
  await new Promise((r) => setTimeout(r, 500));
  sub.unsubscribe();
  latencies.sort((a, b) => a - b);

  const rawRate = best(rawRates);
  const storeRate = best(storeRates);
  console.log(`store benchmark: N=${N} concurrency=${CONCURRENCY}, etcd ${endpoints[0]}, best of 3 rounds`);
  console.log('| measure | value |');
  console.log('|---|---|');
  console.log(`| raw etcd3 puts/s | ${rawRate.toFixed(0)} (rounds: ${rawRates.map((r) => r.toFixed(0)).join(', ')}) |`);
  console.log(`| Store creates/s (CAS txn) | ${storeRate.toFixed(0)} (rounds: ${storeRates.map((r) => r.toFixed(0)).join(', ')}) |`);
  console.log(`| Store / raw | ${((storeRate / rawRate) * 100).toFixed(1)}% |`);
  console.log(`| watch latency p50 / p99 (${latencies.length} events) | ${percentile(latencies, 50).toFixed(2)} ms / ${percentile(latencies, 99).toFixed(2)} ms |`);
} finally {
  raw.close();
  await store.close();
  await etcd.stop();
  rmSync(dir, { recursive: true, force: true });
}
