// Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, and the
// share of a few buckets (JSON, TLS/crypto, etcd client/gRPC, okube's own code), so before/after
// profiles can be compared in docs/benchmarks.md.
//
// `--after REGEX` drops the samples before the first one whose stack has a frame matching REGEX
// (start-up, module loading, certificate generation); `--per N` adds the API server's create path
// in µs per operation by stage (each sample goes to the first stage in STAGES' order that any
// frame of its stack matches), for N operations in the profiled window; `--last S` keeps only the
// profile's last S seconds (e.g. a benchmark's idle window just before the process stops).
//
//   npx tsx hack/bench/profile-top.ts FILE.cpuprofile [--top 15] [--after serveCollection] [--per 1000] [--last 30]
import { readFileSync } from 'node:fs';
import { isMain, numberOpt } from './lib.js';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/**
 * Stages of a create through the shipped API server, matched against `function url` of each frame;
 * the first stage that matches any frame of a sample's stack wins. dist/ is bundled, so okube's
 * stages are told by function name (in dist/ only), the libraries' by their package path.
 */
const OK = String.raw`\S* \S*/dist/`;
const okube = (names: string) => new RegExp(`^(${names}) \\S*/dist/`);
const STAGES: Array<[string, RegExp]> = [
  ['idle', /^\(idle\) /],
  ['V8 garbage collector', /^\(garbage collector\) /],
  ['schema compile (ajv, CEL parse; the first write of a kind only)', /node_modules\/(ajv\/dist\/(compile|core|vocabularies)|@marcbachmann\/cel-js\/lib\/parser)/],
  ['managedFields (fieldmanager)', okube('recordUpdate|recordApply')],
  ['admission: prune, defaults, schema + CEL validation', okube('admit|checkTypeMeta')],
  ['namespace check', okube('namespaceMustAccept')],
  ['Task host path/port admission', okube('admitTaskHostPaths|admitHostPorts')],
  // Before the watch cache's stage: the collector indexes each event inside the cache's onEvent (its registry feed).
  ['garbage collector: index the etcd event', okube('observe')],
  ['watch cache: apply the etcd event', okube('onEvent')],
  ['etcd watch streams: decode of events (etcd3)', /node_modules\/etcd3\/lib\/watch\./],
  ['etcd client: the txn call and the watch streams\' transport (etcd3, gRPC, HTTP/2)', /node_modules\/(etcd3|@grpc|protobufjs|cockatiel)\/|node:internal\/http2\//],
  ['create: uid, timestamps, storage form', okube('prepareCreate|insert|toStored|create')],
  ['response: JSON encode + TLS write', okube('sendJson')],
  ['request body: read + JSON decode', okube('readObjectBody|readBody|decodeObject')],
  ['metrics, request log, audit', new RegExp(`${okube('observeRequest|logRequest|recordRequest|timeEtcd|record').source}|node_modules/(pino|prom-client)/`)],
  ['authentication, authorization', okube('authenticate|authorize|digest')],
  ['other okube code: filter chain, parse, routing, handler', new RegExp(`^${OK}`)],
  ['HTTP/1 server, TLS, sockets (Node)', /node:_http|node:_tls|node:tls|node:net|node:internal\/streams|node:internal\/stream_base|^writev /],
];

export function profileTop(file: string, top: number, opts: { after?: RegExp; per?: number; lastSeconds?: number } = {}): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frame = (id: number) => {
    const f = byId.get(id)!.callFrame;
    return `${f.functionName || '(anonymous)'} ${f.url}`;
  };
  const stack = (id: number): string[] => {
    const out: string[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) out.push(frame(cur));
    return out;
  };
  let first = 0;
  if (opts.after) {
    const rx = opts.after;
    first = p.samples.findIndex((id) => stack(id).some((f) => rx.test(f)));
    if (first < 0) throw new Error(`no sample has a frame matching ${rx}`);
  }
  if (opts.lastSeconds) {
    let t = p.timeDeltas.reduce((a, b) => a + b, 0);
    const from = t - opts.lastSeconds * 1e6;
    let i = p.samples.length;
    while (i > 0 && t > from) t -= p.timeDeltas[--i] ?? 0;
    first = Math.max(first, i);
  }
  const self = new Map<number, number>();
  for (let i = first; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const buckets = new Map<string, number>();
  const stages = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const where = f.url.replace(/^.*\/(node_modules\/[^/]+|dist\/[^?]+|src\/[^?]+)/, '$1') || '(native)';
    const key = `${f.functionName || '(anonymous)'} ${where}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const b = f.functionName === '(idle)' ? 'idle' : f.functionName === '(garbage collector)' ? 'GC' : /JSON|stringify|parse/.test(f.functionName) ? 'JSON' : /grpc|etcd3|protobuf/.test(f.url) ? 'etcd client (gRPC)' : /node:tls|node:_tls|crypto|node:net|node:stream|node:_http|node:http/.test(f.url) ? 'HTTP/TLS/streams' : /dist\/|src\//.test(f.url) ? 'okube' : f.url ? 'other JS' : 'native/other';
    buckets.set(b, (buckets.get(b) ?? 0) + us);
    if (opts.per) {
      const frames = stack(id);
      const stage = STAGES.find(([, rx]) => frames.some((fr) => rx.test(fr)))?.[0] ?? 'other (V8 internals, microtask plumbing, …)';
      stages.set(stage, (stages.get(stage) ?? 0) + us);
    }
  }
  // Each busy sample charged to the nearest okube function on its stack: which of okube's paths the time is spent under.
  const underOkube = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') continue;
    let owner = '(no okube frame)';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)!.callFrame;
      if (/\/(dist|src)\//.test(cf.url) && !/node_modules/.test(cf.url)) {
        owner = `${cf.functionName || '(anonymous)'} ${cf.url.replace(/^.*\/(dist|src)\//, '$1/')}:${cf.lineNumber + 1}`;
        break;
      }
    }
    underOkube.set(owner, (underOkube.get(owner) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1)} %`;
  const lines = [`${file}: ${(total / 1e6).toFixed(2)} s sampled${opts.after ? ` from the first sample in ${opts.after.source}` : ''}${opts.lastSeconds ? ` (the last ${opts.lastSeconds} s)` : ''}`, 'buckets: ' + [...buckets].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${pct(v)}`).join(', '), 'top self time:'];
  for (const [k, v] of [...fns].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v).padStart(7)}  ${k}`);
  lines.push('busy time by the nearest okube function on the stack:');
  for (const [k, v] of [...underOkube].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v).padStart(7)}  ${k}`);
  if (opts.per) {
    const busy = total - (stages.get('idle') ?? 0);
    lines.push(`per operation (${opts.per}): ${(busy / opts.per).toFixed(0)} µs of sampled time not idle, by stage:`);
    for (const [k, v] of [...stages].filter(([k]) => k !== 'idle').sort((a, b) => b[1] - a[1])) lines.push(`  ${(v / opts.per).toFixed(0).padStart(6)} µs  ${k}`);
  }
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const ai = args.indexOf('--after');
  const per = numberOpt(args, 'per', 0);
  const lastSeconds = numberOpt(args, 'last', 0);
  process.stdout.write(profileTop(args[0], numberOpt(args, 'top', 15), { ...(ai >= 0 ? { after: new RegExp(args[ai + 1]) } : {}), ...(per > 0 ? { per } : {}), ...(lastSeconds > 0 ? { lastSeconds } : {}) }) + '\n');
}
