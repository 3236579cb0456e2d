import { execFileSync } from 'node:child_process';

// Whether the data-plane tests can run: the Debian package haproxy (hack/dev-env.sh installs it).

export function haveHaproxy(): boolean {
  try {
    execFileSync('haproxy', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
