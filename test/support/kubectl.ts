import { execFile } from 'node:child_process';

// Real kubectl as a child process. Asynchronous on purpose: the API server under test often runs
// in the test's own process and must keep answering while kubectl waits for it.

export interface Run { code: number; stdout: string; stderr: string }

/** `env` must carry KUBECONFIG and a per-test KUBECACHEDIR. */
export function kubectl(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Run> {
  return new Promise((res) => {
    const child = execFile('kubectl', args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      res({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}
