import type { Command } from 'commander';

// Which module registers which okube command. Only the module of the command being run is
// loaded: `okube get` must not pay for loading the API server, etcd and Docker clients that
// `okube up` needs (start-up time is most of a client command's wall time). Help, a bare `okube`
// and anything unrecognised load them all. A test checks the names below against what each
// module registers.

export type Registrar = (program: Command) => void;

/** Every command module, in help order, with the command names it registers. */
export const COMMANDS: { names: string[]; load: () => Promise<Registrar> }[] = [
  { names: ['up'], load: async () => (await import('./up.js')).registerUp },
  { names: ['controllers'], load: async () => (await import('./controllers.js')).registerControllers },
  { names: ['apiserver'], load: async () => (await import('./apiserver.js')).registerApiserver },
  { names: ['kubeconfig'], load: async () => (await import('./kubeconfig-user.js')).registerKubeconfig },
  { names: ['cordon', 'uncordon', 'drain'], load: async () => (await import('./commands/nodes.js')).registerNodes },
  { names: ['apply'], load: async () => (await import('./commands/apply.js')).registerApply },
  { names: ['create'], load: async () => (await import('./commands/create.js')).registerCreate },
  { names: ['get'], load: async () => (await import('./commands/get.js')).registerGet },
  { names: ['describe'], load: async () => (await import('./commands/describe.js')).registerDescribe },
  { names: ['delete'], load: async () => (await import('./commands/delete.js')).registerDelete },
  { names: ['logs'], load: async () => (await import('./commands/logs.js')).registerLogs },
  { names: ['exec'], load: async () => (await import('./commands/exec.js')).registerExec },
  { names: ['wait'], load: async () => (await import('./commands/wait.js')).registerWait },
  { names: ['restart', 'retry'], load: async () => (await import('./commands/restart.js')).registerRestart },
  { names: ['rollout'], load: async () => (await import('./commands/rollout.js')).registerRollout },
  { names: ['scale'], load: async () => (await import('./commands/scale.js')).registerScale },
  { names: ['top'], load: async () => (await import('./commands/top.js')).registerTop },
];

/** The commands that talk to an API server and take kubectl's -n, --kubeconfig and --context. */
export const CLIENT_COMMANDS: ReadonlySet<string> = new Set(['cordon', 'uncordon', 'drain', 'apply', 'create', 'get', 'describe', 'delete', 'logs', 'exec', 'wait', 'restart', 'retry', 'rollout', 'scale', 'top']);

/** okube's own version flags: they print the version, so no command needs loading. */
const VERSION_FLAGS = ['-V', '--version'];

/**
 * Registers the command named `name` (argv[2]: okube itself has no options that take a value),
 * none for the version flags, or, when it names none (help, a bare `okube`, a typo), every command.
 */
export async function registerCommands(program: Command, name: string | undefined): Promise<void> {
  if (name !== undefined && VERSION_FLAGS.includes(name)) return;
  const only = COMMANDS.find((c) => name !== undefined && c.names.includes(name));
  for (const c of only ? [only] : COMMANDS) (await c.load())(program);
}
