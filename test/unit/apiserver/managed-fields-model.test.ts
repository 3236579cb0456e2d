import { expect } from 'chai';
import jsonMergePatch from 'json-merge-patch';
import { fileURLToPath } from 'node:url';
import { clone, deepEqual, type Obj } from '../../../src/apiserver/objects.js';
import { Registry, type Resource } from '../../../src/apiserver/registry.js';
import { writeOptions } from '../../../src/apiserver/request-options.js';
import { ResourceService } from '../../../src/apiserver/resources.js';
import { builtinDefs, loadCrds } from '../../../src/apiserver/schema/index.js';
import { ApiError } from '../../../src/apiserver/status.js';
import { MemoryStore } from '../../../src/storage/index.js';

// Model-based test of managedFields. Random sequences of server-side apply (main resource and
// /status), PUT, JSON merge patch and status writes by several managers run through the API
// server's request handling (ResourceService over the in-memory Store). After every step the
// object must be valid and equal to a simple model, each manager's managedFields entry must own
// exactly the fields the model says it last set, and re-applying a configuration the model says
// is unchanged must write nothing. The model works on flat field names ("spec.env[A].value")
// with the Kubernetes rules stated plainly; it shares no code with src/apiserver/fieldmanager.
//
// Reproduce a failure with MODEL_SEED=<seed printed in the failure>.

const SEQUENCES = Number(process.env.MODEL_SEQUENCES ?? 300);
const STEPS = 12;

// ---------------------------------------------------------------- a seeded PRNG (mulberry32)

function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
  };
}
type Rng = ReturnType<typeof prng>;

// ---------------------------------------------------------------- the model's field universe

/** Flat fields: name → value. Items of spec.env are `spec.env[A]` (the item) plus its fields. */
type Flat = Map<string, unknown>;

const SCALARS: Array<[string, readonly unknown[]]> = [
  ['spec.image', ['img:1', 'img:2']],
  ['spec.nodeName', ['n1', 'n2']],
  ['spec.args', [['a'], ['a', 'b']]],
  ['spec.nodeSelector.a', ['1', '2']],
  ['spec.nodeSelector.b', ['1', '2']],
  ['metadata.labels.x', ['1', '2']],
  ['metadata.labels.y', ['1', '2']],
  ['metadata.annotations.n', ['1', '2']],
];
const ENV_NAMES = ['A', 'B'];
const ENV_VALUES = ['1', '2', undefined];
const STATUS: Array<[string, readonly unknown[]]> = [
  ['status.phase', ['Running', 'Failed']],
  ['status.nodeName', ['n1', 'n2']],
];

/** Maps and lists that exist while something is in them: an update that creates or drops one owns that too. */
const CONTAINERS = ['spec', 'spec.nodeSelector', 'spec.env', 'metadata.labels', 'metadata.annotations', 'status'];

const isStatus = (p: string) => p === 'status' || p.startsWith('status.');
const inScope = (p: string, status: boolean) => isStatus(p) === status;
const itemOf = (p: string) => /^(spec\.env\[[^\]]+\])\./.exec(p)?.[1];

function setEnv(f: Flat, name: string, value: unknown): void {
  f.set(`spec.env[${name}]`, true);
  f.set(`spec.env[${name}].name`, name);
  if (value !== undefined) f.set(`spec.env[${name}].value`, value);
}

/** `f` with its containers: those holding at least one field. */
function withContainers(f: Flat): Flat {
  const out: Flat = new Map([...f].filter(([p]) => !CONTAINERS.includes(p)));
  for (const c of CONTAINERS) if ([...out.keys()].some((p) => p.startsWith(`${c}.`) || p.startsWith(`${c}[`))) out.set(c, true);
  return out;
}

/** The object (without type meta and server metadata) a flat field map stands for. */
function build(f: Flat, status: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (path: string[], v: unknown) => {
    let cur = out;
    for (const seg of path.slice(0, -1)) cur = (cur[seg] ??= {}) as Record<string, unknown>;
    cur[path[path.length - 1]] = clone(v);
  };
  const env: Array<Record<string, unknown>> = [];
  for (const [p, v] of [...f.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (!inScope(p, status)) continue;
    const m = /^spec\.env\[([^\]]+)\]$/.exec(p);
    if (m) {
      const item: Record<string, unknown> = { name: m[1] };
      if (f.has(`${p}.value`)) item.value = f.get(`${p}.value`);
      env.push(item);
    } else if (!itemOf(p) && !CONTAINERS.includes(p)) put(p.split('.'), v);
  }
  if (env.length) put(['spec', 'env'], env);
  return out;
}

