import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import selfsigned from 'selfsigned';
import { execProbe, httpProbe, tcpProbe } from '../../../src/probes/index.js';

// The executors against real loopback servers and real processes.

function listen(server: Server | ReturnType<typeof createHttpsServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/**
 * A loopback port whose listener never accepts and whose accept queue is full, so the kernel drops
 * every further SYN: a connect there hangs, as to a Node behind a cut link. Python, because a Node
 * server always accepts.
 */
async function unansweredPort(): Promise<{ port: number; child: ChildProcess }> {
  const script = [
    'import socket, time',
    's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)',
    'port = s.getsockname()[1]; held = []',
    'for _ in range(3):',
    '    c = socket.socket(); c.setblocking(False)',
    '    try: c.connect(("127.0.0.1", port))',
    '    except BlockingIOError: pass',
    '    held.append(c)',
    'time.sleep(0.3); print(port, flush=True); time.sleep(120)',
  ].join('\n');
  const child = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`listener exited (${code})`)));
  });
  return { port, child };
}

describe('probe executors', () => {
  let server: Server;
  let port: number;

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ok') res.writeHead(200).end('ok');
      else if (req.url === '/redirect') res.writeHead(302, { Location: '/ok' }).end();
      else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 1500);
      else if (req.url === '/header') res.writeHead(req.headers['x-probe'] === 'yes' ? 200 : 400).end();
      else res.writeHead(500).end('broken');
    });
    port = await listen(server);
  });
  after(() => server.closeAllConnections?.() ?? server.close());

  it('httpGet: 200 and 302 succeed', async () => {
    expect((await httpProbe({ host: '127.0.0.1', port, path: '/ok', timeoutMs: 1000 })).result).to.equal('Success');
    expect((await httpProbe({ host: '127.0.0.1', port, path: '/redirect', timeoutMs: 1000 })).result).to.equal('Success');
  });

  it('httpGet: 500 fails with the status code in the message', async () => {
    const r = await httpProbe({ host: '127.0.0.1', port, path: '/err', timeoutMs: 1000 });
    expect(r).to.deep.equal({ result: 'Failure', message: 'HTTP probe failed with statuscode: 500' });
  });

  it('httpGet: a response slower than the timeout fails as a timeout', async () => {
    const r = await httpProbe({ host: '127.0.0.1', port, path: '/slow', timeoutMs: 300 });
    expect(r.result).to.equal('Failure');
    expect(r.message).to.contain('timeout');
  });

  it('httpGet: a slow response within the timeout is a success', async () => {
    const r = await httpProbe({ host: '127.0.0.1', port, path: '/slow', timeoutMs: 5000 });
    expect(r.result).to.equal('Success');
  });

  it('httpGet: sends the configured headers', async () => {
    const r = await httpProbe({ host: '127.0.0.1', port, path: '/header', headers: [{ name: 'X-Probe', value: 'yes' }], timeoutMs: 1000 });
    expect(r.result).to.equal('Success');
  });

  it('httpGet: a closed port fails with connection refused', async () => {
    const closed = createServer();
    const p = await listen(closed);
    closed.close();
    expect((await httpProbe({ host: '127.0.0.1', port: p, timeoutMs: 1000 })).message).to.contain('connection refused');
  });

  it('httpGet: a connect that is never answered fails as a timeout after timeoutSeconds, not after the kernel gives up', async function () {
    this.timeout(15_000);
    const { port: silent, child } = await unansweredPort();
    try {
      const r = await httpProbe({ host: '127.0.0.1', port: silent, path: '/', timeoutMs: 1000 });
      expect(r).to.deep.equal({ result: 'Failure', message: `Get "http://127.0.0.1:${silent}/": timeout after 1s` });
    } finally {
      child.kill();
    }
  });

  it('tcpSocket: a connect that is never answered fails as a timeout', async function () {
    this.timeout(15_000);
    const { port: silent, child } = await unansweredPort();
    try {
      expect(await tcpProbe({ host: '127.0.0.1', port: silent, timeoutMs: 1000 })).to.deep.equal({ result: 'Failure', message: `dial tcp 127.0.0.1:${silent}: timeout after 1s` });
    } finally {
      child.kill();
    }
  });

  it('httpGet: HTTPS with a self-signed certificate is accepted, like kubelet', async () => {
    const pems = selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { days: 1, keySize: 2048 });
    const tls = createHttpsServer({ key: pems.private, cert: pems.cert }, (_req, res) => res.writeHead(204).end());
    const p = await listen(tls);
    try {
      expect((await httpProbe({ host: '127.0.0.1', port: p, scheme: 'HTTPS', timeoutMs: 2000 })).result).to.equal('Success');
    } finally {
      tls.close();
    }
  });

  it('tcpSocket: an open port succeeds and a closed one fails', async () => {
    expect((await tcpProbe({ host: '127.0.0.1', port, timeoutMs: 1000 })).result).to.equal('Success');
    const closed = createServer();
    const p = await listen(closed);
    closed.close();
    expect((await tcpProbe({ host: '127.0.0.1', port: p, timeoutMs: 1000 })).result).to.equal('Failure');
  });

  it('exec: exit 0 succeeds, a non-zero exit fails with the output tail, and a timeout fails', async () => {
    const run = async (cmd: string[], timeoutMs: number) => {
      const r = spawnSync(cmd[0], cmd.slice(1), { timeout: timeoutMs, encoding: 'utf8' });
      return { exitCode: r.status ?? -1, output: `${r.stdout}${r.stderr}`, timedOut: r.error !== undefined };
    };
    expect((await execProbe(run, ['sh', '-c', 'exit 0'], 1000)).result).to.equal('Success');
    const bad = await execProbe(run, ['sh', '-c', 'echo missing file; exit 1'], 1000);
    expect(bad).to.deep.equal({ result: 'Failure', message: 'command exited with 1: missing file' });
    expect((await execProbe(run, ['sleep', '5'], 200)).message).to.contain('timed out');
  });
});

describe('tcpSocket probe behind a proxy', () => {
  it('fails when the peer accepts and closes at once (docker-proxy with nothing behind it)', async () => {
    const { createServer: createTcp } = await import('node:net');
    const proxy = createTcp((socket) => socket.destroy());
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    try {
      const r = await tcpProbe({ host: '127.0.0.1', port: (proxy.address() as AddressInfo).port, timeoutMs: 1000 });
      expect(r.result).to.equal('Failure');
      expect(r.message).to.contain('closed by peer');
    } finally {
      proxy.close();
    }
  });
});
