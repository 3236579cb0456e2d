// Annotations that carry a request from one okube component to another on a Task, as
// strings (an annotation's value is always one). The scheduler reads them; whoever writes them
// (the TaskSet controller, a user) imports the names and the formatting from here so both sides
// agree on the spelling.

/**
 * Soft avoidance, read by the scheduler when it places a Task: a comma-separated list of Node
 * names (`"node-a,node-b"`). Among the Nodes that fit, the scheduler picks one that is not listed
 * whenever one exists, and falls back to a listed Node only when nothing else fits, so a Task is
 * never left Pending because of it. The TaskSet controller writes it on the replacement of a
 * replica that failed on those Nodes.
 */
export const AVOID_NODES_ANNOTATION = 'okube.dev/avoid-nodes';

/** The Node names in an avoid-nodes value: split on commas, trimmed, empties and repeats dropped. */
export function parseNodeList(value: string | undefined): string[] {
  if (!value) return [];
  return [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean))];
}

/** The value to write for these Node names (sorted, so a rewrite of the same set is no change). */
export function formatNodeList(names: Iterable<string>): string {
  return [...new Set(names)].filter(Boolean).sort().join(',');
}

/** The Nodes a Task (or any object's metadata) asks the scheduler to avoid. */
export function avoidedNodes(meta: { annotations?: Record<string, string> } | undefined): string[] {
  return parseNodeList(meta?.annotations?.[AVOID_NODES_ANNOTATION]);
}

/**
 * On a TaskSet's template (spec.template.metadata.annotations): when it was last restarted, an
 * RFC 3339 time. `okube rollout restart` writes it, as `kubectl rollout restart` writes
 * kubectl.kubernetes.io/restartedAt; the new value changes the template hash, so the controller
 * rolls every replica with the TaskSet's own strategy. It is the name the Task controller reads
 * as a restart request on a Task (src/controllers/task/requests.ts); a new Task that inherits it
 * from the template is unaffected, since its first container already carries the value.
 */
export const TEMPLATE_RESTARTED_AT_ANNOTATION = 'okube.dev/restartedAt';