/** The flat fields of a real object, within the universe (defaults the server adds are left out). */
function flatten(o: Obj): Flat {
  const f: Flat = new Map();
  const get = (p: string) => p.split('.').reduce<unknown>((cur, seg) => (cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined), o);
  for (const [p] of [...SCALARS, ...STATUS]) if (get(p) !== undefined) f.set(p, get(p));
  for (const e of ((o.spec as Record<string, unknown>)?.env ?? []) as Array<Record<string, unknown>>) setEnv(f, String(e.name), e.value);
  // Present containers, empty or not: an empty one left behind would show here.
  for (const c of CONTAINERS) if (get(c) !== undefined) f.set(c, true);
  return f;
}

/** A FieldsV1 tree as flat names, read independently of the server's decoder. */
function flatOwned(fieldsV1: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: Record<string, unknown>, path: string) => {
    const keys = Object.keys(node);
    if (keys.length === 0 || keys.includes('.')) out.add(path);
    for (const k of keys) {
      if (k === '.') continue;
      const seg = k.startsWith('f:') ? `${path ? '.' : ''}${k.slice(2)}` : k.startsWith('k:') ? `[${(JSON.parse(k.slice(2)) as { name: string }).name}]` : `[${k}]`;
      walk(node[k] as Record<string, unknown>, path + seg);
    }
  };
  walk(fieldsV1 as Record<string, unknown>, '');
  return out;
}

const UNIVERSE = (p: string) => CONTAINERS.includes(p) || [...SCALARS, ...STATUS].some(([q]) => q === p) || /^spec\.env\[[^\]]+\](\.(name|value))?$/.test(p);

// ---------------------------------------------------------------- the model

type Owners = Map<string, Set<string>>; // identity "manager|Apply|status" → flat names

interface Model {
  fields: Flat;
  owners: Owners;
}

const identity = (manager: string, op: 'Apply' | 'Update', status: boolean) => `${manager}|${op}|${status ? 'status' : ''}`;

function diff(before: Flat, after: Flat, status: boolean) {
  const changed = new Set<string>();
  const removed = new Set<string>();
  for (const [p, v] of after) if (inScope(p, status) && (!before.has(p) || !deepEqual(before.get(p), v))) changed.add(p);
  for (const p of before.keys()) if (inScope(p, status) && !after.has(p)) removed.add(p);
  return { changed, removed };
}

function dropFrom(owners: Owners, except: string, paths: Set<string>): Owners {
  const out: Owners = new Map();
  for (const [id, set] of owners) {
    const kept = id === except ? new Set(set) : new Set([...set].filter((p) => !paths.has(p)));
    if (kept.size) out.set(id, kept);
  }
  return out;
}

/** An update: the writer takes what it added or changed; everybody loses what changed or went. */
function modelUpdate(m: Model, nextFields: Flat, manager: string, status: boolean): Model {
  const next = withContainers(nextFields);
  const { changed, removed } = diff(m.fields, next, status);
  if (!changed.size && !removed.size) return m;
  const id = identity(manager, 'Update', status);
  const owners = dropFrom(m.owners, id, new Set([...changed, ...removed]));
  const mine = new Set([...(owners.get(id) ?? [])].filter((p) => !removed.has(p)));
  for (const p of changed) mine.add(p);
  if (mine.size) owners.set(id, mine);
  else owners.delete(id);
  return { fields: next, owners };
}

type ApplyResult = { ok: Model } | { error: 'Invalid' | 'Conflict' };

/** The Task CRD keeps spec.nodeName once set (the model never writes the Rescheduling status that would free it). */
const rebinds = (old: Flat, next: Flat) => old.has('spec.nodeName') && next.get('spec.nodeName') !== old.get('spec.nodeName');

