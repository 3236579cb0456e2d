import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { TABLE_ACCEPT } from '../kube/connection.js';
import { kindPrefix, resourcePath, type ApiResource } from '../kube/discovery.js';
import { isServerError } from '../kube/api-error.js';
import { watchEvents } from '../kube/watch.js';
import { formatObjects, formatWatched, parseFormat, type ObjectFormat } from '../print/objects.js';
import { TablePrinter, type Table, type TableOptions } from '../print/table.js';
import { sortedBy } from '../print/sort-by.js';
import { connect, resolveTargets, withClientOptions, type Client, type ClientOptions } from './client-options.js';

// `okube get`: the server's Table (so the columns are the ones kubectl shows), or the objects
// as YAML, JSON, names, a JSONPath template or custom columns; -w prints every change as it happens.

interface GetOptions extends ClientOptions {
  output?: string;
  watch?: boolean;
  /** --watch-only: the changes from now on, without the listing first. */
  watchOnly?: boolean;
  selector?: string;
  fieldSelector?: string;
  allNamespaces?: boolean;
  headers: boolean;
  showLabels?: boolean;
  labelColumns: string[];
  sortBy?: string;
  ignoreNotFound?: boolean;
  showManagedFields?: boolean;
  /** The parsed --output, once per command: custom columns keep their widths from the list to the watch. */
  format?: ReturnType<typeof parseFormat>;
}

const formatOf = (opts: GetOptions) => (opts.format ??= parseFormat(opts.output));

/** What the table flags ask of every TablePrinter (--no-headers, --show-labels, -L). */
const tableFlags = (opts: GetOptions): TableOptions => ({ noHeaders: !opts.headers, showLabels: opts.showLabels, labelColumns: opts.labelColumns });

/** A Table request: with --sort-by the rows carry whole objects, to sort on any field. */
const tableQuery = (opts: GetOptions, query: Record<string, string | undefined> = {}) => ({ ...query, includeObject: opts.sortBy ? 'Object' : undefined });

const sortedTable = (table: Table, opts: GetOptions): Table => ({ ...table, rows: sortedBy(table.rows ?? [], opts.sortBy, (r) => r.object) });

interface KubeList {
  items: Array<{ metadata: { name: string; namespace?: string } }>;
  metadata?: { resourceVersion?: string };
}

function scope(resource: ApiResource, namespace: string, all?: boolean): string | undefined {
  return resource.namespaced && !all ? namespace : undefined;
}

function noneFound(resource: ApiResource, namespace: string, all?: boolean): string {
  return resource.namespaced && !all ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n';
}

async function getOne(client: Client, resource: ApiResource, name: string, opts: GetOptions): Promise<void> {
  const format = formatOf(opts);
  const path = resourcePath(resource, client.conn.namespace, name);
  if (format === 'table' || format === 'wide') {
    const table = await client.conn.get<Table>(path, { accept: TABLE_ACCEPT });
    const printer = new TablePrinter({ wide: format === 'wide', ...tableFlags(opts) });
    if (!opts.watchOnly) process.stdout.write(printer.print(table));
    if (opts.watch) await follow(client, resource, opts, table.metadata?.resourceVersion ?? (table.rows?.[0]?.object?.metadata?.resourceVersion), printer, name, !opts.watchOnly);
    return;
  }
  const obj = await client.conn.get<{ metadata: { name: string; resourceVersion?: string } }>(path);
  if (!opts.watchOnly) process.stdout.write(formatObjects([obj], format, kindPrefix(resource), { single: true, showManagedFields: opts.showManagedFields }));
  if (opts.watch) await follow(client, resource, opts, obj.metadata.resourceVersion, undefined, name);
}

