import { connect } from 'node:net';
import type { ProbeResult } from './result.js';

/** How long an accepted connection must stay open to count as a listener. */
const SETTLE_MS = 250;

/**
 * tcpSocket: success when a connection opens within the timeout and is not closed by the peer
 * at once. Probes run from outside the container, through the port Docker publishes, and
 * docker-proxy accepts every connection on that port — only then does it find nothing listening
 * behind it and close. A plain "connect succeeded" would pass for a dead app.
 */
export function tcpProbe(t: { host: string; port: number; timeoutMs: number }): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: t.host, port: t.port });
    let settle: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(settle);
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(t.timeoutMs, () => finish({ result: 'Failure', message: `dial tcp ${t.host}:${t.port}: timeout after ${t.timeoutMs / 1000}s` }));
    socket.once('connect', () => {
      settle = setTimeout(() => finish({ result: 'Success', message: `connected to ${t.host}:${t.port}` }), Math.min(SETTLE_MS, t.timeoutMs / 2));
    });
    const closedEarly = () => finish({ result: 'Failure', message: `dial tcp ${t.host}:${t.port}: connection closed by peer right after connect (nothing listening behind the published port?)` });
    socket.once('end', closedEarly);
    socket.once('close', closedEarly);
    socket.once('error', (err: NodeJS.ErrnoException) =>
      finish({ result: 'Failure', message: `dial tcp ${t.host}:${t.port}: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.code === 'ECONNRESET' ? 'connection reset by peer' : err.message}` }),
    );
  });
}
