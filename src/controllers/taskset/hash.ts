import type { TaskSetSpec } from '../../api/types.js';
import { canonicalJson } from '../../util/canonical-json.js';

// The okube.dev/template-hash label: a stable name for one TaskSet template, as pod-template-hash
// is for a Deployment's. FNV-1a (32 bit) over the template as canonical JSON (keys sorted, so the
// order a client sent them in does not matter; the API server has already applied the defaults,
// and the ones it leaves out of list items are spelled out here, so spelling a default out does
// not change it), rendered with Kubernetes' SafeEncodeString
// alphabet (no vowels, so no words), as kube renders pod-template-hash.

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Kubernetes' rand.SafeEncodeString: each character mapped into a vowel-free alphabet. */
export function safeEncode(s: string): string {
  return [...s].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join('');
}

/**
 * The template with the values the CRDs once defaulted inside list items spelled out (port
 * protocol TCP and hostPort 0, secret/configMap defaultMode 0644). The CRDs no longer default
 * inside lists (so kubectl re-applies "unchanged"); spelling them out here keeps one hash for a
 * template stored before and after that change, so an upgrade rolls nothing.
 */
function withListDefaults(template: TaskSetSpec['template']): TaskSetSpec['template'] {
  const spec = template.spec;
  if (!spec?.ports && !spec?.volumes) return template;
  return {
    ...template,
    spec: {
      ...spec,
      ports: spec.ports?.map((p) => ({ ...p, hostPort: p.hostPort ?? 0, protocol: p.protocol ?? 'TCP' })),
      volumes: spec.volumes?.map((v) => ({
        ...v,
        ...(v.secret ? { secret: { ...v.secret, defaultMode: v.secret.defaultMode ?? 0o644 } } : {}),
        ...(v.configMap ? { configMap: { ...v.configMap, defaultMode: v.configMap.defaultMode ?? 0o644 } } : {}),
      })),
    },
  };
}

export function templateHash(template: TaskSetSpec['template']): string {
  return safeEncode(String(fnv32a(canonicalJson(withListDefaults(template)))));
}

/** Five characters of the same alphabet (kube's utilrand.String(5)) for Task names. */
export function randomSuffix(random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += ALPHANUMS[Math.floor(random() * ALPHANUMS.length)];
  return s;
}
