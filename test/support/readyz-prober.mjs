// A separate process that asks /readyz every INTERVAL ms over one kept-alive HTTPS connection
// and records the slowest answer (request written → status line), so the measurement is the
// server's, not the event loop of a test process that is busy attacking it. Prints
// {"count":N,"maxMs":M,"failures":F} and exits when its stdin closes.
import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';

const [url, caFile, intervalMs = '50'] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: readFileSync(caFile, 'utf8') });
let count = 0;
let maxMs = 0;
let failures = 0;
const all = [];
let stopped = false;

function once() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = request(url, { agent }, (res) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      count++;
      if (res.statusCode !== 200) failures++;
      if (ms > maxMs) maxMs = ms;
      all.push(ms);
      res.resume();
      res.on('end', resolve);
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      failures++;
      resolve();
    });
    req.end();
  });
}

process.stdin.on('end', () => (stopped = true));
process.stdin.resume();
while (!stopped) {
  await once();
  await new Promise((r) => setTimeout(r, Number(intervalMs)));
}
all.sort((a, b) => a - b);
const pct = (p) => Math.round((all[Math.min(all.length - 1, Math.floor(p * all.length))] ?? 0) * 10) / 10;
process.stdout.write(JSON.stringify({ count, maxMs: Math.round(maxMs * 10) / 10, p50: pct(0.5), p99: pct(0.99), over100: all.filter((x) => x >= 100).length, failures }) + '\n');
agent.destroy();
