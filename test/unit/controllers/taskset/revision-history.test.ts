import { expect } from 'chai';
import { CHANGE_CAUSE_ANNOTATION, type ControllerRevision, type TaskSet } from '../../../../src/api/types.js';
import type { Informer } from '../../../../src/client/informer.js';
import type { ResourceClient } from '../../../../src/client/resource-client.js';
import { RevisionHistory } from '../../../../src/controllers/taskset/revision-history.js';
import { OkubeError } from '../../../../src/util/errors.js';
import { loggerFor } from '../../../../src/util/logger.js';
import { taskSet, withImage } from './fixtures.js';

// The revision history's effects over fakes (revision-history.ts): what it asks the API for, and
// that its own writes count while the informer has not shown them, so a lagging watch neither
// numbers two templates alike nor recreates a pruned revision.

const log = loggerFor('test');

function fakes() {
  const informed: ControllerRevision[] = [];
  const created: ControllerRevision[] = [];
  const patched: Array<{ name: string; body: Record<string, unknown> }> = [];
  const deleted: string[] = [];
  const stored = new Map<string, ControllerRevision>();
  let rv = 100;
  const revisions = {
    create: async (r: ControllerRevision) => {
      if (created.some((c) => c.metadata.name === r.metadata.name)) throw new OkubeError('AlreadyExists', `${r.metadata.name} exists`);
      const made = { ...r, metadata: { ...r.metadata, uid: `uid-${r.metadata.name}`, resourceVersion: String(++rv) } };
      created.push(made);
      return made;
    },
    // A merge patch as the API server applies it, resourceVersion guard included.
    patch: async (name: string, body: Record<string, unknown>) => {
      patched.push({ name, body });
      const base = stored.get(name) ?? [...created, ...informed].find((r) => r.metadata.name === name)!;
      const meta = (body.metadata ?? {}) as ControllerRevision['metadata'];
      if (meta.resourceVersion !== undefined && meta.resourceVersion !== base.metadata.resourceVersion) throw new OkubeError('Conflict', `${name} changed`);
      const out = { ...base, revision: (body.revision as number) ?? base.revision, metadata: { ...base.metadata, ...meta, resourceVersion: String(++rv) } };
      stored.set(name, out);
      return out;
    },
    delete: async (name: string) => void deleted.push(name),
  } as unknown as ResourceClient<ControllerRevision>;
  const sync = { informedTo: '' };
  const informer = { byIndex: () => informed, lastSyncResourceVersion: () => sync.informedTo } as unknown as Informer<ControllerRevision>;
  return { h: new RevisionHistory({ revisions, informer }), informed, created, patched, deleted, sync };
}

const v = (image: string, spec: Partial<TaskSet['spec']> = {}) => withImage(taskSet(spec), image);

describe('TaskSet revision history (effects)', () => {
  it('creates the first revision once while the informer has not shown it (no second create, no error)', async () => {
    const f = fakes();
    await f.h.sync(v('a'), [], log);
    await f.h.sync(v('a'), [], log);
    expect(f.created.map((r) => r.revision)).to.deep.equal([1]);
    expect(f.patched).to.deep.equal([]);
  });

  it('numbers a second template after its own unseen first write', async () => {
    const f = fakes();
    await f.h.sync(v('a'), [], log);
    await f.h.sync(v('b'), [], log);
    expect(f.created.map((r) => r.revision)).to.deep.equal([1, 2]);
  });

  it('renumbers a returning template by a merge patch guarded by its resourceVersion', async () => {
    const f = fakes();
    await f.h.sync(v('a'), [], log);
    await f.h.sync(v('b'), [], log);
    await f.h.sync(v('a'), [], log);
    expect(f.patched).to.have.length(1);
    expect(f.patched[0].body).to.deep.include({ revision: 3 });
    expect((f.patched[0].body.metadata as { resourceVersion?: string }).resourceVersion).to.equal(f.created[0].metadata.resourceVersion);
  });

  it('prunes beyond revisionHistoryLimit once, and does not count the pruned revision while the informer still shows it', async () => {
    const f = fakes();
    await f.h.sync(v('a'), [], log);
    f.informed.push(f.created[0]);
    await f.h.sync(v('b', { revisionHistoryLimit: 0 }), [], log);
    expect(f.deleted).to.deep.equal([f.created[0].metadata.name]);
    await f.h.sync(v('c', { revisionHistoryLimit: 0 }), [], log);
    expect(f.deleted, 'revision 1 is not deleted twice').to.deep.equal([f.created[0].metadata.name, f.created[1].metadata.name]);
    expect(f.created.map((r) => r.revision)).to.deep.equal([1, 2, 3]);
  });

  it('adopts an orphan and renumbers it in one pass, the renumber guarded by the adopt\'s resourceVersion', async () => {
    const f = fakes();
    await f.h.sync(v('a'), [], log);
    await f.h.sync(v('b'), [], log);
    const orphan = { ...f.created[0], metadata: { ...f.created[0].metadata, ownerReferences: undefined } };
    f.informed.push(orphan, f.created[1]);
    await f.h.sync(v('a'), [], log);
    expect(f.patched.map((p) => Object.keys(p.body))).to.deep.equal([['metadata'], ['metadata', 'revision']]);
    expect(f.patched[1].body).to.deep.include({ revision: 3 });
  });

  it('writes a change-cause annotated after the rollout onto the current revision, guarded, keeping its number', async () => {
    const f = fakes();
    await f.h.sync(v('a'), [], log);
    const annotated = v('a');
    annotated.metadata.annotations = { [CHANGE_CAUSE_ANNOTATION]: 'annotated later' };
    await f.h.sync(annotated, [], log);
    expect(f.patched).to.have.length(1);
    expect(f.patched[0].body).to.deep.equal({ metadata: { resourceVersion: f.created[0].metadata.resourceVersion, annotations: { [CHANGE_CAUSE_ANNOTATION]: 'annotated later' } }, revision: 1 });
  });

  it('forgets a write the informer has passed without showing it (deleted by someone else), and records the template again', async () => {
    const f = fakes();
    await f.h.sync(v('a'), [], log);
    f.created.length = 0;
    f.sync.informedTo = '100';
    await f.h.sync(v('a'), [], log);
    expect(f.created, 'informer not yet past the write: still counted').to.deep.equal([]);
    f.sync.informedTo = '150';
    await f.h.sync(v('a'), [], log);
    expect(f.created.map((r) => r.revision)).to.deep.equal([1]);
  });
});
