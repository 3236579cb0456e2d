import { CliError } from '../cli-error.js';
import type { ApiTarget } from './kubeconfig-static.js';

// kubectl's --server and --token over the kubeconfig's: the same cluster settings (its CA) for
// another address, or another identity on the same cluster — how people try what a
// ServiceAccount may do (`--token "$(kubectl create token dev)"`). A token given here is the
// request's only credential: a client certificate from the kubeconfig is not sent beside it,
// since the server would authenticate the certificate first and the token would be ignored.

export interface TargetOverrides {
  server?: string;
  token?: string;
}

export function withOverrides(target: ApiTarget, o: TargetOverrides): ApiTarget {
  if (o.server === undefined && o.token === undefined) return target;
  let server = target.server;
  if (o.server !== undefined) {
    // kubectl takes a bare host:port as https.
    const raw = /^[a-z][a-z0-9+.-]*:\/\//i.test(o.server) ? o.server : `https://${o.server}`;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new CliError(`--server: "${o.server}" is not a URL (e.g. https://127.0.0.1:6443)`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CliError(`--server: "${o.server}" must be an http or https URL`);
    server = url.href.replace(/\/$/, '');
  }
  if (o.token !== undefined && !o.token.trim()) throw new CliError('--token: the token is empty');
  const token = o.token?.trim();
  return {
    ...target,
    server,
    async apply(opts) {
      await target.apply(opts);
      // The kubeconfig's agent is https and pins the kubeconfig server's certificate: another
      // server (or plain http) gets a fresh connection, verified against the same CA.
      if (o.server !== undefined) opts.agent = undefined;
      if (token === undefined) return;
      delete opts.cert;
      delete opts.key;
      // The kubeconfig's agent may hold its client certificate: a request with a token uses its own.
      if (opts.agent && typeof opts.agent === 'object' && (opts.agent as { options?: { cert?: unknown } }).options?.cert) opts.agent = undefined;
      opts.headers = { ...(opts.headers as Record<string, string>), Authorization: `Bearer ${token}` };
    },
  };
}
