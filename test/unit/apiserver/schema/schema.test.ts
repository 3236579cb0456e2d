import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { compileSchema, loadCrds, openApiV3Doc, openApiV3Index, toTable, validateObjectMeta, type ResourceDef } from '../../../../src/apiserver/schema/index.js';

const defs = loadCrds('crds');
const taskDef = defs.find((d) => d.kind === 'Task')!;
const nodeDef = defs.find((d) => d.kind === 'Node')!;
const taskSchema = compileSchema(taskDef);

function task(spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 't', namespace: 'default' }, spec };
}

function causesOf(obj: Record<string, unknown>, def: ResourceDef = taskDef) {
  const schema = compileSchema(def);
  schema.applyDefaults(obj);
  return schema.validate(obj);
}

function manifestFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? manifestFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

describe('CRDs', () => {
  it('load as Task (namespaced, short name tk) and Node (cluster-scoped, short name onode)', () => {
    expect(taskDef).to.include({ group: 'okube.dev', version: 'v1alpha1', plural: 'tasks', namespaced: true, hasStatus: true });
    expect(taskDef.shortNames).to.deep.equal(['tk']);
    expect(nodeDef).to.include({ plural: 'nodes', namespaced: false, hasStatus: true });
    expect(nodeDef.shortNames).to.deep.equal(['onode']);
  });

  for (const file of manifestFiles('manifests')) {
    it(`example ${file} validates clean after defaulting`, () => {
      for (const doc of yaml.loadAll(readFileSync(file, 'utf8')) as Record<string, unknown>[]) {
        const def = defs.find((d) => d.kind === doc.kind)!;
        expect(def, `kind ${String(doc.kind)}`).to.not.equal(undefined);
        expect(causesOf(doc, def)).to.deep.equal([]);
        expect(validateObjectMeta(doc, def.namespaced)).to.deep.equal([]);
      }
    });
  }
});

