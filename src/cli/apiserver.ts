import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CRD_DIR } from '../standalone/standalone.js';
import { etcdClientTlsFromFlags } from '../storage/etcd-client-flags.js';
import { readAuditPolicy, type AuditOptions } from '../apiserver/audit.js';
import { errorMessage, isOkubeError } from '../util/errors.js';
import { ensurePrivateDir } from '../util/private-dir.js';
import { CliError } from './cli-error.js';
import { parseListen } from './up.js';
import { parseDuration } from './commands/flags.js';

// `okube apiserver`: only okube's API server, on an external etcd — the Helm chart's standalone
// mode runs it as a Deployment next to an etcd StatefulSet.

interface ApiserverOptions {
  listen: string;
  etcdEndpoints?: string;
  dataDir: string;
  tokenFile?: string;
  tokenAuthFile?: string;
  auditLogPath?: string;
  auditPolicyFile?: string;
  auditLogMaxsize: string;
  auditLogMaxbackup: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
  clientCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  serviceAccountSigningKeyFile?: string;
  logLevel?: string;
  watchCache: boolean;
  eventTtl: string;
}

function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
  }
}

function auditOptions(opts: ApiserverOptions): AuditOptions | undefined {
  if (!opts.auditLogPath) {
    if (opts.auditPolicyFile) throw new CliError('--audit-policy-file needs --audit-log-path');
    return undefined;
  }
  const size = Number(opts.auditLogMaxsize);
  const backups = Number(opts.auditLogMaxbackup);
  if (!Number.isInteger(size) || size < 1) throw new CliError(`--audit-log-maxsize ${opts.auditLogMaxsize}: expected a whole number of MB, at least 1`);
  if (!Number.isInteger(backups) || backups < 0) throw new CliError(`--audit-log-maxbackup ${opts.auditLogMaxbackup}: expected a whole number, at least 0`);
  return {
    path: opts.auditLogPath,
    ...(opts.auditPolicyFile ? { policy: readAuditPolicy(opts.auditPolicyFile) } : {}),
    maxSizeBytes: size * 1024 * 1024,
    maxBackups: backups,
  };
}

export function registerApiserver(program: Command): void {
  program
    .command('apiserver')
    .description("run only okube's Kubernetes-compatible API server, on an etcd cluster")
    .option('--listen <host:port>', 'address to serve HTTPS on', '0.0.0.0:6443')
    .option('--etcd-endpoints <urls>', 'etcd client URLs, comma-separated (required)')
    .option('--etcd-cafile <file>', 'CA of etcd\'s serving certificate (TLS)')
    .option('--etcd-certfile <file>', 'client certificate for etcd')
    .option('--etcd-keyfile <file>', 'client key for etcd')
    .option('--data-dir <dir>', 'where generated certificates and token are kept (when not given as files); must be owned by okube\'s user and private (0700), created so when missing', join(homedir(), '.okube', 'apiserver'))
    .option('--token-file <file>', 'the admin bearer token (its holder is in system:masters)')
    .option('--token-auth-file <file>', 'further users: kube-apiserver\'s CSV token,user,uid,"group1,group2"')
    .option('--client-ca-file <file>', 'CA whose client certificates authenticate users (CN user, O groups); default: okube\'s CA')
    .option('--tls-cert-file <file>', 'serving certificate (PEM)')
    .option('--tls-key-file <file>', 'serving key (PEM)')
    .option('--service-account-signing-key-file <file>', 'private key (PEM: RSA or EC) that signs and checks ServiceAccount tokens; replicas share it (default: an EC P-256 key generated once in --data-dir)')
    .option('--audit-log-path <file>', 'write audit.k8s.io/v1 events as JSON lines here (- for stdout); no audit log without it')
    .option('--audit-policy-file <file>', 'audit.k8s.io/v1 Policy (default: Metadata for all but health probes)')
    .option('--audit-log-maxsize <MB>', 'rotate the audit log at this size', '100')
    .option('--audit-log-maxbackup <n>', 'rotated audit logs kept', '5')
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent')
    .option('--no-watch-cache', 'serve every list and watch from etcd (no watch cache)')
    .option('--event-ttl <duration>', 'how long an Event is kept after its last write (as kube-apiserver; 0 keeps Events for good)', '1h')
    .action(async (opts: ApiserverOptions) => {
      const endpoints = opts.etcdEndpoints?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
      if (!endpoints.length) throw new CliError('--etcd-endpoints is required (e.g. http://etcd-0.etcd:2379)');
      if (Boolean(opts.tlsCertFile) !== Boolean(opts.tlsKeyFile)) throw new CliError('--tls-cert-file and --tls-key-file go together');
      try {
        ensurePrivateDir(opts.dataDir, '--data-dir');
      } catch (err) {
        throw new CliError(isOkubeError(err) ? err.message : `--data-dir ${opts.dataDir}: ${errorMessage(err)}`);
      }
      let etcdTls;
      let audit: AuditOptions | undefined;
      let eventTtlSeconds: number;
      try {
        etcdTls = etcdClientTlsFromFlags(opts);
        audit = auditOptions(opts);
        eventTtlSeconds = Math.ceil(parseDuration(opts.eventTtl) / 1000);
      } catch (err) {
        throw new CliError(errorMessage(err));
      }
      // Loaded here, not at the top: `okube --help` registers this command too, and the API
      // server with etcd's gRPC client is most of a second to load.
      const [{ createApiServer }, { EtcdStore }] = await Promise.all([import('../apiserver/index.js'), import('../storage/etcd-store.js')]);
      const store = new EtcdStore({ endpoints, ...(etcdTls ? { tls: etcdTls } : {}) });
      let api;
      try {
        api = await createApiServer({
          store,
          crdDir: CRD_DIR,
          dataDir: opts.dataDir,
          listen: parseListen(opts.listen),
          ...(audit ? { audit } : {}),
          auth: {
            ...(opts.tokenFile ? { tokens: [read(opts.tokenFile, '--token-file').trim()] } : {}),
            ...(opts.tokenAuthFile ? { tokenAuthFile: opts.tokenAuthFile } : {}),
            ...(opts.clientCaFile ? { clientCaPem: read(opts.clientCaFile, '--client-ca-file') } : {}),
            ...(opts.serviceAccountSigningKeyFile ? { serviceAccountKeyPem: read(opts.serviceAccountSigningKeyFile, '--service-account-signing-key-file') } : {}),
          },
          servingCerts: opts.tlsCertFile ? { certPem: read(opts.tlsCertFile, '--tls-cert-file'), keyPem: read(opts.tlsKeyFile!, '--tls-key-file') } : undefined,
          watchCache: opts.watchCache ? undefined : false,
          eventTtlSeconds,
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
