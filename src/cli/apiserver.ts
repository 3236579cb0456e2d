import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { createApiServer } from '../apiserver/index.js';
import { CRD_DIR } from '../standalone/standalone.js';
import { EtcdStore } from '../storage/etcd-store.js';
import { errorMessage } from '../util/errors.js';
import { CliError } from './cli-error.js';
import { parseListen } from './up.js';

// `okube apiserver`: only okube's API server, on an external etcd — the Helm chart's standalone
// mode runs it as a Deployment next to an etcd StatefulSet.

interface ApiserverOptions {
  listen: string;
  etcdEndpoints?: string;
  dataDir: string;
  tokenFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  logLevel?: string;
  watchCache: boolean;
}

function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
  }
}

export function registerApiserver(program: Command): void {
  program
    .command('apiserver')
    .description("run only okube's Kubernetes-compatible API server, on an etcd cluster")
    .option('--listen <host:port>', 'address to serve HTTPS on', '0.0.0.0:6443')
    .option('--etcd-endpoints <urls>', 'etcd client URLs, comma-separated (required)')
    .option('--data-dir <dir>', 'where generated certificates and token are kept (when not given as files)', '/tmp/okube-apiserver')
    .option('--token-file <file>', 'the bearer token clients must present')
    .option('--tls-cert-file <file>', 'serving certificate (PEM)')
    .option('--tls-key-file <file>', 'serving key (PEM)')
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent')
    .option('--no-watch-cache', 'serve every list and watch from etcd (no watch cache)')
    .action(async (opts: ApiserverOptions) => {
      const endpoints = opts.etcdEndpoints?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
      if (!endpoints.length) throw new CliError('--etcd-endpoints is required (e.g. http://etcd-0.etcd:2379)');
      if (Boolean(opts.tlsCertFile) !== Boolean(opts.tlsKeyFile)) throw new CliError('--tls-cert-file and --tls-key-file go together');
      const store = new EtcdStore({ endpoints });
      let api;
      try {
        api = await createApiServer({
          store,
          crdDir: CRD_DIR,
          dataDir: opts.dataDir,
          listen: parseListen(opts.listen),
          auth: opts.tokenFile ? { tokens: [read(opts.tokenFile, '--token-file').trim()] } : undefined,
          servingCerts: opts.tlsCertFile ? { certPem: read(opts.tlsCertFile, '--tls-cert-file'), keyPem: read(opts.tlsKeyFile!, '--tls-key-file') } : undefined,
          watchCache: opts.watchCache ? undefined : false,
        });
      } catch (err) {
        await store.close();
        throw err instanceof CliError ? err : new CliError(`okube apiserver: ${errorMessage(err)}`);
      }
      process.stderr.write(`okube apiserver listening on ${api.url} (etcd ${endpoints.join(',')})\n`);
      await new Promise<void>((done) => {
        const stop = () => void api.close().then(() => store.close()).finally(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
