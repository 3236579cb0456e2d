import type { ExecResult } from '../runtime/runtime.js';
import type { ProbeResult } from './result.js';

/** exec: the command runs in the container (Docker exec); exit 0 is success. */
export async function execProbe(exec: (command: string[], timeoutMs: number) => Promise<ExecResult>, command: string[], timeoutMs: number): Promise<ProbeResult> {
  try {
    const r = await exec(command, timeoutMs);
    const tail = r.output.trim().slice(-256);
    if (r.timedOut) return { result: 'Failure', message: `command timed out after ${timeoutMs / 1000}s${tail ? `: ${tail}` : ''}` };
    return r.exitCode === 0 ? { result: 'Success', message: tail || 'exit 0' } : { result: 'Failure', message: `command exited with ${r.exitCode}${tail ? `: ${tail}` : ''}` };
  } catch (err) {
    return { result: 'Failure', message: `exec failed: ${(err as Error).message}` };
  }
}