async function getList(client: Client, resource: ApiResource, opts: GetOptions): Promise<void> {
  const format = formatOf(opts);
  const ns = scope(resource, client.conn.namespace, opts.allNamespaces);
  const path = resourcePath(resource, ns);
  const query = { labelSelector: opts.selector, fieldSelector: opts.fieldSelector };
  const withNamespace = Boolean(opts.allNamespaces && resource.namespaced);
  if (format === 'table' || format === 'wide') {
    const table = sortedTable(await client.conn.get<Table>(path, { accept: TABLE_ACCEPT, query: tableQuery(opts, query) }), opts);
    const printer = new TablePrinter({ wide: format === 'wide', withNamespace, ...tableFlags(opts) });
    const listed = Boolean(table.rows?.length) && !opts.watchOnly;
    if (listed) process.stdout.write(printer.print(table));
    else if (!opts.watch && !opts.ignoreNotFound) process.stderr.write(noneFound(resource, client.conn.namespace, opts.allNamespaces));
    if (opts.watch) await follow(client, resource, opts, table.metadata?.resourceVersion, printer, undefined, listed);
    return;
  }
  const list = await client.conn.get<KubeList>(path, { query });
  if (opts.watchOnly) {
    // Only its resourceVersion: the watch starts there.
  } else if (!list.items.length && opts.ignoreNotFound) {
    // kubectl prints nothing at all then, not even an empty List.
  } else if (!list.items.length && rowsPerObject(format)) {
    if (!opts.watch) process.stderr.write(noneFound(resource, client.conn.namespace, opts.allNamespaces));
  } else process.stdout.write(formatObjects(sortedBy(list.items, opts.sortBy, (o) => o), format, kindPrefix(resource), { header: opts.headers, showManagedFields: opts.showManagedFields }));
  if (opts.watch) await follow(client, resource, opts, list.metadata?.resourceVersion);
}

/** `get TYPE,TYPE`: one table per type with kind-prefixed names, as kubectl prints it; or one List. */
async function getSeveralLists(client: Client, resources: ApiResource[], opts: GetOptions): Promise<void> {
  const format = formatOf(opts);
  const query = { labelSelector: opts.selector, fieldSelector: opts.fieldSelector };
  const withNamespace = (r: ApiResource) => Boolean(opts.allNamespaces && r.namespaced);
  const path = (r: ApiResource) => resourcePath(r, scope(r, client.conn.namespace, opts.allNamespaces));
  const nothing = () => opts.ignoreNotFound || process.stderr.write(noneFound(resources.find((r) => r.namespaced) ?? resources[0], client.conn.namespace, opts.allNamespaces));
  if (format === 'table' || format === 'wide') {
    const printed: string[] = [];
    for (const r of resources) {
      const table = sortedTable(await client.conn.get<Table>(path(r), { accept: TABLE_ACCEPT, query: tableQuery(opts, query) }), opts);
      if (table.rows?.length) printed.push(new TablePrinter({ wide: format === 'wide', withNamespace: withNamespace(r), kindPrefix: kindPrefix(r), ...tableFlags(opts) }).print(table));
    }
    if (printed.length) process.stdout.write(printed.join('\n'));
    else nothing();
    return;
  }
  const items: KubeList['items'] = [];
  const names: string[] = [];
  for (const r of resources) {
    const list = await client.conn.get<KubeList>(path(r), { query });
    items.push(...list.items);
    names.push(...list.items.map((o) => `${kindPrefix(r)}/${o.metadata.name}\n`));
  }
  if (!items.length && (rowsPerObject(format) || opts.ignoreNotFound)) nothing();
  else process.stdout.write(format === 'name' ? names.join('') : formatObjects(sortedBy(items, opts.sortBy, (o) => o), format, '', { header: opts.headers, showManagedFields: opts.showManagedFields }));
}

/** Formats that print nothing but rows, so an empty list says "No resources found" instead (as kubectl). */
function rowsPerObject(format: ObjectFormat): boolean {
  return format === 'name' || (typeof format === 'object' && 'columns' in format);
}

/** Prints every change after `resourceVersion` until interrupted; rewatches when the server ends a watch. */
async function follow(client: Client, resource: ApiResource, opts: GetOptions, resourceVersion: string | undefined, printer?: TablePrinter, name?: string, headerPrinted = true): Promise<void> {
  const format = formatOf(opts);
  const ns = scope(resource, client.conn.namespace, opts.allNamespaces);
  const fieldSelector = [opts.fieldSelector, name ? `metadata.name=${name}` : undefined].filter(Boolean).join(',') || undefined;
  let rv = resourceVersion;
  let header = !headerPrinted;
  for (;;) {
    const query = { labelSelector: opts.selector, fieldSelector, resourceVersion: rv, allowWatchBookmarks: 'true' };
    const table = format === 'table' || format === 'wide';
    try {
      for await (const ev of watchEvents<Table & { metadata?: { resourceVersion?: string; name?: string } }>(client.conn, resourcePath(resource, ns), query, table ? TABLE_ACCEPT : 'application/json')) {
        if (ev.type === 'ERROR') {
          const status = ev.object as unknown as { code?: number };
          if (status.code === 410) {
            rv = undefined; // too old: start over from now, as kubectl does
            break;
          }
          throw new CliError(JSON.stringify(ev.object));
        }
        const evRv = table ? (ev.object.rows?.[0]?.object?.metadata?.resourceVersion ?? ev.object.metadata?.resourceVersion) : ev.object.metadata?.resourceVersion;
        if (evRv) rv = evRv;
        if (ev.type === 'BOOKMARK') continue;
        if (table && printer) {
          process.stdout.write(printer.print(ev.object, header));
          header = false;
        } else if (!table) process.stdout.write(formatWatched(ev.object, format, kindPrefix(resource), opts.showManagedFields));
      }
    } catch (err) {
      if (isServerError(err, 'Expired')) {
        rv = undefined;
        continue;
      }
      throw err;
    }
  }
}

