import { OkubeError } from '../../util/errors.js';
import { isPlainObject } from '../objects.js';
import { FieldSet, FieldsV1Error, fromFieldsV1, toFieldsV1 } from './fieldset.js';

// metadata.managedFields in and out: one entry per (manager, operation, subresource) — the
// identity kube-apiserver gives an entry, apiVersion aside since okube serves one version.

export type Operation = 'Apply' | 'Update';

export interface ManagedFieldsEntry {
  manager: string;
  operation: Operation;
  apiVersion?: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

export interface Manager {
  manager: string;
  operation: Operation;
  /** '' for the main resource. */
  subresource: string;
  apiVersion?: string;
  time?: string;
  set: FieldSet;
}

export class ManagedFieldsError extends OkubeError {
  constructor(message: string) {
    super('Invalid', message);
  }
}

export function sameIdentity(a: Pick<Manager, 'manager' | 'operation' | 'subresource'>, b: Pick<Manager, 'manager' | 'operation' | 'subresource'>): boolean {
  return a.manager === b.manager && a.operation === b.operation && a.subresource === b.subresource;
}

/** Parses metadata.managedFields; throws ManagedFieldsError when an entry is malformed. */
export function decodeManagers(raw: unknown): Manager[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ManagedFieldsError('metadata.managedFields must be a list');
  const out: Manager[] = [];
  for (const [i, e] of raw.entries()) {
    if (!isPlainObject(e)) throw new ManagedFieldsError(`metadata.managedFields[${i}] must be an object`);
    // kube-apiserver's documented way to reset managedFields is a list holding one empty entry.
    if (Object.keys(e).length === 0) continue;
    const { manager, operation, fieldsType, fieldsV1, subresource, apiVersion, time } = e;
    if (typeof manager !== 'string') throw new ManagedFieldsError(`metadata.managedFields[${i}].manager must be a string`);
    if (operation !== 'Apply' && operation !== 'Update') throw new ManagedFieldsError(`metadata.managedFields[${i}].operation must be Apply or Update`);
    if (fieldsType !== undefined && fieldsType !== 'FieldsV1') throw new ManagedFieldsError(`metadata.managedFields[${i}].fieldsType must be FieldsV1`);
    let set: FieldSet;
    try {
      set = fromFieldsV1(fieldsV1);
    } catch (err) {
      if (err instanceof FieldsV1Error) throw new ManagedFieldsError(`metadata.managedFields[${i}].fieldsV1: ${err.message}`);
      throw err;
    }
    const m: Manager = {
      manager,
      operation,
      subresource: typeof subresource === 'string' ? subresource : '',
      apiVersion: typeof apiVersion === 'string' ? apiVersion : undefined,
      time: typeof time === 'string' ? time : undefined,
      set,
    };
    // Two entries with one identity (a hand-written list) count as one.
    const dup = out.find((o) => sameIdentity(o, m));
    if (dup) dup.set = dup.set.union(m.set);
    else out.push(m);
  }
  return out;
}

/** The entries in kube-apiserver's order: Apply before Update, then by time, manager, subresource. */
export function encodeManagers(managers: Manager[]): ManagedFieldsEntry[] {
  const sorted = managers
    .filter((m) => !m.set.empty)
    .sort((a, b) => cmp(a.operation, b.operation) || cmp(a.time ?? '', b.time ?? '') || cmp(a.manager, b.manager) || cmp(a.subresource, b.subresource));
  return sorted.map((m) => ({
    manager: m.manager,
    operation: m.operation,
    ...(m.apiVersion ? { apiVersion: m.apiVersion } : {}),
    ...(m.time ? { time: m.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(m.set),
    ...(m.subresource ? { subresource: m.subresource } : {}),
  }));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** How kube-apiserver names a manager in conflict messages. */
export function describeManager(m: Manager): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion ?? ''}`;
  return s;
}
