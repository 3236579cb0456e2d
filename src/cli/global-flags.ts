// kubectl's global flags may come before the command (`kubectl -n team get pods`,
// `kubectl --context prod apply -f x.yaml`); okube's commands declare them per command, as
// commander needs. So leading global flags are moved to the end of the command line (before a
// `--`), where every client command's parser finds them. Anything else before the command is
// left for the parser to refuse.

/** The kubeconfig flags every client command takes, each with a value. */
const WITH_VALUE = new Set(['-n', '--namespace', '--kubeconfig', '--context', '-s', '--server', '--token']);

function globalFlagAt(args: string[], i: number): number {
  const a = args[i]!;
  if (WITH_VALUE.has(a)) return i + 1 < args.length ? 2 : 0;
  const eq = a.indexOf('=');
  if (eq > 0 && WITH_VALUE.has(a.slice(0, eq)) && a.startsWith('--')) return 1;
  // -nteam: a short flag with its value attached.
  if (a.startsWith('-n') && a.length > 2 && !a.startsWith('--')) return 1;
  return 0;
}

/**
 * `args` (after node and the script) with leading global flags moved after the command's own
 * arguments, when the first word that follows them is one of `clientCommands`; else unchanged.
 */
export function hoistGlobalFlags(args: string[], clientCommands: ReadonlySet<string>): string[] {
  const flags: string[] = [];
  let i = 0;
  while (i < args.length) {
    const n = globalFlagAt(args, i);
    if (n === 0) break;
    flags.push(...args.slice(i, i + n));
    i += n;
  }
  if (flags.length === 0 || i >= args.length || !clientCommands.has(args[i]!)) return args;
  const rest = args.slice(i);
  const dashes = rest.indexOf('--');
  return dashes < 0 ? [...rest, ...flags] : [...rest.slice(0, dashes), ...flags, ...rest.slice(dashes)];
}
