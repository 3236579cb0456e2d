import { expect } from 'chai';
import { evalJsonPath, humanDuration, toTable } from '../../../../src/apiserver/schema/index.js';
import { nodeDef, taskDef } from './helpers.js';

interface Table {
  kind: string;
  apiVersion: string;
  metadata: object;
  columnDefinitions: { name: string; type: string; format: string; priority: number; description: string }[];
  rows: { cells: unknown[]; object?: { kind?: string; metadata?: object } }[];
}

const now = new Date('2026-01-01T01:00:00Z');
const readyNode = {
  metadata: { name: 'n1', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { dockerHost: 'unix:///x', address: '127.0.0.2' },
  status: { taskCount: 3, capacity: { cpu: 4, memory: '8Gi' }, nodeInfo: { dockerVersion: '26.1.5' }, conditions: [{ type: 'Other', status: 'False' }, { type: 'Ready', status: 'True' }] },
};
const crashing = {
  metadata: { name: 't1', namespace: 'default', creationTimestamp: '2026-01-01T00:55:00Z' },
  spec: { image: 'busybox' },
  status: { phase: 'Running', ready: false, restartCount: 4, nodeName: 'n1', containerID: 'abc', state: { waiting: { reason: 'CrashLoopBackOff' } }, backoff: { nextRestartAt: '2026-01-01T01:00:40Z' }, ports: [{ containerPort: 80, hostPort: 30001 }, { containerPort: 81, hostPort: 30002 }] },
};

function table(def = nodeDef, objs: object[] = [readyNode], opts = {}): Table {
  return toTable(def, objs, { now, ...opts }) as Table;
}

function cellOf(t: Table, column: string, row = 0): unknown {
  return t.rows[row].cells[t.columnDefinitions.findIndex((c) => c.name === column)];
}

describe('toTable', () => {
  it('is a meta.k8s.io/v1 Table', () => {
    expect(table()).to.include({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
  });

  it('puts Name first (format name) and then the printer columns in order', () => {
    const t = table();
    expect(t.columnDefinitions[0]).to.include({ name: 'Name', type: 'string', format: 'name', priority: 0 });
    expect(t.columnDefinitions.slice(1).map((c) => c.name)).to.deep.equal(nodeDef.printerColumns.map((c) => c.name));
  });

  it('sends wide-only columns with priority 1 (kubectl hides them without -o wide)', () => {
    expect(table(taskDef, [crashing]).columnDefinitions.find((c) => c.name === 'Image')).to.include({ priority: 1 });
  });

  it('evaluates the Ready condition filter', () => {
    expect(cellOf(table(), 'Ready')).to.equal('True');
  });

  it('leaves a missing value null', () => {
    expect(cellOf(table(nodeDef, [{ metadata: { name: 'bare' }, spec: {} }]), 'Ready')).to.equal(null);
  });

  it('keeps integer cells as numbers', () => {
    expect(cellOf(table(), 'Tasks')).to.equal(3);
  });

  it('prints a numeric quantity in a string column as text', () => {
    expect(cellOf(table(), 'CPU')).to.equal('4');
  });

  it('keeps boolean cells as booleans', () => {
    expect(cellOf(table(taskDef, [crashing]), 'Ready')).to.equal(false);
  });

  it('renders Age as a Kubernetes-style age', () => {
    expect(cellOf(table(), 'Age')).to.equal('60m');
  });

  it('renders a future Next Retry as "in 40s"', () => {
    expect(cellOf(table(taskDef, [crashing]), 'Next Retry')).to.equal('in 40s');
  });

  it('shows the waiting reason in Status', () => {
    expect(cellOf(table(taskDef, [crashing]), 'Status')).to.equal('CrashLoopBackOff');
  });

  it('shows the first result of a multi-valued path, like the real table convertor', () => {
    expect(cellOf(table(taskDef, [crashing]), 'Ports')).to.equal('30001');
  });

  it('attaches PartialObjectMetadata by default', () => {
    const row = table().rows[0];
    expect(row.object).to.deep.equal({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: readyNode.metadata });
  });

  it('attaches the whole object with includeObject=Object', () => {
    expect(table(nodeDef, [readyNode], { includeObject: 'Object' }).rows[0].object).to.equal(readyNode);
  });

  it('attaches nothing with includeObject=None', () => {
    expect(table(nodeDef, [readyNode], { includeObject: 'None' }).rows[0]).to.not.have.property('object');
  });

  it('carries the list metadata', () => {
    expect(table(nodeDef, [], { listMeta: { resourceVersion: '42' } }).metadata).to.deep.equal({ resourceVersion: '42' });
  });
});

describe('humanDuration', () => {
  it('matches apimachinery for seconds, minutes, hours and days', () => {
    expect([45_000, 200_000, 720_000, 5 * 3600_000 + 180_000, 20 * 3600_000, 3 * 86400_000 + 4 * 3600_000, 40 * 86400_000].map(humanDuration)).to.deep.equal(['45s', '3m20s', '12m', '5h3m', '20h', '3d4h', '40d']);
  });

  it('is <invalid> well in the past of now (a time ahead)', () => {
    expect(humanDuration(-5000)).to.equal('<invalid>');
  });
});

describe('evalJsonPath', () => {
  const obj = { a: { b: [{ c: 1, t: 'x' }, { c: 2, t: 'y' }] } };

  it('follows fields and indexes', () => {
    expect(evalJsonPath(obj, '.a.b[1].c')).to.deep.equal([2]);
  });

  it('expands [*]', () => {
    expect(evalJsonPath(obj, '.a.b[*].c')).to.deep.equal([1, 2]);
  });

  it('filters on a field value', () => {
    expect(evalJsonPath(obj, '.a.b[?(@.t=="y")].c')).to.deep.equal([2]);
  });

  it('selects nothing for a missing key', () => {
    expect(evalJsonPath(obj, '.a.z.c')).to.deep.equal([]);
  });
});
