import { fnv32a, safeEncode } from './hash.js';

// The value of the okube.dev/taskset label on a TaskSet's ControllerRevisions. A label value holds
// at most 63 characters but a TaskSet name up to 253, so a longer name keeps its first 52
// characters and gets '-' plus its FNV-32 hash in the template-hash alphabet (≤ 10 characters):
// stable, valid (starts with the name's alphanumeric, ends with the hash's), and distinct for names
// that share a long prefix. The label only finds orphans and narrows a list; the controller
// ownerReference uid decides whose a revision is.

const MAX_LABEL_VALUE = 63;
const PREFIX = 52;

export function taskSetNameLabelValue(name: string): string {
  if (name.length <= MAX_LABEL_VALUE) return name;
  return `${name.slice(0, PREFIX)}-${safeEncode(String(fnv32a(name)))}`;
}
