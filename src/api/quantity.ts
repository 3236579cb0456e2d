import { OkubeError } from '../util/errors.js';

// Kubernetes quantities: "500m" or "2" CPUs, "128Mi" or "1G" bytes.

const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/** The quantity as a plain number (CPUs, or bytes). */
export function parseQuantity(q: string | number | undefined, field = 'quantity'): number | undefined {
  if (q === undefined || q === null || q === '') return undefined;
  if (typeof q === 'number') return q;
  const m = QUANTITY.exec(q.trim());
  if (!m) throw new OkubeError('Invalid', `${field}: ${JSON.stringify(q)} is not a quantity (e.g. 500m, 2, 128Mi, 1G)`);
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * SUFFIX[m[3] ?? ''];
}

/** CPUs → Docker's NanoCpus. */
export function cpuToNano(q: string | number | undefined): number | undefined {
  const v = parseQuantity(q, 'cpu');
  return v === undefined ? undefined : Math.round(v * 1e9);
}

/** Memory → whole bytes. */
export function memoryToBytes(q: string | number | undefined): number | undefined {
  const v = parseQuantity(q, 'memory');
  return v === undefined ? undefined : Math.round(v);
}

/** CPUs as Kubernetes writes them (millicores when fractional). */
export function formatCpu(cpus: number): string {
  return Number.isInteger(cpus) ? String(cpus) : `${Math.round(cpus * 1000)}m`;
}

/** Bytes as Kubernetes writes them (Ki/Mi/Gi when exact). */
export function formatMemory(bytes: number): string {
  for (const [suffix, size] of [['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${suffix}`;
  }
  return bytes >= 2 ** 20 ? `${Math.round(bytes / 2 ** 20)}Mi` : String(bytes);
}
