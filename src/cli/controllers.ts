import type { Command } from 'commander';
import { loadKubeConfig } from '../client/kubeconfig.js';
import { ControllerManager } from '../controllers/manager.js';
import { errorMessage } from '../util/errors.js';
import { CliError } from './cli-error.js';

// `okube controllers`: only the controllers, against any Kubernetes API (okube's own or a real
// cluster's) — the in-cluster mode of the Helm chart.

interface ControllersOptions {
  kubeconfig?: string;
  server?: string;
  tokenFile?: string;
  certificateAuthority?: string;
  logLevel?: string;
  workers: string;
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
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent')
    .allowUnknownOption(false)
    .action(async (opts: ControllersOptions) => {
      if (opts.logLevel) process.env.OKUBE_LOG_LEVEL = opts.logLevel;
      let manager: ControllerManager;
      try {
        const kc = loadKubeConfig({ kubeconfig: opts.kubeconfig, server: opts.server, tokenFile: opts.tokenFile, certificateAuthority: opts.certificateAuthority });
        manager = new ControllerManager({ kc, workers: Number(opts.workers) });
        await manager.start();
      } catch (err) {
        throw new CliError(`okube controllers: ${errorMessage(err)}`);
      }
      process.stderr.write('okube controllers running\n');
      await new Promise<void>((done) => {
        const stop = () => void manager.stop().finally(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