describe('defaulting', () => {
  it('fills restartPolicy, imagePullPolicy and terminationGracePeriodSeconds', () => {
    const t = task({ image: 'x' });
    taskSchema.applyDefaults(t);
    expect(t.spec).to.include({ restartPolicy: 'Always', imagePullPolicy: 'IfNotPresent', terminationGracePeriodSeconds: 30 });
  });

  it('fills backoff defaults inside a backoff object that exists', () => {
    const t = task({ image: 'x', backoff: { initialDelaySeconds: 1 } });
    taskSchema.applyDefaults(t);
    expect((t.spec as { backoff: object }).backoff).to.include({ initialDelaySeconds: 1, factor: 2, maxDelaySeconds: 300, resetAfterSeconds: 600 });
  });

  it('does not create a backoff or probe object that the user left out', () => {
    const t = task({ image: 'x' });
    taskSchema.applyDefaults(t);
    expect(t.spec).to.not.have.property('backoff');
    expect(t.spec).to.not.have.property('livenessProbe');
  });

  it('fills probe defaults like Kubernetes (period 10, timeout 1, thresholds 1 and 3)', () => {
    const t = task({ image: 'x', livenessProbe: { tcpSocket: { port: 80 } } });
    taskSchema.applyDefaults(t);
    expect((t.spec as { livenessProbe: object }).livenessProbe).to.include({ initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
  });

  it('fills each list item: port protocol TCP and hostPort 0', () => {
    const t = task({ image: 'x', ports: [{ containerPort: 80 }] });
    taskSchema.applyDefaults(t);
    expect((t.spec as { ports: object[] }).ports[0]).to.deep.equal({ containerPort: 80, hostPort: 0, protocol: 'TCP' });
  });
});

describe('validation causes', () => {
  it('a missing image is Required at spec.image', () => {
    expect(causesOf(task({}))).to.deep.include({ type: 'FieldValueRequired', field: 'spec.image', message: 'Required value' });
  });

  it('an unknown restartPolicy lists the supported values', () => {
    const [cause] = causesOf(task({ image: 'x', restartPolicy: 'Sometimes' }));
    expect(cause.field).to.equal('spec.restartPolicy');
    expect(cause.message).to.equal('Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"');
  });

  it('a string containerPort names the field and the expected type', () => {
    const [cause] = causesOf(task({ image: 'x', ports: [{ containerPort: 'abc' }] }));
    expect(cause.field).to.equal('spec.ports[0].containerPort');
    expect(cause.message).to.contain('must be of type integer');
  });

  it('a port number out of range is Invalid', () => {
    const [cause] = causesOf(task({ image: 'x', ports: [{ containerPort: 70000 }] }));
    expect(cause).to.include({ field: 'spec.ports[0].containerPort', type: 'FieldValueInvalid' });
  });

  it('a probe port accepts a number or a name but not an object', () => {
    expect(causesOf(task({ image: 'x', livenessProbe: { httpGet: { port: 'http' } } }))).to.deep.equal([]);
    const [cause] = causesOf(task({ image: 'x', livenessProbe: { httpGet: { port: { n: 1 } } } }));
    expect(cause.field).to.equal('spec.livenessProbe.httpGet.port');
    expect(cause.message).to.contain('integer or string');
  });

  it('a grpc probe is rejected with a message saying okube does not support it', () => {
    const causes = causesOf(task({ image: 'x', livenessProbe: { grpc: { port: 9000 } } }));
    expect(causes).to.have.length(1);
    expect(causes[0].field).to.equal('spec.livenessProbe');
    expect(causes[0].message).to.contain('grpc probes are not supported by okube');
  });

  it('a probe with two handlers is rejected', () => {
    const [cause] = causesOf(task({ image: 'x', readinessProbe: { tcpSocket: { port: 1 }, exec: { command: ['true'] } } }));
    expect(cause.field).to.equal('spec.readinessProbe');
    expect(cause.message).to.contain('exactly one of httpGet, tcpSocket or exec');
  });

  it('a bad memory quantity is rejected at its field', () => {
    const [cause] = causesOf(task({ image: 'x', resources: { limits: { memory: 'lots' } } }));
    expect(cause.field).to.equal('spec.resources.limits.memory');
  });

  it('unknown fields are pruned and reported by path', () => {
    const t = task({ image: 'x', imagee: 'typo', ports: [{ containerPort: 1, extra: true }] });
    expect(taskSchema.prune(t).sort()).to.deep.equal(['spec.imagee', 'spec.ports[0].extra']);
    expect(t.spec).to.not.have.property('imagee');
  });

  it('pruning leaves metadata alone', () => {
    const t = task({ image: 'x' });
    (t.metadata as Record<string, unknown>).labels = { a: 'b' };
    expect(taskSchema.prune(t)).to.deep.equal([]);
    expect(t.metadata).to.have.property('labels');
  });

  it('a Node portRange with start after end is rejected', () => {
    const node = { apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: 'n' }, spec: { dockerHost: 'unix:///x', portRange: { start: 9, end: 1 } } };
    const [cause] = causesOf(node, nodeDef);
    expect(cause.field).to.equal('spec.portRange');
  });
});

describe('validateObjectMeta', () => {
  it('rejects an upper-case name with the RFC 1123 rule', () => {
    const [cause] = validateObjectMeta({ metadata: { name: 'Web' } }, true);
    expect(cause.field).to.equal('metadata.name');
    expect(cause.message).to.contain('RFC 1123');
  });

  it('accepts generateName instead of a name', () => {
    expect(validateObjectMeta({ metadata: { generateName: 'web-' } }, true)).to.deep.equal([]);
  });

  it('rejects a label value with spaces', () => {
    const [cause] = validateObjectMeta({ metadata: { name: 'a', labels: { app: 'two words' } } }, true);
    expect(cause.field).to.equal('metadata.labels.app');
  });

  it('rejects a namespace on a cluster-scoped object', () => {
    const [cause] = validateObjectMeta({ metadata: { name: 'a', namespace: 'x' } }, false);
    expect(cause.field).to.equal('metadata.namespace');
  });
});

describe('toTable', () => {
  const node = {
    metadata: { name: 'n1', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { dockerHost: 'unix:///x', address: '127.0.0.2' },
    status: { taskCount: 3, conditions: [{ type: 'Other', status: 'False' }, { type: 'Ready', status: 'True' }] },
  };

  it('puts Name first and then the printer columns', () => {
    const table = toTable(nodeDef, [node]) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    expect(table.columnDefinitions.map((c) => c.name).slice(0, 3)).to.deep.equal(['Name', 'Ready', 'Tasks']);
    expect(table.rows[0].cells.slice(0, 3)).to.deep.equal(['n1', 'True', 3]);
  });

  it('evaluates the Ready condition filter and leaves missing values null', () => {
    const table = toTable(nodeDef, [{ metadata: { name: 'bare' }, spec: {} }]) as { rows: { cells: unknown[] }[] };
    expect(table.rows[0].cells[1]).to.equal(null);
  });

  it('includes partial object metadata by default so kubectl can show namespaces and labels', () => {
    const table = toTable(nodeDef, [node]) as { rows: { object: { kind: string; metadata: object } }[] };
    expect(table.rows[0].object.kind).to.equal('PartialObjectMetadata');
    expect(table.rows[0].object.metadata).to.deep.equal(node.metadata);
  });
});

describe('OpenAPI v3', () => {
  const doc = openApiV3Doc(defs, 'apis/okube.dev/v1alpha1') as {
    components: { schemas: Record<string, { 'x-kubernetes-group-version-kind'?: object[] }> };
    paths: Record<string, { patch?: { 'x-kubernetes-group-version-kind': object; parameters: { name: string }[] } }>;
  };

  it('publishes Task and Node with their group-version-kind', () => {
    expect(doc.components.schemas['dev.okube.v1alpha1.Task']['x-kubernetes-group-version-kind']).to.deep.equal([{ group: 'okube.dev', version: 'v1alpha1', kind: 'Task' }]);
    expect(doc.components.schemas['dev.okube.v1alpha1.Node']).to.not.equal(undefined);
  });

  it('every PATCH operation of a kind accepts fieldValidation, so kubectl validates server-side', () => {
    const patches = Object.values(doc.paths).filter((p) => p.patch);
    expect(patches.length).to.be.greaterThan(0);
    for (const p of patches) expect(p.patch!.parameters.map((x) => x.name)).to.include('fieldValidation');
  });

  it('indexes each group version with a content hash', () => {
    const index = openApiV3Index(defs) as { paths: Record<string, { serverRelativeURL: string }> };
    expect(index.paths['apis/okube.dev/v1alpha1'].serverRelativeURL).to.match(/^\/openapi\/v3\/apis\/okube\.dev\/v1alpha1\?hash=[0-9A-F]+$/);
  });
});

describe('date columns', () => {
  it('render as ages like kubectl shows them', async () => {
    const { humanDuration } = await import('../../../../src/apiserver/schema/table.js');
    expect([45_000, 200_000, 720_000, 5 * 3600_000 + 180_000, 3 * 86400_000].map(humanDuration)).to.deep.equal(['45s', '3m20s', '12m', '5h3m', '3d']);
  });

  it('shows a future Next Retry as "in …"', () => {
    const soon = new Date(Date.now() + 30_500).toISOString();
    const table = toTable(taskDef, [{ metadata: { name: 't' }, spec: { image: 'x' }, status: { backoff: { nextRestartAt: soon } } }]) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    const col = table.columnDefinitions.findIndex((c) => c.name === 'Next Retry');
    expect(table.rows[0].cells[col]).to.match(/^in 30s$/);
  });
});
