import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { OkubeError } from '../../util/errors.js';

// What the API server needs to serve one resource: names, scope, printer columns and schema,
// read from a CustomResourceDefinition (or declared for the few built-ins).

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
  /** Built-ins only: the cell computed from the object, as Kubernetes' Go printers do (e.g. EndpointSlice PORTS). */
  cell?: (obj: object) => unknown;
}

export interface ResourceDef {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  /** The status subresource is enabled. */
  hasStatus: boolean;
  /** The verbs served (discovery); default: every verb of a stored resource. */
  verbs?: string[];
  /** The scale subresource, when the CRD version declares it (autoscaling/v1 Scale over these paths). */
  scale?: ScaleDef;
  /** The token subresource (ServiceAccounts): POST of an authentication.k8s.io/v1 TokenRequest. */
  tokenRequest?: boolean;
  /** The log and exec subresources (Tasks on okube's API server: task-logs.ts, task-exec.ts); a CRD cannot declare them. */
  taskStreams?: boolean;
  printerColumns: PrinterColumn[];
  /** Built-ins only: Name is the last column, shown with -o wide (kube's Event printer), not the first. */
  nameColumnLast?: boolean;
  /** Fields a fieldSelector may name besides metadata.name/namespace (a CRD version's selectableFields, without the leading dot). */
  selectableFields?: string[];
  /** openAPIV3Schema of the version. */
  schema: JsonSchema;
}

/** A CRD version's subresources.scale: JSON paths (".spec.replicas") into the custom resource. */
export interface ScaleDef {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export type JsonSchema = Record<string, unknown> & {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  default?: unknown;
  description?: string;
  enum?: unknown[];
};

export interface CrdDoc {
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: { kind: string; listKind?: string; plural: string; singular?: string; shortNames?: string[]; categories?: string[] };
    versions: Array<{
      name: string;
      served: boolean;
      subresources?: { status?: object; scale?: ScaleDef };
      additionalPrinterColumns?: PrinterColumn[];
      selectableFields?: Array<{ jsonPath?: unknown }>;
      schema?: { openAPIV3Schema?: JsonSchema };
    }>;
  };
}

/** A CustomResourceDefinition as written, with the file it came from. */
export interface CrdDocument {
  doc: CrdDoc & { spec: NonNullable<CrdDoc['spec']> };
  file: string;
}

/** The CustomResourceDefinitions in the *.yaml files of `dir`, as written, each with its file. */
export function loadCrdDocuments(dir: string): CrdDocument[] {
  const out: CrdDocument[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    let docs: unknown[];
    try {
      docs = yaml.loadAll(readFileSync(join(dir, file), 'utf8'));
    } catch (err) {
      throw new OkubeError('ConfigError', `${join(dir, file)}: not valid YAML: ${(err as Error).message}`);
    }
    for (const doc of docs as CrdDoc[]) if (doc?.kind === 'CustomResourceDefinition' && doc.spec) out.push({ doc: doc as CrdDocument['doc'], file: join(dir, file) });
  }
  return out;
}

/** Reads every CustomResourceDefinition in the *.yaml files of `dir` (served versions only). */
export function loadCrds(dir: string): ResourceDef[] {
  return crdDefs(loadCrdDocuments(dir));
}

/** What the API server serves for these CRDs (served versions only). */
export function crdDefs(docs: CrdDocument[]): ResourceDef[] {
  const defs: ResourceDef[] = [];
  for (const { doc, file } of docs) {
    const { spec } = doc;
    for (const v of spec.versions.filter((v) => v.served)) {
      const schema = v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      const selectable = v.selectableFields ? selectableFields(v.selectableFields, schema, `${file}: versions[${v.name}].selectableFields`) : [];
      defs.push({
        group: spec.group,
        version: v.name,
        kind: spec.names.kind,
        listKind: spec.names.listKind ?? `${spec.names.kind}List`,
        plural: spec.names.plural,
        singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
        shortNames: spec.names.shortNames ?? [],
        categories: spec.names.categories ?? [],
        namespaced: spec.scope === 'Namespaced',
        hasStatus: Boolean(v.subresources?.status),
        ...(v.subresources?.scale ? { scale: scaleDef(v.subresources.scale, file) } : {}),
        printerColumns: v.additionalPrinterColumns ?? [],
        ...(selectable.length ? { selectableFields: selectable } : {}),
        schema,
      });
    }
  }
  return defs;
}

const SCALE_PATH = /^\.[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;

/** The paths as kube-apiserver's CRD validation accepts them: dotted, no array notation, under .spec / .status. */
function scaleDef(raw: ScaleDef, file: string): ScaleDef {
  const check = (field: string, v: unknown, under: string[]) => {
    if (typeof v !== 'string' || !SCALE_PATH.test(v) || !under.some((u) => v.startsWith(`${u}.`))) {
      throw new OkubeError('ConfigError', `${file}: subresources.scale.${field}: ${JSON.stringify(v)} must be a JSON path under ${under.join(' or ')} without array notation`);
    }
  };
  check('specReplicasPath', raw.specReplicasPath, ['.spec']);
  check('statusReplicasPath', raw.statusReplicasPath, ['.status']);
  if (raw.labelSelectorPath !== undefined && raw.labelSelectorPath !== '') check('labelSelectorPath', raw.labelSelectorPath, ['.spec', '.status']);
  return {
    specReplicasPath: raw.specReplicasPath,
    statusReplicasPath: raw.statusReplicasPath,
    ...(raw.labelSelectorPath ? { labelSelectorPath: raw.labelSelectorPath } : {}),
  };
}

/** kube-apiserver's limit on selectableFields per CRD version. */
const MAX_SELECTABLE_FIELDS = 8;

/**
 * A CRD version's selectableFields as kube-apiserver validates them (Kubernetes 1.32, GA): at most
 * 8, each a JSON path without array notation to a string, integer or boolean field of the schema,
 * none twice. Returned without the leading dot, the form a fieldSelector names them in.
 */
export function selectableFields(raw: unknown, schema: JsonSchema, where: string): string[] {
  if (!Array.isArray(raw)) throw new OkubeError('ConfigError', `${where}: must be a list`);
  if (raw.length > MAX_SELECTABLE_FIELDS) throw new OkubeError('ConfigError', `${where}: Too many: ${raw.length}: must have at most ${MAX_SELECTABLE_FIELDS} items`);
  const out: string[] = [];
  raw.forEach((f: { jsonPath?: unknown } | undefined, i) => {
    const path = f?.jsonPath;
    const at = `${where}[${i}].jsonPath`;
    if (typeof path !== 'string' || !SCALE_PATH.test(path)) throw new OkubeError('ConfigError', `${at}: Invalid value: ${JSON.stringify(path)}: must be a JSON path without array notation, such as .spec.nodeName`);
    const field = path.slice(1);
    if (out.includes(field)) throw new OkubeError('ConfigError', `${at}: Duplicate value: ${JSON.stringify(path)}`);
    let node: JsonSchema | undefined = schema;
    for (const seg of field.split('.')) node = node?.properties?.[seg];
    if (!node) throw new OkubeError('ConfigError', `${at}: Invalid value: ${JSON.stringify(path)}: is not a field of the schema`);
    if (!['string', 'integer', 'boolean'].includes(String(node.type))) throw new OkubeError('ConfigError', `${at}: Invalid value: ${JSON.stringify(path)}: must point to a string, integer or boolean field, not ${node.type ?? 'an untyped one'}`);
    out.push(field);
  });
  return out;
}
