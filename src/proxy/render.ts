import type { Frontend } from './plan.js';

// HAProxy's configuration, a pure function of the frontends. Servers are rendered with their
// current state (a not-ready one `disabled`) so that a reload or a restart starts from the
// current endpoints; afterwards endpoint changes go through the Runtime API only. Server health
// is okube's readiness: no HAProxy checks. The admin socket exposes the listeners so a reload
// (master-worker, SIGUSR2) hands them over and drops no established connection.

export interface RenderOptions {
  /** Directory of the admin socket (and the rest of the data plane's files). */
  dir: string;
}

export function adminSocketPath(dir: string): string {
  return `${dir}/admin.sock`;
}

export function backendName(f: Pick<Frontend, 'id'>): string {
  return `be_${f.id}`;
}

export function frontendName(f: Pick<Frontend, 'id'>): string {
  return `fe_${f.id}`;
}

/** A frontend's listening side: what a reload changes. */
export type Listener = Pick<Frontend, 'id' | 'bindAddress' | 'bindPort' | 'mode'>;

/** What forces a reload: the listening side (ids, binds, modes), never the servers. */
export function frontendSignature(frontends: Listener[]): string {
  return frontends.map((f) => `${f.id}@${f.bindAddress}:${f.bindPort}/${f.mode}`).join('\n');
}

export function renderConfig(frontends: Frontend[], opts: RenderOptions): string {
  const lines = [
    '# Written by okube (src/proxy/render.ts); changes are overwritten.',
    'global',
    `  stats socket ${adminSocketPath(opts.dir)} mode 600 level admin expose-fd listeners`,
    '  stats timeout 30s',
    '  hard-stop-after 5m',
    '',
    'defaults',
    '  mode tcp',
    '  timeout connect 5s',
    '  timeout client 5m',
    '  timeout server 5m',
    '  timeout http-request 30s',
    '  timeout http-keep-alive 30s',
    '  retries 2',
    '  option redispatch',
    // A soft-stopping worker (reload) answers the next request of an idle keep-alive connection
    // with Connection: close instead of closing it under a client that may be sending.
    '  option idle-close-on-response',
    '',
  ];
  for (const f of frontends) {
    lines.push(
      `frontend ${frontendName(f)}`,
      `  bind ${f.bindAddress}:${f.bindPort}`,
      `  mode ${f.mode}`,
      `  default_backend ${backendName(f)}`,
      '',
      `backend ${backendName(f)}`,
      `  mode ${f.mode}`,
      '  balance roundrobin',
    );
    for (const s of f.servers) lines.push(`  server ${s.name} ${s.address}:${s.port}${s.ready ? '' : ' disabled'}`);
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * The listening side of a config renderConfig wrote (an adopted HAProxy's file): pure. A
 * frontend whose bind or mode cannot be read is left out (the next apply reloads then).
 */
export function renderedListeners(config: string): Listener[] {
  const out: Listener[] = [];
  let current: { id: string; bind?: string; mode?: string } | undefined;
  const flush = () => {
    const at = current?.bind?.lastIndexOf(':') ?? -1;
    const port = current?.bind ? Number(current.bind.slice(at + 1)) : NaN;
    if (current && at > 0 && Number.isInteger(port) && (current.mode === 'http' || current.mode === 'tcp')) {
      out.push({ id: current.id, bindAddress: current.bind!.slice(0, at), bindPort: port, mode: current.mode });
    }
    current = undefined;
  };
  for (const line of config.split('\n')) {
    const [word, arg] = line.trim().split(/\s+/);
    if (!line.startsWith(' ')) {
      flush();
      if (word === 'frontend' && arg?.startsWith('fe_')) current = { id: arg.slice(3) };
    } else if (current && word === 'bind') current.bind = arg;
    else if (current && word === 'mode') current.mode = arg;
  }
  flush();
  return out;
}
