import type { Command } from 'commander';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { LeaderElector } from '../controllers/leader-election.js';
import type { ControllerManager } from '../controllers/manager.js';
import { errorMessage } from '../util/errors.js';
import { loggerFor } from '../util/logger.js';
import { CliError } from './cli-error.js';
import { exitAfterStop } from './exit-after-stop.js';

// `okube controllers`: only the controllers, against any Kubernetes API (okube's own or a real
// cluster's) — the in-cluster mode of the Helm chart. With --leader-elect several replicas run
// and only the holder of the Lease reconciles.

interface ControllersOptions {
  kubeconfig?: string;
  server?: string;
  tokenFile?: string;
  certificateAuthority?: string;
  logLevel?: string;
  workers: string;
  leaderElect: boolean;
  leaderElectNamespace: string;
  leaderElectName: string;
  leaderElectLeaseDuration: string;
  leaderElectRenewDeadline: string;
  leaderElectRetryPeriod: string;
  metricsPort?: string;
  healthAddress: string;
  nodeGracePeriod: string;
  nodeUsagePeriod: string;
  nodeUsageStatsPerSecond: string;
}

function bool(v: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new CliError(`expected true or false, got ${JSON.stringify(v)}`);
}

function seconds(name: string, v: string): number {
  const n = Number(String(v).replace(/s$/, ''));
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`--${name}: expected a number of seconds, got ${JSON.stringify(v)}`);
  return n;
}

function rate(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new CliError(`--${name}: expected a number per second (0: no limit), got ${JSON.stringify(v)}`);
  return n;
}

export function registerControllers(program: Command): void {
  program
    .command('controllers')
    .description('run the okube controllers against a Kubernetes API (kubeconfig, flags, or in-cluster)')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--server <url>', 'API server URL (with --token-file and --certificate-authority)')
    .option('--token-file <file>', 'bearer token file')
    .option('--certificate-authority <file>', 'CA certificate of the API server')
    .option('--workers <n>', 'concurrent Task reconciles', '8')
    .option('--node-grace-period <s>', 'seconds a Docker engine may stay silent before its Node is not Ready', '40')
    .option('--node-usage-period <s>', "seconds between readings of each Node's usage figures (one-shot stats per running container); longer when the stats budget needs it", '30')
    .option('--node-usage-stats-per-second <n>', "budget of usage stats calls per second across all Nodes: with more running containers than this many per usage period, every Node's period stretches to fit (0: no budget)", '5')
    .option('--leader-elect [enabled]', 'elect one active replica through a coordination.k8s.io Lease', bool, false)
    .option('--leader-elect-namespace <ns>', 'namespace of the Lease', 'kube-system')
    .option('--leader-elect-name <name>', 'name of the Lease', 'okube-controllers')
    .option('--leader-elect-lease-duration <s>', 'seconds a standby waits before taking over', '15')
    .option('--leader-elect-renew-deadline <s>', 'seconds the leader may fail to renew before it steps down', '10')
    .option('--leader-elect-retry-period <s>', 'seconds between lease attempts', '2')
    .option('--metrics-port <port>', 'serve /metrics, /healthz, /livez and /readyz on this port')
    .option('--health-address <host>', 'address for the health endpoints', '0.0.0.0')
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent')
    .action(async (opts: ControllersOptions) => {
      // Loaded here, not at the top: `okube --help` registers this command too, and these
      // modules (client-node, dockerode, the controllers) are most of a second to load.
      const [{ loadKubeConfig, withIdentity }, { startHealthServer }, { LeaderElector }, { ControllerManager }] = await Promise.all([
        import('../client/kubeconfig.js'),
        import('../controllers/health-server.js'),
        import('../controllers/leader-election.js'),
        import('../controllers/manager.js'),
      ]);
      const log = loggerFor('controllers');
      let kc;
      try {
        kc = loadKubeConfig({ kubeconfig: opts.kubeconfig, server: opts.server, tokenFile: opts.tokenFile, certificateAuthority: opts.certificateAuthority });
      } catch (err) {
        throw new CliError(`okube controllers: ${errorMessage(err)}`);
      }
      const identity = process.env.POD_NAME ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
      let manager: ControllerManager | undefined;
      let shuttingDown = false;
      let elector: LeaderElector | undefined;

      const startManager = async () => {
        manager = new ControllerManager({
          kc,
          workers: Number(opts.workers),
          nodeGracePeriodMs: seconds('node-grace-period', opts.nodeGracePeriod) * 1000,
          nodeUsagePeriodMs: seconds('node-usage-period', opts.nodeUsagePeriod) * 1000,
          nodeUsageStatsPerSecond: rate('node-usage-stats-per-second', opts.nodeUsageStatsPerSecond),
        });
        await manager.start();
      };

      if (opts.metricsPort) {
        const ping = { name: 'ping', check: async () => undefined };
        // A standby is ready too: it serves as the next leader.
        const informersSynced = {
          name: 'informers-synced',
          check: async () => {
            if (elector && !elector.isLeader) return;
            if (!manager?.taskInformer.hasSynced() || !manager.nodeInformer.hasSynced() || !manager.taskSetInformer.hasSynced()) return 'the Task, Node and TaskSet informers have not synced yet';
          },
        };
        try {
          await startHealthServer({ host: opts.healthAddress, port: Number(opts.metricsPort), checks: { healthz: [ping], livez: [ping], readyz: [ping, informersSynced] } });
        } catch (err) {
          throw new CliError(`okube controllers: --metrics-port ${opts.metricsPort}: ${errorMessage(err)}`);
        }
      }

      try {
        if (opts.leaderElect) {
          elector = new LeaderElector({
            kc: withIdentity(kc, { program: 'okube-controllers', component: 'leader-election', fieldManager: 'okube-controllers' }),
            namespace: opts.leaderElectNamespace,
            name: opts.leaderElectName,
            identity,
            leaseDurationSeconds: seconds('leader-elect-lease-duration', opts.leaderElectLeaseDuration),
            renewDeadlineSeconds: seconds('leader-elect-renew-deadline', opts.leaderElectRenewDeadline),
            retryPeriodSeconds: seconds('leader-elect-retry-period', opts.leaderElectRetryPeriod),
            onStartedLeading: startManager,
            onStoppedLeading: () => {
              // Like client-go: a replica that lost the lease exits and starts over as a standby.
              if (!shuttingDown) {
                log.error({ identity }, 'lost the leader lease; exiting');
                process.exit(1);
              }
            },
            onNewLeader: (leader) => log.info({ leader, me: identity }, 'leader'),
          });
          elector.start();
          process.stderr.write(`okube controllers ${identity} waiting for the lease ${opts.leaderElectNamespace}/${opts.leaderElectName}\n`);
        } else {
          await startManager();
          process.stderr.write('okube controllers running\n');
        }
      } catch (err) {
        throw new CliError(`okube controllers: ${errorMessage(err)}`);
      }
      await new Promise<void>((done) => {
        const stop = () => {
          shuttingDown = true;
          // Stop reconciling first, then hand the lease over.
          void (manager?.stop() ?? Promise.resolve()).then(() => elector?.stop()).finally(done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      exitAfterStop();
    });
}
