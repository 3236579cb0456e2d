import { connect } from 'node:net';
import type { ProbeResult } from './result.js';

/** tcpSocket: success when a connection opens within the timeout. */
export function tcpProbe(t: { host: string; port: number; timeoutMs: number }): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: t.host, port: t.port });
    const finish = (r: ProbeResult) => {
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(t.timeoutMs, () => finish({ result: 'Failure', message: `dial tcp ${t.host}:${t.port}: timeout after ${t.timeoutMs / 1000}s` }));
    socket.once('connect', () => finish({ result: 'Success', message: `connected to ${t.host}:${t.port}` }));
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ result: 'Failure', message: `dial tcp ${t.host}:${t.port}: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}` }));
  });
}
