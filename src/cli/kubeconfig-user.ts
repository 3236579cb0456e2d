import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { issueCert, loadCa } from '../apiserver/certs.js';
import { kubeconfigYaml, writeKubeconfig } from '../apiserver/kubeconfig.js';
import { errorMessage, isOkubeError } from '../util/errors.js';
import { CliError } from './cli-error.js';
import { repeatable } from './commands/flags.js';

// `okube kubeconfig user --name jane --group devs`: a kubeconfig for a new user, as `kubeadm
// kubeconfig user` makes one: a client certificate signed by okube's CA (from the data dir, so
// only whoever can read the CA key can mint users) with CN = the user and O = each group. What
// the user may do is then up to RBAC (kubectl create rolebinding ...). Written 0600 to --out, or
// printed.

interface Options {
  name: string;
  group: string[];
  dataDir: string;
  server?: string;
  out?: string;
  validityDays: string;
  namespace?: string;
}

/** The server URL of the admin kubeconfig `okube up` wrote into the data dir, if any. */
function serverFromDataDir(dataDir: string): string | undefined {
  try {
    const doc = yaml.load(readFileSync(join(dataDir, 'kubeconfig'), 'utf8')) as { clusters?: Array<{ cluster?: { server?: string } }> };
    return doc.clusters?.[0]?.cluster?.server;
  } catch {
    return undefined;
  }
}

export function registerKubeconfig(program: Command): void {
  const kc = program.command('kubeconfig').description('kubeconfig files for okube users');
  kc.command('user')
    .description("write a kubeconfig for a user: a client certificate from okube's CA (CN = user, O = groups)")
    .requiredOption('--name <user>', 'the user name (the certificate CN)')
    .option('--group <group>', 'a group the user is in (the certificate O); repeat for more', repeatable, [] as string[])
    .option('--data-dir <dir>', "okube's data dir, where the CA is (pki/ca.crt, pki/ca.key)", join(homedir(), '.okube'))
    .option('--server <url>', "the API server's URL (default: the one in DATA_DIR/kubeconfig)")
    .option('--namespace <ns>', "the context's namespace")
    .option('--validity-days <n>', 'how long the certificate is valid', '365')
    .option('--out <file>', 'write the kubeconfig here (0600) instead of printing it')
    .action(async (opts: Options) => {
      const name = opts.name.trim();
      if (!name || /[\r\n/]/.test(name)) throw new CliError(`--name ${JSON.stringify(opts.name)}: a user name must be non-empty, one line, without '/'`);
      const days = Number(opts.validityDays);
      if (!Number.isInteger(days) || days < 1 || days > 3650) throw new CliError(`--validity-days ${opts.validityDays}: expected a whole number of days from 1 to 3650`);
      const dataDir = resolve(opts.dataDir);
      const server = opts.server ?? serverFromDataDir(dataDir);
      if (!server) throw new CliError(`no --server given and no kubeconfig in ${dataDir} to take it from`);
      let ca;
      try {
        ca = loadCa(dataDir);
      } catch (err) {
        throw new CliError(isOkubeError(err) ? err.message : errorMessage(err));
      }
      const cert = await issueCert(ca, { commonName: name, organizations: opts.group, client: true, days });
      const config = { server, caPem: ca.caPem, clientCertPem: cert.certPem, clientKeyPem: cert.keyPem, userName: name, namespace: opts.namespace };
      if (opts.out) {
        writeKubeconfig(resolve(opts.out), config);
        process.stderr.write(`wrote a kubeconfig for user ${JSON.stringify(name)}${opts.group.length ? ` (groups ${opts.group.join(', ')})` : ''} to ${resolve(opts.out)}\n`);
      } else process.stdout.write(kubeconfigYaml(config));
    });
}