/**
 * An apply: the configuration's fields land on the object; fields this applier applied last
 * time, left out now and owned by nobody else go (an env item only when none of its fields is
 * kept); changing another manager's field is a conflict unless forced; the applier then owns
 * exactly its configuration.
 */
function modelApply(m: Model, config: Flat, manager: string, status: boolean, force: boolean): ApplyResult {
  const id = identity(manager, 'Apply', status);
  const merged: Flat = new Map([...m.fields, ...config]);
  const prev = m.owners.get(id) ?? new Set<string>();
  const keep = new Set<string>(config.keys());
  for (const [other, set] of m.owners) if (other !== id) for (const p of set) keep.add(p);
  for (const p of prev) {
    if (keep.has(p)) continue;
    if (/^spec\.env\[[^\]]+\]$/.test(p)) {
      if ([...keep].some((k) => k.startsWith(`${p}.`))) continue;
      for (const q of [...merged.keys()]) if (q === p || q.startsWith(`${p}.`)) merged.delete(q);
    } else if (!p.endsWith('.name')) merged.delete(p); // an item's key goes only with the item
  }
  if (!merged.has('spec.image') || rebinds(m.fields, merged)) return { error: 'Invalid' };
  const next = withContainers(merged);
  const { changed, removed } = diff(m.fields, next, status);
  const conflict = [...m.owners].some(([other, set]) => other !== id && [...set].some((p) => changed.has(p)));
  if (conflict && !force) return { error: 'Conflict' };
  const owners = dropFrom(m.owners, id, new Set([...changed, ...removed]));
  if (config.size) owners.set(id, new Set(config.keys()));
  else owners.delete(id);
  return { ok: { fields: next, owners } };
}

// ---------------------------------------------------------------- random operations

const APPLIERS = ['kubectl', 'okube'];
const UPDATERS = ['editor', 'okube-scheduler'];
const STATUS_WRITER = 'okube-task-controller';

function randomConfig(rng: Rng, manager: string): Flat {
  const f: Flat = new Map();
  for (const [p, values] of SCALARS) if ((p === 'spec.image' && (manager === 'kubectl' || rng.chance(0.5))) || rng.chance(0.3)) f.set(p, rng.pick(values));
  for (const n of ENV_NAMES) if (rng.chance(0.3)) setEnv(f, n, rng.pick(ENV_VALUES));
  return f;
}

function randomStatus(rng: Rng, p = 0.6): Flat {
  const f: Flat = new Map();
  for (const [path, values] of STATUS) if (rng.chance(p)) f.set(path, rng.pick(values));
  return f;
}

/** Changes one to three main-resource fields of `f` (never removing the image). */
function mutate(rng: Rng, f: Flat): Flat {
  const out: Flat = new Map([...f].filter(([p]) => !CONTAINERS.includes(p)));
  const n = 1 + Math.floor(rng.pick([0, 1, 2]));
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.25)) {
      const name = rng.pick(ENV_NAMES);
      for (const q of [...out.keys()]) if (q.startsWith(`spec.env[${name}]`)) out.delete(q);
      if (rng.chance(0.6)) setEnv(out, name, rng.pick(ENV_VALUES));
      continue;
    }
    const [p, values] = rng.pick(SCALARS);
    if (p !== 'spec.image' && rng.chance(0.35)) out.delete(p);
    else out.set(p, rng.pick(values));
  }
  return out;
}

// ---------------------------------------------------------------- the system under test

const CRDS = fileURLToPath(new URL('../../../crds', import.meta.url));

class Harness {
  readonly store = new MemoryStore();
  readonly registry = new Registry([...builtinDefs(), ...loadCrds(CRDS)]);
  readonly service = new ResourceService(this.store, this.registry);
  readonly tasks: Resource = this.registry.find('okube.dev', 'Task')!;

