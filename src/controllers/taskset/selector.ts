import type { LabelSelector } from '../../api/types.js';

// metav1.LabelSelector as the TaskSet uses it: matching a Task's labels, and the string form
// (metav1.FormatLabelSelector) written to status.selector for the scale subresource.

export function selectorMatches(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  const ml = Object.entries(selector.matchLabels ?? {});
  const me = selector.matchExpressions ?? [];
  if (ml.length === 0 && me.length === 0) return false; // an empty selector selects nothing here (kube: Deployments reject it)
  if (!ml.every(([k, v]) => l[k] === v)) return false;
  return me.every((e) => {
    const has = Object.hasOwn(l, e.key);
    switch (e.operator) {
      case 'In':
        return has && (e.values ?? []).includes(l[e.key]);
      case 'NotIn':
        return !has || !(e.values ?? []).includes(l[e.key]);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}

/**
 * metav1.FormatLabelSelector: requirements sorted by key, `k=v` for matchLabels, `k in (a,b)` /
 * `k notin (a,b)` with sorted values, `k` / `!k`; `<none>` when empty.
 */
export function formatLabelSelector(selector: LabelSelector | undefined): string {
  if (!selector) return '<none>';
  const reqs: Array<{ key: string; text: string }> = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) reqs.push({ key: k, text: `${k}=${v}` });
  for (const e of selector.matchExpressions ?? []) {
    const values = [...new Set(e.values ?? [])].sort().join(',');
    const text = e.operator === 'In' ? `${e.key} in (${values})` : e.operator === 'NotIn' ? `${e.key} notin (${values})` : e.operator === 'Exists' ? e.key : `!${e.key}`;
    reqs.push({ key: e.key, text });
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const s = reqs.map((r) => r.text).join(',');
  return s === '' ? '<none>' : s;
}
