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

/** What forces a reload: the listening side (ids, binds, modes), never the servers. */
export function frontendSignature(frontends: Frontend[]): string {
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