  async init(): Promise<void> {
    const ns = this.registry.find('', 'Namespace')!;
    await this.service.create(ns, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }, writeOptions(new URLSearchParams(), undefined, 'CreateOptions'), 'test');
  }

  get(name: string): Promise<Obj> {
    return this.service.get(this.tasks, 'default', name);
  }

  async apply(name: string, config: Record<string, unknown>, manager: string, status: boolean, force: boolean): Promise<Obj> {
    const q = new URLSearchParams({ fieldManager: manager, ...(force ? { force: 'true' } : {}) });
    const body = { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', ...config, metadata: { name, ...((config.metadata as object) ?? {}) } };
    const res = await this.service.patch(this.tasks, 'default', name, status ? 'status' : undefined, Buffer.from(JSON.stringify(body)), 'application/apply-patch+yaml', q, writeOptions(q, undefined, 'PatchOptions'), 'test');
    return res.body as Obj;
  }

  async create(name: string, content: Record<string, unknown>, manager: string): Promise<void> {
    const q = new URLSearchParams({ fieldManager: manager });
    const body = { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', ...content, metadata: { name, ...((content.metadata as object) ?? {}) } };
    await this.service.create(this.tasks, 'default', body, writeOptions(q, undefined, 'CreateOptions'), 'test');
  }

  /** PUT of the main resource or /status, the way a client that read the object writes it back. */
  async put(name: string, content: Record<string, unknown>, manager: string, status: boolean): Promise<void> {
    const cur = await this.get(name);
    const q = new URLSearchParams({ fieldManager: manager });
    const body = status ? { ...cur, status: content.status } : { apiVersion: cur.apiVersion, kind: cur.kind, ...content, metadata: { ...pick(cur.metadata, ['name', 'namespace', 'resourceVersion', 'managedFields']), ...((content.metadata as object) ?? {}) }, status: cur.status };
    await this.service.update(this.tasks, 'default', name, status ? 'status' : undefined, clone(body) as Record<string, unknown>, writeOptions(q, undefined, 'UpdateOptions'), 'test');
  }

  async mergePatch(name: string, before: Record<string, unknown>, after: Record<string, unknown>, manager: string): Promise<void> {
    const withMeta = (o: Record<string, unknown>) => ({ ...o, metadata: o.metadata ?? {} });
    const patch = jsonMergePatch.generate(withMeta(before), withMeta(after)) ?? {};
    const q = new URLSearchParams({ fieldManager: manager });
    await this.service.patch(this.tasks, 'default', name, undefined, Buffer.from(JSON.stringify(patch)), 'application/merge-patch+json', q, writeOptions(q, undefined, 'PatchOptions'), 'test');
  }
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

async function outcome(p: Promise<unknown>): Promise<'ok' | 'Invalid' | 'Conflict'> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof ApiError && (err.reason === 'Invalid' || err.reason === 'Conflict')) return err.reason;
    throw err;
  }
}

const show = (f: Flat) => JSON.stringify(Object.fromEntries([...f].sort(([a], [b]) => a.localeCompare(b))));
const showOwners = (o: Owners) => JSON.stringify(Object.fromEntries([...o].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()])));

function realOwners(o: Obj): Owners {
  const out: Owners = new Map();
  for (const e of (o.metadata.managedFields ?? []) as Array<{ manager: string; operation: 'Apply' | 'Update'; subresource?: string; fieldsV1: unknown }>) {
    const set = new Set([...flatOwned(e.fieldsV1)].filter(UNIVERSE));
    if (set.size) out.set(identity(e.manager, e.operation, e.subresource === 'status'), set);
  }
  return out;
}

// ---------------------------------------------------------------- one sequence

