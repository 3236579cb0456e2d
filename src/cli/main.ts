import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { CLIENT_COMMANDS, registerCommands } from './command-table.js';
import { hoistGlobalFlags } from './global-flags.js';

// The okube command line. Each subcommand lives in its own module and registers itself here
// (command-table.ts loads only the one being run).

// Last resort: an error nothing caught (an 'error' event without a listener, a rejected promise
// nobody awaited) still ends okube with one line and a non-zero exit, not a stack trace; the
// stack is for whoever asked for debug logs.
function crash(err: unknown): never {
  const debug = /^(debug|trace)$/.test(process.env.OKUBE_LOG_LEVEL ?? '');
  const detail = err instanceof Error ? (debug ? err.stack : err.message) : String(err);
  process.stderr.write(`error: okube crashed: ${detail} (a bug: please report it)\n`);
  process.exit(70);
}
// A reader that went away (`okube get tasks -w | head -1`) ends okube quietly, as SIGPIPE ends kubectl.
process.stdout.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' ? process.exit(141) : crash(err)));
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
const program = new Command('okube')
  .description('okube — a Kubernetes-style orchestrator for Docker hosts')
  .version('0.1.0')
  // One line after a usage error, as kubectl's "See 'kubectl get --help' for usage.", not the whole help.
  .showHelpAfterError("See 'okube <command> --help' for usage.")
  .exitOverride();

try {
  const args = hoistGlobalFlags(process.argv.slice(2), CLIENT_COMMANDS);
  await registerCommands(program, args[0]);
  await program.parseAsync(args, { from: 'user' });
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else if (err instanceof CliError) {
    process.stderr.write(`${err.prefix}${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
