import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../client/kubeconfig.js';
import { errorMessage } from '../../util/errors.js';
import { CliError } from '../cli-error.js';
import type { ApiTarget, KubeconfigChoice } from './kubeconfig-static.js';

// Any kubeconfig, read by @kubernetes/client-node as the controllers read it: several $KUBECONFIG
// files, exec and auth-provider plugins, in-cluster config, and kubectl-like errors for a missing
// or broken one. Loaded only when kubeconfig-static.ts cannot read the kubeconfig itself.

/** client-node's KubeConfig for the choice, or a one-line CliError saying what to do. */
function openKubeConfig(opts: KubeconfigChoice): KubeConfig {
  let kc: KubeConfig;
  try {
    kc = loadKubeConfig({ kubeconfig: opts.kubeconfig });
    if (opts.context) kc.setCurrentContext(opts.context);
  } catch (err) {
    const where = opts.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
    const why = /Cannot read properties|is not iterable/.test(errorMessage(err)) ? `${where} is not a kubeconfig` : errorMessage(err);
    throw new CliError(`${why}: set KUBECONFIG (okube up prints the export line) or pass --kubeconfig`);
  }
  if (!kc.getCurrentCluster()) throw new CliError('no cluster in the kubeconfig: set KUBECONFIG (okube up prints it) or pass --kubeconfig');
  return kc;
}

/** The API target client-node makes of the choice. */
export function fullTarget(opts: KubeconfigChoice): ApiTarget {
  const kc = openKubeConfig(opts);
  const cluster = kc.getCurrentCluster()!;
  return {
    server: cluster.server,
    identity: cluster.caData ?? cluster.caFile,
    namespace: kc.getContextObject(kc.getCurrentContext())?.namespace,
    apply: (o) => kc.applyToHTTPSOptions(o),
  };
}