async function runSequence(h: Harness, seed: number): Promise<void> {
  const rng = prng(seed);
  const name = `t${seed}`;
  const log: string[] = [];
  const lastConfig = new Map<string, { config: Flat; manager: string; status: boolean }>();
  let m: Model = { fields: new Map(), owners: new Map() };
  const fail = (what: string) => {
    throw new Error(`seed ${seed}: ${what}\nsteps:\n  ${log.join('\n  ')}\nmodel fields ${show(m.fields)}\nmodel owners ${showOwners(m.owners)}`);
  };

  // Created by an applier or by a plain create.
  if (rng.chance(0.5)) {
    const manager = rng.pick(APPLIERS);
    const config = randomConfig(rng, 'kubectl');
    log.push(`create by apply ${manager} ${show(config)}`);
    await h.apply(name, build(config, false), manager, false, false);
    m = (modelApply(m, config, manager, false, false) as { ok: Model }).ok;
    lastConfig.set(identity(manager, 'Apply', false), { config, manager, status: false });
  } else {
    const manager = rng.pick(UPDATERS);
    const fields = mutate(rng, new Map([['spec.image', 'img:1']]));
    log.push(`create ${manager} ${show(fields)}`);
    await h.create(name, build(fields, false), manager);
    m = modelUpdate(m, fields, manager, false);
  }

  for (let step = 0; step < STEPS; step++) {
    const kind = rng.pick(['apply', 'apply', 'applyStatus', 'put', 'patch', 'status', 'status'] as const);
    if (kind === 'apply' || kind === 'applyStatus') {
      const status = kind === 'applyStatus';
      const manager = status ? 'kubectl' : rng.pick(APPLIERS);
      const config = status ? randomStatus(rng, 0.5) : randomConfig(rng, manager);
      const force = rng.chance(0.15);
      log.push(`apply${status ? ' /status' : ''} ${manager}${force ? ' --force' : ''} ${show(config)}`);
      const expected = modelApply(m, config, manager, status, force);
      const got = await outcome(h.apply(name, build(config, status), manager, status, force));
      if ('error' in expected) {
        if (got !== expected.error) fail(`expected ${expected.error}, got ${got}`);
      } else {
        if (got !== 'ok') fail(`expected success, got ${got}`);
        m = expected.ok;
        lastConfig.set(identity(manager, 'Apply', status), { config, manager, status });
      }
    } else if (kind === 'put' || kind === 'patch') {
      const manager = rng.pick(UPDATERS);
      const next = mutate(rng, m.fields);
      log.push(`${kind} ${manager} ${show(next)}`);
      const got = await outcome(kind === 'put' ? h.put(name, build(next, false), manager, false) : h.mergePatch(name, build(m.fields, false), build(next, false), manager));
      // A PUT that leaves out spec.nodeName keeps the binding (task-binding.ts); a patch does not.
      const kept: Flat = kind === 'put' && m.fields.has('spec.nodeName') && !next.has('spec.nodeName') ? new Map([...next, ['spec.nodeName', m.fields.get('spec.nodeName')]]) : next;
      const expected = rebinds(m.fields, kept) ? 'Invalid' : 'ok';
      if (got !== expected) fail(`expected ${expected}, got ${got}`);
      if (got === 'ok') m = modelUpdate(m, kept, manager, false);
    } else {
      const next: Flat = new Map([...[...m.fields].filter(([p]) => !isStatus(p)), ...randomStatus(rng)]);
      log.push(`status ${STATUS_WRITER} ${show(next)}`);
      await h.put(name, build(next, true), STATUS_WRITER, true);
      m = modelUpdate(m, next, STATUS_WRITER, true);
    }

    const obj = await h.get(name);
    const causes = h.tasks.schema.validate(obj);
    if (causes.length) fail(`object is invalid: ${JSON.stringify(causes)}`);
    if (show(flatten(obj)) !== show(m.fields)) fail(`object ${show(flatten(obj))} != model`);
    const real = realOwners(obj);
    if (showOwners(real) !== showOwners(m.owners)) fail(`managedFields ${showOwners(real)} != model`);

    // Every configuration whose re-application the model says changes nothing must write nothing.
    for (const { config, manager, status } of lastConfig.values()) {
      const again = modelApply(m, config, manager, status, false);
      if (!('ok' in again) || show(again.ok.fields) !== show(m.fields) || showOwners(again.ok.owners) !== showOwners(m.owners)) continue;
      const before = await h.get(name);
      const after = await h.apply(name, build(config, status), manager, status, false);
      if (!deepEqual(after, before)) fail(`re-applying ${manager}'s configuration ${show(config)} changed the object:\n${JSON.stringify(before)}\n${JSON.stringify(after)}`);
    }
  }
}

describe('managedFields model', function () {
  this.timeout(120_000);

  it(`${SEQUENCES} random sequences of apply, PUT, merge patch and status writes keep ownership as the model says`, async () => {
    const h = new Harness();
    await h.init();
    const base = process.env.MODEL_SEED ? Number(process.env.MODEL_SEED) : Math.floor(Math.random() * 1e9);
    const count = process.env.MODEL_SEED ? 1 : SEQUENCES;
    for (let i = 0; i < count; i++) await runSequence(h, base + i);
    expect(count).to.be.greaterThan(0);
  });
});
