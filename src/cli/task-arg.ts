import { CliError } from './cli-error.js';

// The TASK argument of `okube logs` and `okube exec`: NAME, or TYPE/NAME with TYPE one of the
// names kubectl knows the type by (plural, singular, short name, with or without the group).

const TYPE_NAMES = {
  task: ['task', 'tasks', 'tk', 'task.okube.dev', 'tasks.okube.dev'],
  taskset: ['taskset', 'tasksets', 'tks', 'taskset.okube.dev', 'tasksets.okube.dev'],
} as const;

export type TaskArgKind = keyof typeof TYPE_NAMES;

/** A bare NAME is a Task's; a TYPE the command does not take is refused with `refusal(type)`. */
export function parseTaskArg<K extends TaskArgKind>(arg: string, kinds: readonly K[], refusal: (type: string) => string): { kind: K | 'task'; name: string } {
  const slash = arg.indexOf('/');
  if (slash < 0) return { kind: 'task', name: arg };
  const type = arg.slice(0, slash);
  const name = arg.slice(slash + 1);
  if (!name) throw new CliError(`arguments in resource/name form must have a single resource and name`);
  const kind = kinds.find((k) => (TYPE_NAMES[k] as readonly string[]).includes(type.toLowerCase()));
  if (!kind) throw new CliError(refusal(type));
  return { kind, name };
}
