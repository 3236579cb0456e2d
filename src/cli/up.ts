import type { Command } from 'commander';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { prepareFreshKeys } from '../standalone/fresh-keys.js';
import { etcdClientTlsFromFlags } from '../storage/etcd-client-flags.js';
import { CliError } from './cli-error.js';
import { errorMessage, isOkubeError } from '../util/errors.js';
import { exitAfterStop } from './exit-after-stop.js';

// `okube up`: the CLI face of startStandalone. It owns the process side only — flags, signals
// (the first one stops what was started, a second exits at once), what is printed and the exit
// code — so the standalone system stays usable from tests without a process to manage.

interface UpOptions {
  dataDir: string;
  listen: string;
  etcdEndpoints?: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
  dockerHost: string;
  kubeconfigOut?: string;
  logLevel?: string;
  nodeName: string;
  proxy: boolean;
  proxyAddress: string;
  proxyPortRange: string;
}

export function parsePortRange(value: string): { start: number; end: number } {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(value.trim());
  const start = m ? Number(m[1]) : NaN;
  const end = m ? Number(m[2]) : NaN;
  if (!m || start < 1 || end > 65535 || start > end) throw new CliError(`--proxy-port-range ${JSON.stringify(value)}: expected START-END, e.g. 18000-18999`);
  return { start, end };
}

export const DEFAULT_LISTEN = '127.0.0.1:6443';

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[?([^\]]*)\]?:)?(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new CliError(`--listen ${JSON.stringify(value)}: expected HOST:PORT or PORT, e.g. ${DEFAULT_LISTEN}`);
  return { host: m[1] || '127.0.0.1', port };
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run okube on this machine: embedded etcd, API server, controllers and the local Docker engine as a Node')
    .option('--data-dir <dir>', 'where okube keeps etcd data, certificates, token and kubeconfig', join(homedir(), '.okube'))
    .option('--listen <host:port>', 'API server address', DEFAULT_LISTEN)
    .option('--etcd-endpoints <urls>', 'use an external etcd cluster (comma-separated URLs) instead of the embedded one')
    .option('--etcd-cafile <file>', 'CA of the external etcd\'s serving certificate (TLS)')
    .option('--etcd-certfile <file>', 'client certificate for the external etcd')
    .option('--etcd-keyfile <file>', 'client key for the external etcd')
    .option('--docker-host <url>', 'Docker engine registered as the first Node', process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock')
    .option('--kubeconfig-out <file>', 'where to write the kubeconfig (default: DATA_DIR/kubeconfig)')
    .option('--node-name <name>', 'name of the Node the Docker engine is registered as', 'local')
    .option('--no-proxy', 'run without the HAProxy data plane (TaskServices then get EndpointSlices only)')
    .option('--proxy-address <host>', 'where TaskService frontends listen', '127.0.0.1')
    .option('--proxy-port-range <start-end>', 'frontend ports for TaskServices that ask for none', '18000-18999')
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent')
    .action(async (opts: UpOptions) => {
      const dataDir = resolve(opts.dataDir);
      // A fresh data dir's keys are made while the rest of okube loads (fresh-keys.ts).
      prepareFreshKeys(dataDir, !opts.etcdEndpoints);
      const { startStandalone } = await import('../standalone/standalone.js');
      // Signals are handled from the start: a Ctrl-C during start-up undoes what was started
      // (stopping etcd, releasing the data dir) instead of leaving it to the kernel. A second
      // one does not wait for that.
      const stopRequested = new AbortController();
      let received: string | undefined;
      const onSignal = (signal: NodeJS.Signals) => {
        if (received) {
          process.stderr.write(`received ${signal} again, exiting now\n`);
          process.exit(130);
        }
        received = signal;
        process.stderr.write(`\nreceived ${signal}, shutting down…\n`);
        stopRequested.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let system;
      try {
        system = await startStandalone({
          signal: stopRequested.signal,
          dataDir,
          listen: parseListen(opts.listen),
          etcdEndpoints: opts.etcdEndpoints?.split(',').map((s) => s.trim()).filter(Boolean),
          etcdTls: etcdClientTlsFromFlags(opts),
          dockerHost: opts.dockerHost,
          kubeconfigPath: opts.kubeconfigOut ? resolve(opts.kubeconfigOut) : join(dataDir, 'kubeconfig'),
          nodeName: opts.nodeName,
          proxy: opts.proxy && {
            bindAddress: opts.proxyAddress,
            portRange: parsePortRange(opts.proxyPortRange),
            onAnswer: (line) => process.stdout.write(`service ${line}\n`),
          },
        });
      } catch (err) {
        if (received) throw new CliError(`start-up interrupted by ${received}`, 130);
        throw new CliError(isOkubeError(err) ? err.message : `okube up failed: ${errorMessage(err)}`);
      }
      process.stdout.write(
        [
          `okube is up`,
          `  API server: ${system.apiUrl}`,
          `  store:      ${system.storeDescription}`,
          ...system.summaryLines.map((l) => `  ${l}`),
          ``,
          `export KUBECONFIG=${system.kubeconfigPath}`,
          ``,
        ].join('\n'),
      );
      if (!stopRequested.signal.aborted) await new Promise((r) => stopRequested.signal.addEventListener('abort', r, { once: true }));
      try {
        await system.stop();
      } catch (err) {
        process.stderr.write(`shutdown: ${errorMessage(err)}\n`);
        process.exitCode = 1;
      }
      exitAfterStop();
    });
}
