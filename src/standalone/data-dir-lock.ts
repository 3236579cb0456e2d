import { createHash } from 'node:crypto';
import { realpathSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { OkubeError } from '../util/errors.js';

// One `okube up` per data dir. The lock is a listening Unix socket: the kernel releases it when
// the process dies however it dies (kill -9, OOM), so a stale lock can never block the next start,
// and whoever holds it answers a connection with its pid, for the error message. On Linux the
// socket lives in the abstract namespace (nothing on disk, no path-length limit); elsewhere it
// is a socket file in the data dir, found stale when nobody accepts on it.

export interface DataDirLock {
  release(): Promise<void>;
}

/** Where the lock of a data dir listens: pure, so it is tested with plain data. */
export function lockAddress(realDataDir: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'linux') return `\0okube-up-${createHash('sha256').update(realDataDir).digest('hex').slice(0, 32)}`;
  return join(realDataDir, 'okube-up.sock');
}

function listen(address: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.end(`${process.pid}\n`));
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      // The lock must not be what keeps okube up running.
      server.unref();
      resolve(server);
    });
  });
}

/** The pid the holder reports, or undefined when nobody accepts (a stale socket file). */
function holderPid(address: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect(address);
    let data = '';
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('error', () => resolve(undefined));
    socket.on('close', () => resolve(Number.parseInt(data, 10) || undefined));
  });
}

/** Takes the data dir for this process or fails with one line naming the pid that has it. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const address = lockAddress(realpathSync(dataDir));
  for (let attempt = 0; ; attempt++) {
    try {
      const server = await listen(address);
      return { release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        throw new OkubeError('ConfigError', `cannot lock data dir ${dataDir} (${(err as Error).message}): pick another with --data-dir`);
      }
      const pid = await holderPid(address);
      if (pid !== undefined || attempt > 0 || address.startsWith('\0')) {
        throw new OkubeError(
          'ConfigError',
          `data dir ${dataDir} is in use by another okube up (pid ${pid ?? 'unknown'}): stop it first, or pick another data dir with --data-dir`,
        );
      }
      // A socket file nobody accepts on is left by a process that died: take it over.
      rmSync(address, { force: true });
    }
  }
}
