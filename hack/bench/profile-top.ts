// Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, and the
// share of a few buckets (JSON, TLS/crypto, etcd client/gRPC, okube's own code), so before/after
// profiles can be compared in docs/benchmarks.md.
//
//   npx tsx hack/bench/profile-top.ts FILE.cpuprofile [--top 15]
import { readFileSync } from 'node:fs';
import { isMain, numberOpt } from './lib.js';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

export function profileTop(file: string, top: number): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const buckets = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const where = f.url.replace(/^.*\/(node_modules\/[^/]+|dist\/[^?]+|src\/[^?]+)/, '$1') || '(native)';
    const key = `${f.functionName || '(anonymous)'} ${where}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const b = f.functionName === '(idle)' ? 'idle' : f.functionName === '(garbage collector)' ? 'GC' : /JSON|stringify|parse/.test(f.functionName) ? 'JSON' : /grpc|etcd3|protobuf/.test(f.url) ? 'etcd client (gRPC)' : /node:tls|node:_tls|crypto|node:net|node:stream|node:_http|node:http/.test(f.url) ? 'HTTP/TLS/streams' : /dist\/|src\//.test(f.url) ? 'okube' : f.url ? 'other JS' : 'native/other';
    buckets.set(b, (buckets.get(b) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1)} %`;
  const lines = [`${file}: ${(total / 1e6).toFixed(2)} s sampled`, 'buckets: ' + [...buckets].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${pct(v)}`).join(', '), 'top self time:'];
  for (const [k, v] of [...fns].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v).padStart(7)}  ${k}`);
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  process.stdout.write(profileTop(args[0], numberOpt(args, 'top', 15)) + '\n');
}
