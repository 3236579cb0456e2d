import { expect } from 'chai';
import { toTable } from '../../../../src/apiserver/schema/index.js';
import { withTaskCells } from '../../../../src/apiserver/schema/task-cells.js';
import { defs as crdDefs } from './helpers.js';

const taskDef = withTaskCells(crdDefs).find((d) => d.kind === 'Task')!;
const statusOf = (task: object) => {
  const t = toTable(taskDef, [task]) as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
  return t.rows[0].cells[t.columnDefinitions.findIndex((c) => c.name === 'Status')];
};

describe("the Task table's STATUS column", () => {
  it('says Terminating for a Task being deleted, whatever its container does', () => {
    expect(statusOf({ metadata: { name: 't', deletionTimestamp: '2026-12-04T07:00:00Z' }, status: { phase: 'Running', state: { running: { startedAt: '2026-12-04T06:00:00Z' } } } })).to.equal('Terminating');
  });

  it("shows the container's waiting reason otherwise, and nothing while it runs", () => {
    expect(statusOf({ metadata: { name: 't' }, status: { state: { waiting: { reason: 'CrashLoopBackOff' } } } })).to.equal('CrashLoopBackOff');
    expect(statusOf({ metadata: { name: 't' }, status: { state: { running: {} } } })).to.equal(null);
  });
});
