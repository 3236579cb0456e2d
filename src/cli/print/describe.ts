import { humanAge } from './age.js';

// `describe` output in kubectl's generic form (what kubectl prints for any custom resource):
// Name, Namespace, Labels, Annotations, then every other field with "Smart Labels", nested maps
// indented, lists of maps flattened, values aligned like kubectl's tabwriter (padding 2, blocks
// of consecutive key/value lines), then the object's Events.

export interface EventLike {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  source?: { component?: string };
  reportingComponent?: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  metadata?: { creationTimestamp?: string };
}

const ACRONYMS = new Set(['API', 'URL', 'UID', 'OSB', 'GUID']);
const SKIP_METADATA = new Set(['name', 'namespace', 'labels', 'annotations', 'managedFields']);

/** kubectl's smartLabelFor: "containerID" → "Container ID", "apiVersion" → "API Version". */
export function smartLabel(field: string): string {
  if (/[^A-Za-z-]/.test(field)) return field;
  const parts = field.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+|-/g) ?? [field];
  return parts.map((p) => (ACRONYMS.has(p.toUpperCase()) ? p.toUpperCase() : p[0].toUpperCase() + p.slice(1))).join(' ');
}

function scalar(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Lines "indent Key:\tvalue" (a tab marks an aligned value), as kubectl's printUnstructuredContent. */
function content(lines: string[], level: number, obj: Record<string, unknown>, skip: (key: string) => boolean = () => false): void {
  const pad = '  '.repeat(level);
  for (const key of Object.keys(obj).sort()) {
    if (skip(key)) continue;
    const v = obj[key];
    const label = smartLabel(key);
    if (isMap(v)) {
      lines.push(`${pad}${label}:`);
      content(lines, level + 1, v);
    } else if (Array.isArray(v)) {
      lines.push(`${pad}${label}:`);
      for (const item of v) {
        if (isMap(item)) content(lines, level + 1, item);
        else lines.push(`${pad}  ${scalar(item)}`);
      }
    } else {
      lines.push(`${pad}${label}:\t${scalar(v)}`);
    }
  }
}

/** Go's tabwriter over "cell\tcell" lines: consecutive lines with a tab form one aligned block. */
export function alignTabs(lines: string[], padding = 2): string {
  const out: string[] = [];
  let block: string[][] = [];
  const flush = () => {
    const width = Math.max(...block.map((c) => c[0].length)) + padding;
    for (const c of block) out.push(c[0].padEnd(width) + c.slice(1).join('\t'));
    block = [];
  };
  for (const l of lines) {
    const tab = l.indexOf('\t');
    if (tab < 0) {
      if (block.length) flush();
      out.push(l);
    } else block.push([l.slice(0, tab), l.slice(tab + 1)]);
  }
  if (block.length) flush();
  return out.join('\n') + '\n';
}

function mapLines(label: string, m: Record<string, string> | undefined): string[] {
  const entries = Object.entries(m ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return [`${label}:\t<none>`];
  return entries.map(([k, v], i) => (i === 0 ? `${label}:\t${k}=${v}` : `\t${k}=${v}`));
}

function eventTable(events: EventLike[], now: Date): string[] {
  if (!events.length) return ['Events:  <none>'];
  const rows = [
    ['Type', 'Reason', 'Age', 'From', 'Message'],
    ['----', '------', '----', '----', '-------'],
    ...events.map((e) => {
      const last = e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
      const first = e.firstTimestamp ?? last;
      const age = last ? (e.count && e.count > 1 && first ? `${humanAge(now, last)} (x${e.count} over ${humanAge(now, first)})` : humanAge(now, last)) : '<unknown>';
      return [e.type ?? '', e.reason ?? '', age, e.source?.component ?? e.reportingComponent ?? '', (e.message ?? '').trim()];
    }),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)) + 2);
  return ['Events:', ...rows.map((r) => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('')}`)];
}

/** Name, Namespace, Labels, Annotations: the head every describer starts with. */
function head(meta: Record<string, unknown>): string[] {
  const lines = [`Name:\t${String(meta.name ?? '')}`];
  if (meta.namespace) lines.push(`Namespace:\t${String(meta.namespace)}`);
  return [...lines, ...mapLines('Labels', meta.labels as Record<string, string>), ...mapLines('Annotations', meta.annotations as Record<string, string>)];
}

const sortedEntries = (m: unknown) => Object.entries(isMap(m) ? m : {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * kubectl's SecretDescriber: the type and each key's size, never its value (describe output ends
 * up in tickets and chat), and no Events.
 */
function describeSecret(obj: Record<string, unknown>): string {
  const lines = [...head((obj.metadata ?? {}) as Record<string, unknown>), '', `Type:\t${String(obj.type ?? '')}`, '', 'Data', '===='];
  for (const [k, v] of sortedEntries(obj.data)) lines.push(`${k}:\t${Buffer.from(String(v), 'base64').length} bytes`);
  return alignTabs(lines);
}

/** kubectl's ConfigMapDescriber: each value under its key, binary data by size, then the Events. */
function describeConfigMap(obj: Record<string, unknown>, events: EventLike[], now: Date): string {
  const lines = [...head((obj.metadata ?? {}) as Record<string, unknown>), '', 'Data', '===='];
  for (const [k, v] of sortedEntries(obj.data)) lines.push(`${k}:`, '----', String(v), '');
  lines.push('', 'BinaryData', '====');
  for (const [k, v] of sortedEntries(obj.binaryData)) lines.push(`${k}: ${Buffer.from(String(v), 'base64').length} bytes`);
  lines.push('');
  return alignTabs(lines) + eventTable(sortEvents(events), now).join('\n') + '\n';
}

function sortEvents(events: EventLike[]): EventLike[] {
  return [...events].sort((a, b) => Date.parse(a.lastTimestamp ?? a.eventTime ?? '') - Date.parse(b.lastTimestamp ?? b.eventTime ?? ''));
}

/** kubectl's NamespaceDescriber, as it prints against a server without ResourceQuotas or LimitRanges. */
function describeNamespace(obj: Record<string, unknown>): string {
  const status = (isMap(obj.status) ? obj.status : {}) as { phase?: string };
  return alignTabs([...head((obj.metadata ?? {}) as Record<string, unknown>), `Status:\t${status.phase ?? ''}`]);
}

export function describeObject(obj: Record<string, unknown>, events: EventLike[], now = new Date()): string {
  if (obj.apiVersion === 'v1' && obj.kind === 'Namespace') return describeNamespace(obj);
  if (obj.apiVersion === 'v1' && obj.kind === 'Secret') return describeSecret(obj);
  if (obj.apiVersion === 'v1' && obj.kind === 'ConfigMap') return describeConfigMap(obj, events, now);
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const lines = head(meta);
  const rest: Record<string, unknown> = { ...obj };
  const metaRest = Object.fromEntries(Object.entries(meta).filter(([k]) => !SKIP_METADATA.has(k)));
  if (Object.keys(metaRest).length) rest.metadata = metaRest;
  else delete rest.metadata;
  content(lines, 0, rest);
  return alignTabs(lines) + eventTable(sortEvents(events), now).join('\n') + '\n';
}
