import { expect } from 'chai';
import { LABELS, VOLUME_CLAIM_LABEL, VOLUME_TASK_LABEL, type Task } from '../../../src/api/types.js';
import { ofThisCluster, placementLabels } from '../../../src/controllers/cluster-scope.js';
import { NodeRegistry } from '../../../src/controllers/node/node-registry.js';
import { buildContainerSpec } from '../../../src/controllers/task/container-spec.js';
import { HollowRuntime } from '../../../src/runtime/hollow-runtime.js';
import { holderMounts, mountsOf } from '../../../src/controllers/task/volumes.js';

const task = (): Task => ({
  apiVersion: 'okube.dev/v1alpha1',
  kind: 'Task',
  metadata: { name: 'web', namespace: 'ns', uid: 'task-uid-1' },
  spec: {
    image: 'img',
    volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'conf', configMap: { name: 'c' } }, { name: 'data', persistentVolumeClaim: { claimName: 'd' } }],
    volumeMounts: [{ name: 'scratch', mountPath: '/s' }, { name: 'conf', mountPath: '/c' }, { name: 'data', mountPath: '/d' }],
  },
});

describe('cluster scope of what okube makes on an engine', () => {
  it('labels with the Node and the cluster when the cluster is known, the Node alone when not', () => {
    expect(placementLabels('local', 'c-1')).to.deep.equal({ [LABELS.node]: 'local', [LABELS.cluster]: 'c-1' });
    expect(placementLabels('local', undefined)).to.deep.equal({ [LABELS.node]: 'local' });
  });

  it("takes a container labelled for another cluster as not this cluster's", () => {
    expect(ofThisCluster({ [LABELS.cluster]: 'c-2' }, 'c-1')).to.equal(false);
  });

  it("takes a container labelled for this cluster, or made before the label existed, as this cluster's", () => {
    expect(ofThisCluster({ [LABELS.cluster]: 'c-1' }, 'c-1')).to.equal(true);
    expect(ofThisCluster({ [LABELS.node]: 'local' }, 'c-1')).to.equal(true);
  });

  it('takes everything as its own while the cluster is not known (no label to tell by)', () => {
    expect(ofThisCluster({ [LABELS.cluster]: 'c-2' }, undefined)).to.equal(true);
  });

  it("puts the cluster's identity on the Task's container", () => {
    const spec = buildContainerSpec(task(), { nodeName: 'local', cluster: 'c-1', address: '127.0.0.1', restartNumber: 0 });
    expect(spec.labels[LABELS.cluster]).to.equal('c-1');
    expect(spec.labels[LABELS.node]).to.equal('local');
  });

  it("puts the cluster's identity on the Task's own volumes, its claims' volumes and its config-volume holder's", () => {
    const mounts = mountsOf(task(), new Map([['d', { uid: 'claim-uid' }]]), 'local', 'c-1');
    expect(mounts.filter((m) => m.type === 'volume').map((m) => m.volumeLabels?.[LABELS.cluster])).to.deep.equal(['c-1', 'c-1', 'c-1']);
    expect(mounts.find((m) => m.target === '/d')?.volumeLabels?.[VOLUME_CLAIM_LABEL]).to.equal('claim-uid');
    const holder = holderMounts(task(), 'local', 'c-1');
    expect(holder.map((m) => [m.volumeLabels?.[VOLUME_TASK_LABEL], m.volumeLabels?.[LABELS.cluster]])).to.deep.equal([['task-uid-1', 'c-1']]);
  });

  it("gives a Node entry made before the cluster's identity was known that identity once it is", () => {
    const registry = new NodeRegistry(() => new HollowRuntime());
    const entry = registry.ensure({ apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: 'local' }, spec: { dockerHost: 'unix:///x.sock' } });
    expect(entry.cluster).to.equal(undefined);
    registry.cluster = 'c-1';
    expect(entry.cluster).to.equal('c-1');
    registry.remove('local');
  });
});
