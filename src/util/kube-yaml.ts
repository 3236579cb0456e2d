import yaml from 'js-yaml';

// YAML read as Kubernetes reads it. kubectl and kube-apiserver turn YAML into JSON with
// sigs.k8s.io/yaml, which resolves plain scalars as go-yaml v2 does (YAML 1.1), where js-yaml 4
// follows YAML 1.2. The difference is not cosmetic: `defaultMode: 0400` is 256 to kubectl and 400
// to YAML 1.2 (another file mode), `value: yes` is true, `1_000` is 1000, and a date-like
// `2026-01-01` stays the string it was (js-yaml makes a Date of it, printed back as
// "2026-01-01T00:00:00.000Z"). So the same manifest means the same object to okube's CLI, to
// okube's API server and to kubectl.

const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const NULL = new Set(['', '~', 'null', 'Null', 'NULL']);

/** Go's strconv.ParseInt(s, 0, 64) after go-yaml drops every underscore: 0x, 0o, 0b, and a leading 0 for octal. */
export function goInt(text: string): number | undefined {
  const plain = text.replace(/_/g, '');
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(plain);
  if (!m) return undefined;
  const digits = m[2];
  const lower = digits.toLowerCase();
  let value: number;
  if (lower.startsWith('0x')) value = parseInt(digits.slice(2), 16);
  else if (lower.startsWith('0o')) value = parseInt(digits.slice(2), 8);
  else if (lower.startsWith('0b')) value = parseInt(digits.slice(2), 2);
  else if (digits.length > 1 && digits.startsWith('0')) value = parseInt(digits.slice(1), 8);
  else value = parseInt(digits, 10);
  return m[1] === '-' ? -value : value;
}

const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

const nullType = new yaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (s: string | null) => s === null || NULL.has(s),
  construct: () => null,
  predicate: (v: unknown) => v === null,
  represent: () => 'null',
});

const boolType = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (s: string | null) => s !== null && (TRUE.has(s) || FALSE.has(s)),
  construct: (s: string) => TRUE.has(s),
  predicate: (v: unknown) => typeof v === 'boolean',
  represent: (v: object) => String(v),
});

const intType = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (s: string | null) => s !== null && goInt(s) !== undefined,
  construct: (s: string) => goInt(s),
  predicate: (v: unknown) => typeof v === 'number' && Number.isInteger(v),
  represent: (v: object) => String(v),
});

// Only the finite forms: .inf and .nan have no JSON, so they stay text (kubectl refuses them).
const floatType = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (s: string | null) => s !== null && FLOAT.test(s.replace(/_/g, '')),
  construct: (s: string) => Number(s.replace(/_/g, '')),
  predicate: (v: unknown) => typeof v === 'number' && !Number.isInteger(v),
  represent: (v: object) => String(v),
});

/** js-yaml's merge key type (`<<`), taken from its default schema (the typings do not export it). */
function mergeType(): yaml.Type {
  const t = (yaml.DEFAULT_SCHEMA as unknown as { implicit: yaml.Type[] }).implicit.find((x) => (x as unknown as { tag: string }).tag === 'tag:yaml.org,2002:merge');
  if (!t) throw new Error('js-yaml has no merge type');
  return t;
}

/** go-yaml v2's resolution of plain scalars, with merge keys (`<<: *base`); timestamps stay strings. */
export const KUBE_YAML_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({ implicit: [nullType, boolType, intType, floatType, mergeType()] });

/** Every document of a YAML stream, as kubectl reads it. */
export function loadAllKubeYaml(text: string, filename?: string): unknown[] {
  return yaml.loadAll(text, undefined, { filename, json: true, schema: KUBE_YAML_SCHEMA });
}

/** One YAML document, as kube-apiserver reads a YAML body. */
export function loadKubeYaml(text: string): unknown {
  return yaml.load(text, { json: true, schema: KUBE_YAML_SCHEMA });
}
