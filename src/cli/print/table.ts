// A meta.k8s.io/v1 Table printed the way kubectl prints it: upper-case headers, columns of
// priority > 0 only with -o wide, a NAMESPACE column with -A, -L label columns and --show-labels
// after the server's, cells aligned like Go's tabwriter as kubectl configures it (minimum width 6,
// padding 3, the last cell unpadded), and widths remembered from one watch event to the next.

export interface TableColumn {
  name: string;
  type?: string;
  /** "name" marks the object-name column, the one kubectl prefixes with the type. */
  format?: string;
  priority?: number;
}

export interface TableRow {
  cells: unknown[];
  object?: { metadata?: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> } };
}

export interface Table {
  kind: 'Table';
  columnDefinitions: TableColumn[];
  rows?: TableRow[];
  metadata?: { resourceVersion?: string };
}

export interface TableOptions {
  wide?: boolean;
  withNamespace?: boolean;
  /** Prefix the name column (format "name") with the resource type (`task.okube.dev/web`), as kubectl does for several types. */
  kindPrefix?: string;
  /** --no-headers */
  noHeaders?: boolean;
  /** -L: one column per label key, headed by the key's last segment in upper case. */
  labelColumns?: string[];
  /** --show-labels: a LABELS column, `k=v,…` sorted by key, `<none>` without labels. */
  showLabels?: boolean;
}

const MIN_WIDTH = 6;
const PADDING = 3;

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v.split('\n')[0];
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export class TablePrinter {
  private widths: number[] = [];

  constructor(private readonly opts: TableOptions = {}) {}

  private visible(columns: TableColumn[]): number[] {
    return columns.map((c, i) => ((c.priority ?? 0) === 0 || this.opts.wide ? i : -1)).filter((i) => i >= 0);
  }

  lines(rows: string[][]): string {
    for (const r of rows) r.forEach((c, i) => (this.widths[i] = Math.max(this.widths[i] ?? 0, MIN_WIDTH, c.length + PADDING)));
    return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(this.widths[i]))).join('') + '\n').join('');
  }

  headers(table: Table): string[] {
    const cols = this.visible(table.columnDefinitions).map((i) => table.columnDefinitions[i].name.toUpperCase());
    const labels = (this.opts.labelColumns ?? []).map((k) => k.split('/').pop()!.toUpperCase());
    return [...(this.opts.withNamespace ? ['NAMESPACE'] : []), ...cols, ...labels, ...(this.opts.showLabels ? ['LABELS'] : [])];
  }

  cells(table: Table, row: TableRow): string[] {
    const visible = this.visible(table.columnDefinitions);
    // kubectl prefixes the name column (format "name"), wherever the server put it (an Event's is last, and wide-only).
    const cols = visible.map((i) => (this.opts.kindPrefix && table.columnDefinitions[i].format === 'name' ? `${this.opts.kindPrefix}/${cellText(row.cells[i])}` : cellText(row.cells[i])));
    const labels = row.object?.metadata?.labels ?? {};
    const labelCells = (this.opts.labelColumns ?? []).map((k) => labels[k] ?? '');
    const all = Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',') || '<none>';
    return [...(this.opts.withNamespace ? [row.object?.metadata?.namespace ?? ''] : []), ...cols, ...labelCells, ...(this.opts.showLabels ? [all] : [])];
  }

  /** The header and every row (what `get` prints first). */
  print(table: Table, header = true): string {
    const rows = (table.rows ?? []).map((r) => this.cells(table, r));
    return this.lines(header && !this.opts.noHeaders ? [this.headers(table), ...rows] : rows);
  }
}
