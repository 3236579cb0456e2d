import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileSchema, loadCrds, type ResourceDef, type ValidationCause } from '../../../../src/apiserver/schema/index.js';

export const defs = loadCrds('crds');
export const taskDef = defs.find((d) => d.kind === 'Task')!;
export const nodeDef = defs.find((d) => d.kind === 'Node')!;
export const taskSetDef = defs.find((d) => d.kind === 'TaskSet')!;
export const taskServiceDef = defs.find((d) => d.kind === 'TaskService')!;

export function task(spec: Record<string, unknown>, status?: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 't', namespace: 'default' }, spec, ...(status ? { status } : {}) };
}

export function node(spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: 'n' }, spec };
}

/** What the API server does on a write: prune, default, validate. */
export function causesOf(obj: Record<string, unknown>, def: ResourceDef = taskDef): ValidationCause[] {
  const schema = compileSchema(def);
  schema.prune(obj);
  schema.applyDefaults(obj);
  return schema.validate(obj);
}

export function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
    });
}
