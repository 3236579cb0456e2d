import { expect } from 'chai';
import { Agent, request } from 'node:https';
import { connect, type TLSSocket } from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Task } from '../../src/api/types.js';
import { ResourceClient, TASKS } from '../../src/client/resource-client.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { testEnv } from '../support/env.js';
import { formatSummary, sampleLatency } from '../support/latency.js';
import { taskObject } from '../support/tasks.js';
import { waitFor } from '../support/wait.js';

// API abuse against the real stack (API server on its own etcd), beside the per-case checks of
// test/integration/apiserver/abuse.test.ts: thousands of random malformed and oversized requests
// at once, watch clients that never read, and hundreds of idle watches. The server must stay up,
// answer every request with a Status, hold no memory after the clients go, and release every
// watch (ApiServer.activeWatches()).

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MiB = 1024 * 1024;

/** Watchers etcd itself holds (its own metric), so a leak below the API server shows too. */
async function etcdWatchers(cluster: TestCluster): Promise<number> {
  const text = await (await fetch(`${cluster.etcd.endpoints[0]}/metrics`)).text();
  return Number(/^etcd_debugging_mvcc_watcher_total (\S+)$/m.exec(text)?.[1] ?? NaN);
}

function heapMiB(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / MiB;
}

/** A small seeded PRNG (mulberry32), so a failing mix can be replayed from the printed seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Bad { kind: string; method: string; path: string; body?: Buffer; contentType?: string; expect?: number }

const NS_PATH = '/apis/okube.dev/v1alpha1/namespaces/default/tasks';
const MAX_BODY = 3 * MiB; // the API server's default limit

function yamlBomb(levels: number): string {
  let y = 'apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata: {name: bomb}\nl0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i < levels; i++) y += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]\n`;
  return `${y}spec: {image: x, command: *l${levels - 1}}\n`;
}

function malformed(rand: () => number): Bad {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const good = JSON.stringify(taskObject('default', `t${Math.floor(rand() * 1e9)}`, { image: 'x', command: ['sleep', '1'] }));
  switch (Math.floor(rand() * 9)) {
    case 0: {
      const bytes = Buffer.alloc(1 + Math.floor(rand() * 4096));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
      return { kind: 'random bytes', method: pick(['POST', 'PUT', 'PATCH']), path: pick([NS_PATH, `${NS_PATH}/keep`]), body: bytes, contentType: pick(['application/json', 'application/yaml', 'application/merge-patch+json', 'application/apply-patch+yaml', 'application/json-patch+json']) };
    }
    case 1:
      return { kind: 'truncated JSON', method: 'POST', path: NS_PATH, body: Buffer.from(good.slice(0, Math.floor(rand() * (good.length - 1)))), contentType: 'application/json' };
    case 2: {
      // A value of the wrong type or shape, where the schema or ObjectMeta rules must refuse it.
      const wrong: Record<string, unknown[]> = {
        'spec.image': [5, true, [], {}],
        'spec.command': [5, 'sh', {}, [1], [['nested']]],
        'spec.backoff': [5, 'x', [], { initialDelaySeconds: 'soon' }],
        'spec.ports': [5, 'x', {}, [{ containerPort: 'http' }], [{ containerPort: 70_000 }]],
        'spec.restartPolicy': ['Sometimes', 5, []],
        'metadata.name': [5, [], {}, 'UPPER', 'x'.repeat(300), ''],
        'metadata.labels': [5, [], { a: 5 }, { 'bad key!': 'v' }],
        'spec.resources': [5, { limits: { cpu: 'lots' } }, { requests: { memory: [] } }],
        'spec.env': [5, 'x', [{ value: 'no name' }], [5]],
      };
      const at = pick(Object.keys(wrong));
      const o = JSON.parse(good) as Record<string, Record<string, unknown>>;
      const [a, b] = at.split('.');
      o[a][b] = pick(wrong[at]);
      return { kind: `wrong type at ${at}`, method: 'POST', path: NS_PATH, body: Buffer.from(JSON.stringify(o)), contentType: 'application/json' };
    }
    case 3: {
      const depth = pick([200, 2000, 20_000, 200_000]);
      const nested = `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;
      return { kind: `JSON nested ${depth} deep`, method: 'POST', path: NS_PATH, body: Buffer.from(good.replace(/"command":\[[^\]]*\]/, `"command":${nested}`)), contentType: 'application/json' };
    }
    case 4: {
      const put = rand() < 0.5;
      return { kind: 'oversized', method: put ? 'PUT' : 'POST', path: put ? `${NS_PATH}/keep` : NS_PATH, body: Buffer.alloc(MAX_BODY + 1 + Math.floor(rand() * MiB), 0x20), contentType: 'application/json', expect: 413 };
    }
    case 5:
      return { kind: 'YAML alias bomb', method: pick(['POST', 'PATCH']), path: pick([NS_PATH, `${NS_PATH}/keep?fieldManager=x`]), body: Buffer.from(yamlBomb(pick([6, 9, 12]))), contentType: pick(['application/yaml', 'application/apply-patch+yaml']) };
    case 6: {
      const junk = Array.from({ length: 1 + Math.floor(rand() * 40) }, () => String.fromCharCode(33 + Math.floor(rand() * 94))).join('');
      // Each made invalid for sure: an unclosed set, an unknown field, non-digits, a bogus token.
      const q = pick([`labelSelector=${encodeURIComponent(`${junk} in (`)}`, `fieldSelector=${encodeURIComponent(`spec.${junk}=1`)}`, `resourceVersion=x${encodeURIComponent(junk)}`, `limit=x${encodeURIComponent(junk)}`, `continue=${encodeURIComponent(junk)}`, `watch=1&timeoutSeconds=x${encodeURIComponent(junk)}`]);
      return { kind: `bad ${q.split('=')[0] === 'watch' ? 'timeoutSeconds' : q.split('=')[0]}`, method: 'GET', path: `${NS_PATH}?${q}` };
    }
    case 7: {
      // A segment of dots alone is a dot-segment: URL parsing resolves it ("/v1alpha1/." is the
      // group version's discovery), so it is not a bad path; it gets a letter (no extra draw, so
      // printed seeds still replay).
      const seg = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => encodeURIComponent(String.fromCharCode(...Array.from({ length: 1 + Math.floor(rand() * 10) }, () => 33 + Math.floor(rand() * 94))))).map((x) => (/^\.+$/.test(x) ? `${x}x` : x));
      return { kind: 'bad path', method: pick(['GET', 'DELETE', 'POST']), path: `/apis/okube.dev/v1alpha1/${seg.join('/')}`, body: Buffer.from('{}'), contentType: 'application/json' };
    }
    default: {
      const patch = pick<object>([
        { op: 'x', path: '/spec/image' },
        { op: 'add', path: '/spec/command/999', value: 'a' },
        { op: 'remove', path: '/metadata/name' },
        { op: 'replace', path: '', value: 1 },
        { op: 'move', from: '/nope', path: '/spec/x' },
        { op: 'test', path: '/spec/image', value: 'not-it' },
        { op: 'replace', path: '/spec/image', value: 5 },
        { op: 'copy', from: '/metadata', path: '/spec/image' },
      ]);
      return { kind: 'JSON patch junk', method: 'PATCH', path: `${NS_PATH}/keep`, body: Buffer.from(JSON.stringify([patch])), contentType: 'application/json-patch+json' };
    }
  }
}

describe('chaos: API abuse against the real stack', function () {
  this.timeout(240_000);
  let cluster: TestCluster;
  let tasks: ResourceClient<Task>;
  let agent: Agent;
  const acknowledged = new Set<string>();

  const send = (b: Bad, timeoutMs = 30_000): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { Authorization: `Bearer ${cluster.api.token}` };
      if (b.body) {
        headers['Content-Type'] = b.contentType ?? 'application/json';
        headers['Content-Length'] = b.body.length;
      }
      const req = request(new URL(b.path, cluster.api.url), { method: b.method, headers, ca: cluster.api.caPem, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.end(b.body);
    });

  before(async () => {
    testEnv();
    cluster = await startCluster();
    tasks = new ResourceClient<Task>(cluster.kc, TASKS);
    agent = new Agent({ keepAlive: true, maxSockets: 64 });
    await tasks.create(taskObject('default', 'keep', { image: testEnv().image, command: ['sleep', '1'] }));
    acknowledged.add('keep');
  });
  after(async () => {
    agent?.destroy();
    await cluster?.stop();
  });

  it('answers thousands of random malformed and oversized requests with 4xx Status, and stays up', async () => {
    const seed = Number(process.env.OKUBE_CHAOS_SEED ?? Date.now() % 1e9);
    const rand = prng(seed);
    const total = process.env.OKUBE_SOAK === '1' ? 20_000 : 2000;
    const heap0 = heapMiB();
    const latency = sampleLatency(() => tasks.get('keep', 'default'), 50);
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    let next = 0;
    let valid = 0;
    const t0 = Date.now();
    const worker = async () => {
      while (next < total) {
        const i = next++;
        // Now and then a valid create among the garbage: it must be acknowledged and kept.
        if (i % 100 === 0) {
          const name = `valid-${i}`;
          await tasks.create(taskObject('default', name, { image: 'x', command: ['sleep', '1'] }));
          acknowledged.add(name);
          valid++;
          continue;
        }
        const b = malformed(rand);
        kinds.set(b.kind, (kinds.get(b.kind) ?? 0) + 1);
        let r: { status: number; body: string };
        try {
          r = await send(b);
        } catch (err) {
          failures.push(`#${i} ${b.kind} ${b.method} ${b.path.slice(0, 80)}: ${(err as Error).message}`);
          continue;
        }
        let status: { kind?: string; code?: number } = {};
        try {
          status = JSON.parse(r.body) as typeof status;
        } catch {
          // reported below
        }
        const ok = b.expect ? r.status === b.expect : r.status >= 400 && r.status < 500;
        if (!ok || status.kind !== 'Status' || status.code !== r.status) failures.push(`#${i} ${b.kind} ${b.method} ${b.path.slice(0, 80)}: ${r.status} ${r.body.slice(0, 160)}`);
      }
    };
    await Promise.all(Array.from({ length: 24 }, worker));
    const seconds = (Date.now() - t0) / 1000;
    const stats = await latency.stop();
    const heap1 = heapMiB();
    console.log(`      seed ${seed}: ${total - valid} malformed requests of ${kinds.size} kinds + ${valid} valid creates in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)}/s, 24 at a time); ${failures.length} wrong answers`);
    console.log(`      ${formatSummary('get latency meanwhile', stats)}; heap+external ${heap0.toFixed(0)} → ${heap1.toFixed(0)} MiB`);
    const failedKinds = [...new Set(failures.map((f) => f.split(' ').slice(1, 4).join(' ')))];
    expect(failures.slice(0, 10), `${failures.length} wrong answers (${failedKinds.join('; ')}):\n${failures.slice(0, 10).join('\n')}`).to.deep.equal([]);
    expect(stats.errors, stats.firstError).to.equal(0);
    expect(heap1 - heap0, 'memory held after the abuse (MiB)').to.be.below(64);
    expect((await send({ kind: 'health', method: 'GET', path: '/readyz' })).status).to.equal(200);
    const names = new Set((await tasks.list({ namespace: 'default' })).items.map((t) => t.metadata.name));
    const lost = [...acknowledged].filter((n) => !names.has(n));
    expect(lost, 'acknowledged creates lost').to.deep.equal([]);
  });

  it('drops a watch client that never reads, releasing its watch and memory', async () => {
    const base = cluster.api.activeWatches();
    const heap0 = heapMiB();
    // Raw TLS connections that send a watch request and then never read a byte.
    const slow: TLSSocket[] = [];
    for (let i = 0; i < 2; i++) {
      const s = connect({ host: '127.0.0.1', port: cluster.api.port, ca: cluster.api.caPem, servername: 'localhost' });
      await new Promise<void>((resolve, reject) => s.once('secureConnect', resolve).once('error', reject));
      s.write(`GET ${NS_PATH}?watch=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${cluster.api.token}\r\n\r\n`);
      s.pause();
      s.on('error', () => undefined);
      slow.push(s);
    }
    await waitFor('slow watches open', async () => cluster.api.activeWatches() === base + 2, 30_000);

    // Big objects updated until the server gives up on the slow readers (each must buffer more
    // than the server's per-watch limit before it is dropped).
    const big = 'x'.repeat(MiB);
    let t = await tasks.create(taskObject('default', 'big', { image: 'x', env: [{ name: 'BLOB', value: big }] }));
    acknowledged.add('big');
    let updates = 0;
    let peak = 0;
    const t0 = Date.now();
    while (cluster.api.activeWatches() > base && updates < 400) {
      t = await tasks.replace({ ...t, spec: { ...t.spec, env: [{ name: 'BLOB', value: `${updates}${big.slice(1)}` }] } });
      updates++;
      if (updates % 10 === 0) peak = Math.max(peak, process.memoryUsage().rss / MiB);
    }
    const dropMs = Date.now() - t0;
    const droppedWatches = cluster.api.activeWatches() === base;
    // The sockets are still open and unread: once the server has torn its side down (a moment
    // for the native handles to close), it must not keep their backlog.
    await new Promise((r) => setTimeout(r, 1000));
    const heap1 = heapMiB();
    const stillOpen = slow.filter((s) => !s.destroyed).length;
    console.log(`      2 watchers that never read: dropped after ${updates} updates of a 1 MiB object (${(dropMs / 1000).toFixed(1)} s); peak RSS ${peak.toFixed(0)} MiB; heap+external ${heap0.toFixed(0)} → ${heap1.toFixed(0)} MiB with ${stillOpen} client sockets still open`);
    for (const s of slow) s.destroy();
    await tasks.delete('big', 'default');
    acknowledged.delete('big');
    await new Promise((r) => setTimeout(r, 1000));
    console.log(`      after the clients closed and the object was deleted: heap+external ${heapMiB().toFixed(0)} MiB`);
    expect(droppedWatches, 'slow watches dropped').to.equal(true);
    expect(heap1 - heap0, 'memory held for clients that never read (MiB)').to.be.below(64);
    expect((await tasks.get('keep', 'default')).metadata.name).to.equal('keep');
  });

  it('holds hundreds of idle watches and releases every one, however the client goes', async () => {
    const n = process.env.OKUBE_SOAK === '1' ? 2000 : 400;
    const base = cluster.api.activeWatches();
    const etcdBase = await etcdWatchers(cluster);
    const heap0 = heapMiB();
    const watchAgent = new Agent({ keepAlive: false, maxSockets: Infinity });
    const open: Array<{ destroy(): void }> = [];
    const ended: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      // A quarter ask the server to end them (timeoutSeconds), the rest vanish from the client side.
      const path = `${NS_PATH}?watch=1&allowWatchBookmarks=true${i % 4 === 0 ? '&timeoutSeconds=15' : ''}${i % 3 === 0 ? '&labelSelector=app%3Didle' : ''}`;
      const req = request(new URL(path, cluster.api.url), { headers: { Authorization: `Bearer ${cluster.api.token}` }, ca: cluster.api.caPem, agent: watchAgent });
      req.on('error', () => undefined);
      ended.push(new Promise((resolve) => req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve());
        res.on('close', () => resolve());
      })));
      req.end();
      open.push(req);
    }
    await waitFor(`${n} idle watches open`, async () => cluster.api.activeWatches() === base + n, 60_000, 100);
    const heap1 = heapMiB();
    // The watch cache serves most of them from its one etcd watch; a watch it cannot prove fresh
    // (etcd's revision moved past what the cache saw, e.g. writes outside /registry/ on a shared
    // etcd) goes to etcd, correctly, with a watcher of its own. So no API watch may hold more than
    // one etcd watcher, and every one must be released; how many the cache served is printed.
    const etcdWhileOpen = await etcdWatchers(cluster);
    const latency = sampleLatency(() => tasks.get('keep', 'default'), 20);
    await new Promise((r) => setTimeout(r, 2000));
    const stats = await latency.stop();
    console.log(`      ${n} idle watches: ${((heap1 - heap0) * 1024 / n).toFixed(1)} KiB each (heap+external); ${formatSummary('get latency with them open', stats)}`);

    // The server ends the timed ones; the client drops the others abruptly.
    await waitFor('timed watches ended by the server', async () => cluster.api.activeWatches() <= base + n - Math.ceil(n / 4), 30_000, 100);
    for (const [i, req] of open.entries()) if (i % 4 !== 0) req.destroy();
    await waitFor('every watch released', async () => cluster.api.activeWatches() === base, 30_000, 100);
    // Below the API server too: etcd cancels every watcher the released watches held.
    const etcdOpen = await etcdWatchers(cluster);
    const c0 = Date.now();
    await waitFor('etcd watchers released', async () => (await etcdWatchers(cluster)) <= etcdBase, 60_000, 200);
    console.log(`      etcd watchers: ${etcdBase} before, ${etcdWhileOpen} with the watches open (${n - Math.min(n, etcdWhileOpen - etcdBase)} of ${n} API watches served by the watch cache), ${etcdOpen} when the API released them, back to ${etcdBase} ${((Date.now() - c0) / 1000).toFixed(1)} s later`);
    expect(etcdWhileOpen - etcdBase, 'etcd watchers opened for the API watches').to.be.at.most(n);
    watchAgent.destroy();
    const heap2 = heapMiB();
    console.log(`      all ${n} released; heap+external ${heap0.toFixed(0)} → ${heap1.toFixed(0)} (open) → ${heap2.toFixed(0)} MiB (closed)`);
    expect(stats.errors).to.equal(0);
    expect(heap2 - heap0, 'memory held after the watches closed (MiB)').to.be.below(32);
  });
});
