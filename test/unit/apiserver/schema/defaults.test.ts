import { expect } from 'chai';
import { compileSchema } from '../../../../src/apiserver/schema/index.js';
import { node, nodeDef, task, taskDef } from './helpers.js';

const schema = compileSchema(taskDef);

function defaulted(obj: Record<string, unknown>, s = schema) {
  s.applyDefaults(obj);
  return obj as { spec: Record<string, Record<string, unknown> & Array<Record<string, unknown>>> };
}

describe('structural defaulting', () => {
  it('fills restartPolicy Always, imagePullPolicy IfNotPresent, terminationGracePeriodSeconds 30, evictionTimeoutSeconds 300', () => {
    expect(defaulted(task({ image: 'x' })).spec).to.include({ restartPolicy: 'Always', imagePullPolicy: 'IfNotPresent', terminationGracePeriodSeconds: 30, evictionTimeoutSeconds: 300 });
  });

  it('keeps values the user set', () => {
    expect(defaulted(task({ image: 'x', restartPolicy: 'Never', terminationGracePeriodSeconds: 0 })).spec).to.include({ restartPolicy: 'Never', terminationGracePeriodSeconds: 0 });
  });

  it('fills backoff 10/2/300/600/0 inside a backoff object that exists', () => {
    expect(defaulted(task({ image: 'x', backoff: {} })).spec.backoff).to.include({ initialDelaySeconds: 10, factor: 2, maxDelaySeconds: 300, resetAfterSeconds: 600, jitterPercent: 0 });
  });

  it('does not create backoff, probes, probeRestartLimit or resources the user left out', () => {
    const spec = defaulted(task({ image: 'x' })).spec;
    for (const f of ['backoff', 'livenessProbe', 'readinessProbe', 'startupProbe', 'probeRestartLimit', 'resources', 'ports']) expect(spec, f).to.not.have.property(f);
  });

  it('leaves maxRestarts unset (unlimited) while defaulting the rest of backoff', () => {
    expect(defaulted(task({ image: 'x', backoff: { initialDelaySeconds: 1 } })).spec.backoff).to.not.have.property('maxRestarts');
  });

  it('fills probe timings 0/10/1/1/3 like Kubernetes', () => {
    expect(defaulted(task({ image: 'x', livenessProbe: { tcpSocket: { port: 80 } } })).spec.livenessProbe).to.include({ initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
  });

  it('fills httpGet path / and scheme HTTP only inside an httpGet that exists', () => {
    const probe = defaulted(task({ image: 'x', readinessProbe: { httpGet: { port: 8080 } } })).spec.readinessProbe as unknown as { httpGet: object; tcpSocket?: object };
    expect(probe.httpGet).to.deep.equal({ port: 8080, path: '/', scheme: 'HTTP' });
    expect(probe).to.not.have.property('tcpSocket');
  });

  it('fills probeRestartLimit 5 in 300 s when present', () => {
    expect(defaulted(task({ image: 'x', probeRestartLimit: {} })).spec.probeRestartLimit).to.deep.equal({ maxRestarts: 5, windowSeconds: 300 });
  });

  it('fills nothing inside list items (ports keep no protocol or hostPort), so a re-applied manifest matches what is stored', () => {
    expect(defaulted(task({ image: 'x', ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }] })).spec.ports).to.deep.equal([
      { containerPort: 80 },
      { containerPort: 53, protocol: 'UDP' },
    ]);
  });

  it('replaces a null with the default, like the apiserver does for non-nullable fields', () => {
    expect(defaulted(task({ image: 'x', restartPolicy: null })).spec.restartPolicy).to.equal('Always');
  });

  it('drops a null without a default', () => {
    expect(defaulted(task({ image: 'x', nodeName: null })).spec).to.not.have.property('nodeName');
  });

  it('gives each object its own copy of a default', () => {
    const a = defaulted(task({ image: 'x', livenessProbe: { httpGet: { port: 80 } } }));
    const b = defaulted(task({ image: 'x', livenessProbe: { httpGet: { port: 80 } } }));
    (a.spec.livenessProbe as unknown as { httpGet: { path: string } }).httpGet.path = '/changed';
    expect((b.spec.livenessProbe as unknown as { httpGet: { path: string } }).httpGet.path).to.equal('/');
  });

  it('leaves metadata and status alone when they have no defaults', () => {
    const t = task({ image: 'x' }, { phase: 'Running' });
    const before = structuredClone(t);
    defaulted(t);
    expect(t.metadata).to.deep.equal(before.metadata);
    expect(t.status).to.deep.equal(before.status);
  });

  it('fills Node portRange 30000-32767 and unschedulable false', () => {
    const n = defaulted(node({ dockerHost: 'unix:///x', portRange: {} }), compileSchema(nodeDef));
    expect(n.spec).to.deep.include({ unschedulable: false, portRange: { start: 30000, end: 32767 } });
  });
});

describe('pruning', () => {
  it('drops unknown fields and returns their paths', () => {
    const t = task({ image: 'x', imagee: 'typo', ports: [{ containerPort: 1, extra: true }] });
    expect(schema.prune(t).sort()).to.deep.equal(['spec.imagee', 'spec.ports[0].extra']);
    expect(t.spec).to.not.have.property('imagee');
  });

  it('reports unknown top-level fields', () => {
    const t = { ...task({ image: 'x' }), extra: 1 };
    expect(schema.prune(t)).to.deep.equal(['extra']);
  });

  it('keeps free-form map entries (nodeSelector)', () => {
    const t = task({ image: 'x', nodeSelector: { 'okube.dev/disk': 'ssd' } });
    expect(schema.prune(t)).to.deep.equal([]);
  });

  it('leaves metadata to ObjectMeta handling', () => {
    const t = task({ image: 'x' });
    (t.metadata as Record<string, unknown>).labels = { a: 'b' };
    expect(schema.prune(t)).to.deep.equal([]);
    expect(t.metadata).to.have.property('labels');
  });
});
