import { compileSchema, type ResourceDef, type ResourceSchema } from './schema/index.js';

// The set of served resources: every ResourceDef with its compiled schema and storage keys.

export interface Resource {
  def: ResourceDef;
  schema: ResourceSchema;
  /** "okube.dev/v1alpha1" or "v1" */
  apiVersion: string;
  /** storage group segment: the group, or "core" */
  storageGroup: string;
}

export class Registry {
  readonly resources: Resource[];
  private readonly byPath = new Map<string, Resource>();

  constructor(defs: ResourceDef[]) {
    this.resources = defs.map((def) => ({
      def,
      schema: compileSchema(def),
      apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
      storageGroup: def.group || 'core',
    }));
    for (const r of this.resources) this.byPath.set(`${r.def.group}/${r.def.version}/${r.def.plural}`, r);
  }

  lookup(group: string, version: string, plural: string): Resource | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  find(group: string, kind: string): Resource | undefined {
    return this.resources.find((r) => r.def.group === group && r.def.kind === kind);
  }

  /** Groups in a stable order: core first, then by name; versions as declared. */
  groups(): Array<{ group: string; versions: string[] }> {
    const m = new Map<string, string[]>();
    for (const r of this.resources) {
      const vs = m.get(r.def.group) ?? [];
      if (!vs.includes(r.def.version)) vs.push(r.def.version);
      m.set(r.def.group, vs);
    }
    return [...m.entries()].sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))).map(([group, versions]) => ({ group, versions }));
  }

  inGroupVersion(group: string, version: string): Resource[] {
    return this.resources.filter((r) => r.def.group === group && r.def.version === version);
  }
}

/** The core Namespace kind, whose create, status and delete follow rules of their own. */
export function isNamespaceKind(r: Resource): boolean {
  return r.def.group === '' && r.def.kind === 'Namespace';
}

export function isTaskKind(r: Resource): boolean {
  return r.def.group === 'okube.dev' && r.def.kind === 'Task';
}

export function objectKey(r: Resource, namespace: string | undefined, name: string): string {
  return r.def.namespaced ? `/registry/${r.storageGroup}/${r.def.plural}/${namespace}/${name}` : `/registry/${r.storageGroup}/${r.def.plural}/${name}`;
}

/** Prefix for a collection: one namespace, or every object of the resource. */
export function collectionPrefix(r: Resource, namespace?: string): string {
  return r.def.namespaced && namespace ? `/registry/${r.storageGroup}/${r.def.plural}/${namespace}/` : `/registry/${r.storageGroup}/${r.def.plural}/`;
}