export function registerGet(program: Command): void {
  withClientOptions(
    program
      .command('get')
      .description('show one or many resources (the same columns as kubectl get)')
      .argument('<resource>', 'resource type (tasks, task, tk, onode, tasks.okube.dev, ...), several as TYPE,TYPE, or TYPE/NAME')
      .argument('[names...]', 'names of the objects')
      .option('-o, --output <format>', "wide, yaml, json, name, jsonpath='{…}' or custom-columns=HEADER:PATH,…")
      .option('-w, --watch', 'after listing, print every change as it happens')
      .option('--watch-only', 'print every change from now on, without listing first (implies -w)')
      .option('-l, --selector <selector>', 'label selector, e.g. app=web')
      .option('--field-selector <selector>', 'field selector, e.g. metadata.name=web')
      .option('-A, --all-namespaces', 'across all namespaces')
      .option('--no-headers', 'no header line (tables and custom columns)')
      .option('--show-labels', 'a last column with all labels')
      .option('-L, --label-columns <keys>', 'a column for each of these label keys (comma-separated; repeatable)', (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter(Boolean)], [] as string[])
      .option('--sort-by <jsonpath>', "sort by a field, e.g. '{.metadata.creationTimestamp}' or .status.restartCount")
      .option('--ignore-not-found', 'a named object that does not exist is no error, and an empty list says nothing')
      .option('--show-managed-fields', 'keep metadata.managedFields in -o yaml|json (left out by default, as by kubectl)'),
  ).action(async (resource: string, names: string[], opts: GetOptions) => {
    if (opts.watchOnly) opts.watch = true;
    const client = await connect(opts);
    const targets = await resolveTargets(client, [resource, ...names], { severalTypes: true });
    const resources = [...new Set(targets.map((t) => t.resource))];
    if (opts.watch && (targets.length > 1 || resources.length > 1)) throw new CliError('you may only specify a single resource type and name with --watch');
    if (targets.length === 1 && !targets[0].name) return getList(client, targets[0].resource, opts);
    if (targets.every((t) => !t.name)) return getSeveralLists(client, resources, opts);
    let failed: unknown;
    const format = formatOf(opts);
    if ((format === 'table' || format === 'wide') && targets.length > 1) {
      // One table per type for several names, as kubectl prints it (kind-prefixed with several types).
      const printed: string[] = [];
      for (const r of resources) {
        const printer = new TablePrinter({ wide: format === 'wide', kindPrefix: resources.length > 1 ? kindPrefix(r) : undefined, ...tableFlags(opts) });
        const rows: string[][] = [];
        let header: string[] | undefined;
        for (const t of targets.filter((x) => x.resource === r)) {
          try {
            const table = await client.conn.get<Table>(resourcePath(t.resource, client.conn.namespace, t.name), { accept: TABLE_ACCEPT });
            header ??= printer.headers(table);
            rows.push(...(table.rows ?? []).map((row) => printer.cells(table, row)));
          } catch (err) {
            if (!isServerError(err)) throw err;
            if (opts.ignoreNotFound && isServerError(err, 'NotFound')) continue;
            process.stderr.write(`${err.prefix}${err.message}\n`);
            failed = err;
          }
        }
        if (header) printed.push(printer.lines(opts.headers ? [header, ...rows] : rows));
      }
      if (printed.length) process.stdout.write(printed.join('\n'));
      if (failed) process.exitCode = 1;
      return;
    }
    for (const t of targets) {
      try {
        await getOne(client, t.resource, t.name!, opts);
      } catch (err) {
        if (opts.ignoreNotFound && isServerError(err, 'NotFound')) continue;
        // Like kubectl: print what exists, report each missing one, fail at the end.
        if (targets.length === 1 || !isServerError(err)) throw err;
        process.stderr.write(`${err.prefix}${err.message}\n`);
        failed = err;
      }
    }
    if (failed) process.exitCode = 1;
  });
}
