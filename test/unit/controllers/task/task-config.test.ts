import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { LABELS, VOLUME_CLAIM_LABEL, VOLUME_TASK_LABEL, type Task, type TaskSpec } from '../../../../src/api/types.js';
import { configMapData, refKey, refsOf, secretData, type ConfigData, type ConfigSource } from '../../../../src/controllers/task/config-source.js';
import { resolveConfigVolumes } from '../../../../src/controllers/task/config-volumes.js';
import { resolveEnv } from '../../../../src/controllers/task/env-from.js';
import { prepareConfig, type ClaimInfo } from '../../../../src/controllers/task/task-config.js';
import { claimVolumeName } from '../../../../src/api/volume-names.js';
import { holderMounts, mountsOf, taskVolumeName } from '../../../../src/controllers/task/volumes.js';
import { buildContainerSpec, specHash } from '../../../../src/controllers/task/container-spec.js';

// The pure resolution of what a Task's container needs from Secrets, ConfigMaps and claims, and
// the mapping of its volumes to Docker mounts.

function task(spec: Partial<TaskSpec>, meta: Partial<Task['metadata']> = {}): Task {
  return { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 't', namespace: 'ns', uid: 'abcd-1234-ef', ...meta }, spec: { image: 'img', ...spec } };
}

const text = (o: Record<string, string>): ConfigData => new Map(Object.entries(o).map(([k, v]) => [k, Buffer.from(v)]));

function source(objects: Record<string, Record<string, string>>): ConfigSource {
  return { get: (kind, ns, name) => (objects[refKey(kind, ns, name)] ? text(objects[refKey(kind, ns, name)]) : undefined) };
}

describe('resolveEnv', () => {
  it('takes a secretKeyRef value from the Secret of the Task namespace', () => {
    const t = task({ env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] });
    expect(resolveEnv(t, source({ 'Secret/ns/db': { password: 'p' } }))).to.deep.equal({ env: { PW: 'p' } });
  });

  it('names the missing Secret and the variable', () => {
    const t = task({ env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] });
    expect(resolveEnv(t, source({}))).to.deep.equal({ error: 'secret "db" not found (env PW)' });
  });

  it('names the missing key of a ConfigMap', () => {
    const t = task({ env: [{ name: 'M', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } }] });
    expect(resolveEnv(t, source({ 'ConfigMap/ns/cfg': { other: 'x' } }))).to.deep.equal({ error: "couldn't find key mode in ConfigMap ns/cfg (env M)" });
  });

  it('leaves an optional reference to a missing key unset', () => {
    const t = task({ env: [{ name: 'M', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode', optional: true } } }, { name: 'A', value: 'a' }] });
    expect(resolveEnv(t, source({}))).to.deep.equal({ env: { A: 'a' } });
  });

  it('applies envFrom in order with its prefix, skips keys with "=", and lets env override', () => {
    const t = task({
      envFrom: [{ configMapRef: { name: 'base' } }, { prefix: 'X_', secretRef: { name: 's' } }, { configMapRef: { name: 'later' } }],
      env: [{ name: 'MODE', value: 'env' }],
    });
    const src = source({ 'ConfigMap/ns/base': { MODE: 'base', LEVEL: '1', 'BAD=KEY': 'x' }, 'Secret/ns/s': { TOKEN: 't' }, 'ConfigMap/ns/later': { LEVEL: '2' } });
    expect(resolveEnv(t, src)).to.deep.equal({ env: { MODE: 'env', LEVEL: '2', X_TOKEN: 't' } });
  });

  it('skips an optional missing envFrom source and refuses a required one', () => {
    expect(resolveEnv(task({ envFrom: [{ secretRef: { name: 'gone', optional: true } }] }), source({}))).to.deep.equal({ env: {} });
    expect(resolveEnv(task({ envFrom: [{ secretRef: { name: 'gone' } }] }), source({}))).to.deep.equal({ error: 'secret "gone" not found' });
  });
});

describe('Secret and ConfigMap data', () => {
  it('decodes a Secret from base64 and folds stringData in', () => {
    const d = secretData({ apiVersion: 'v1', kind: 'Secret', metadata: {}, data: { a: Buffer.from('one').toString('base64') }, stringData: { b: 'two' } });
    expect([...d].map(([k, v]) => [k, v.toString()])).to.deep.equal([['a', 'one'], ['b', 'two']]);
  });

  it('reads ConfigMap data as UTF-8 and binaryData as base64', () => {
    const d = configMapData({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, data: { a: 'é' }, binaryData: { b: Buffer.from([0, 255]).toString('base64') } });
    expect(d.get('a')!.toString()).to.equal('é');
    expect([...d.get('b')!]).to.deep.equal([0, 255]);
  });
});

describe('refsOf (the Task index of referenced objects)', () => {
  it('lists every Secret and ConfigMap from env, envFrom and volumes once', () => {
    const t = task({
      env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's1', key: 'k' } } }, { name: 'B', valueFrom: { configMapKeyRef: { name: 'c1', key: 'k' } } }],
      envFrom: [{ secretRef: { name: 's1' } }, { configMapRef: { name: 'c2' } }],
      volumes: [{ name: 'v', secret: { secretName: 's2' } }, { name: 'w', configMap: { name: 'c1' } }, { name: 'e', emptyDir: {} }],
    });
    expect(refsOf(t).sort()).to.deep.equal(['ConfigMap/ns/c1', 'ConfigMap/ns/c2', 'Secret/ns/s1', 'Secret/ns/s2']);
  });
});

describe('resolveConfigVolumes', () => {
  it('writes every key at its own name with defaultMode 0644', () => {
    const t = task({ volumes: [{ name: 'cfg', configMap: { name: 'app' } }] });
    const r = resolveConfigVolumes(t, source({ 'ConfigMap/ns/app': { b: '2', a: '1' } }));
    if ('error' in r) throw new Error(r.error);
    expect(r.files.get('cfg')!.map((f) => [f.path, f.content.toString(), f.mode])).to.deep.equal([['a', '1', 0o644], ['b', '2', 0o644]]);
  });

  it('writes only items, at their paths and modes', () => {
    const t = task({ volumes: [{ name: 's', secret: { secretName: 'tls', defaultMode: 0o400, items: [{ key: 'key', path: 'private/key.pem' }, { key: 'crt', path: 'cert.pem', mode: 0o444 }] } }] });
    const r = resolveConfigVolumes(t, source({ 'Secret/ns/tls': { key: 'K', crt: 'C', extra: 'E' } }));
    if ('error' in r) throw new Error(r.error);
    expect(r.files.get('s')!.map((f) => [f.path, f.mode])).to.deep.equal([['private/key.pem', 0o400], ['cert.pem', 0o444]]);
  });

  it('names a missing item key and the volume', () => {
    const t = task({ volumes: [{ name: 's', secret: { secretName: 'tls', items: [{ key: 'key', path: 'k' }] } }] });
    expect(resolveConfigVolumes(t, source({ 'Secret/ns/tls': {} }))).to.deep.equal({ error: "couldn't find key key in Secret ns/tls (volume s)" });
  });

  it('gives an optional missing object an empty volume', () => {
    const r = resolveConfigVolumes(task({ volumes: [{ name: 'c', configMap: { name: 'nope', optional: true } }] }), source({}));
    expect('files' in r && r.files.get('c')).to.deep.equal([]);
  });

  it('refuses an item path that climbs out of the volume', () => {
    const r = resolveConfigVolumes(task({ volumes: [{ name: 'c', configMap: { name: 'app', items: [{ key: 'a', path: '../../etc/passwd' }] } }] }), source({ 'ConfigMap/ns/app': { a: 'x' } }));
    expect(r).to.have.property('error').that.includes("may not contain '..'");
  });

  it('changes its hash when a value changes, and only then', () => {
    const t = task({ volumes: [{ name: 'c', configMap: { name: 'app' } }] });
    const hash = (v: string) => {
      const r = resolveConfigVolumes(t, source({ 'ConfigMap/ns/app': { a: v } }));
      return 'hash' in r ? r.hash : '';
    };
    expect(hash('1')).to.equal(hash('1'));
    expect(hash('1')).to.not.equal(hash('2'));
  });
});

describe('mountsOf', () => {
  const claims = new Map([['data', { uid: 'claim-uid-0001' }]]);
  const t = task({
    volumes: [
      { name: 'scratch', emptyDir: {} },
      { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      { name: 'cfg', configMap: { name: 'app' } },
      { name: 'host', hostPath: { path: '/srv/data', type: 'DirectoryOrCreate' } },
      { name: 'db', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
    ],
    volumeMounts: [
      { name: 'scratch', mountPath: '/scratch' },
      { name: 'mem', mountPath: '/mem' },
      { name: 'cfg', mountPath: '/etc/app' },
      { name: 'host', mountPath: '/host', subPath: 'sub' },
      { name: 'db', mountPath: '/db' },
    ],
  });
  const byTarget = Object.fromEntries(mountsOf(t, claims, 'n1').map((m) => [m.target, m]));

  it('makes an emptyDir a Docker volume named after the Task uid and labelled for removal with it', () => {
    expect(byTarget['/scratch']).to.deep.equal({ type: 'volume', source: 'okube-abcd1234ef-scratch', target: '/scratch', readOnly: false, volumeLabels: { [VOLUME_TASK_LABEL]: 'abcd-1234-ef', [LABELS.node]: 'n1' } });
    expect(taskVolumeName(t, 'scratch')).to.equal('okube-abcd1234ef-scratch');
  });

  it('makes a Memory emptyDir a tmpfs of its sizeLimit', () => {
    expect(byTarget['/mem']).to.deep.include({ type: 'tmpfs', tmpfsSizeBytes: 64 * 2 ** 20 });
  });

  it('mounts a configMap volume read-only, and the holder mounts it writable', () => {
    expect(byTarget['/etc/app']).to.include({ type: 'volume', source: 'okube-abcd1234ef-cfg', readOnly: true });
    expect(holderMounts(t, 'n1')).to.deep.equal([{ type: 'volume', source: 'okube-abcd1234ef-cfg', target: '/okube-volumes/cfg', readOnly: false, volumeLabels: { [VOLUME_TASK_LABEL]: 'abcd-1234-ef', [LABELS.node]: 'n1' } }]);
  });

  it('binds a hostPath with its subPath, creating it for DirectoryOrCreate', () => {
    expect(byTarget['/host']).to.deep.equal({ type: 'bind', source: '/srv/data/sub', target: '/host', readOnly: false, createHostPath: true });
  });

  it('mounts a claim as the Docker volume of the claim uid, read-only when the volume says so', () => {
    expect(byTarget['/db']).to.deep.equal({ type: 'volume', source: claimVolumeName('ns', 'data', 'claim-uid-0001'), target: '/db', readOnly: true, volumeLabels: { [VOLUME_CLAIM_LABEL]: 'claim-uid-0001', [LABELS.node]: 'n1' } });
  });
});

describe('prepareConfig', () => {
  const claimsOf = (c: Record<string, ClaimInfo>) => ({ get: (_ns: string, name: string) => c[name] });
  const withClaim = task({ volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }], volumeMounts: [{ name: 'd', mountPath: '/d' }] });

  it('refuses a claim that does not exist', () => {
    expect(prepareConfig(withClaim, { source: source({}), claims: claimsOf({}), nodeName: 'n1' })).to.deep.equal({ error: 'persistentvolumeclaim "data" not found' });
  });

  it("refuses a claim whose volume is on another Node", () => {
    expect(prepareConfig(withClaim, { source: source({}), claims: claimsOf({ data: { uid: 'u', node: 'n2' } }), nodeName: 'n1' })).to.deep.equal({ error: 'persistentvolumeclaim "data" has its volume on node n2, not n1' });
  });

  it('lists an unbound claim for binding to this Node', () => {
    const r = prepareConfig(withClaim, { source: source({}), claims: claimsOf({ data: { uid: 'u' } }), nodeName: 'n1' });
    expect('config' in r && r.config.unboundClaims).to.deep.equal(['data']);
  });

  it('refuses a hostPath the Node does not allow', () => {
    const t = task({ volumes: [{ name: 'h', hostPath: { path: '/etc' } }] });
    const r = prepareConfig(t, { source: source({}), claims: claimsOf({}), nodeName: 'n1', node: { allowedHostPaths: [{ pathPrefix: '/srv' }] } });
    expect(r).to.have.property('error').that.includes("spec.volumes[0].hostPath.path: Forbidden: /etc is not under node n1's spec.allowedHostPaths (/srv)");
  });

  it('checks runAsNonRoot only once the image user is known', () => {
    const t = task({ securityContext: { runAsNonRoot: true } });
    const input = { source: source({}), claims: claimsOf({}), nodeName: 'n1' };
    expect(prepareConfig(t, input)).to.have.property('config');
    expect(prepareConfig(t, { ...input, imageUser: '' })).to.deep.equal({ error: 'container has runAsNonRoot and image will run as root' });
    expect(prepareConfig(t, { ...input, imageUser: '1000:1000' })).to.have.property('config');
  });
});

describe('buildContainerSpec and specHash with issue-22 fields', () => {
  it('keeps the spec hash of a Task without the new fields (no container replaced on upgrade)', () => {
    const plain = task({ command: ['x'], env: [{ name: 'A', value: '1' }] });
    // The hash okube computed before issue 22, written out: containers running today carry it.
    const before = { image: 'img', command: ['x'], args: null, env: [['A', '1']], ports: [], limits: [null, null] };
    expect(specHash(plain)).to.equal(createHash('sha256').update(JSON.stringify(before)).digest('hex').slice(0, 16));
    expect(specHash(plain)).to.not.equal(specHash(task({ command: ['x'], env: [{ name: 'A', value: '1' }], workingDir: '/w' })));
  });

  it('changes the spec hash when a valueFrom reference changes', () => {
    const ref = (key: string) => task({ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key } } }] });
    expect(specHash(ref('a'))).to.not.equal(specHash(ref('b')));
  });

  it("copies the Task's labels to the container without letting them replace okube's", () => {
    const t = task({}, { labels: { app: 'web', [LABELS.name]: 'spoof' } });
    const spec = buildContainerSpec(t, { nodeName: 'n1', address: '127.0.0.1', restartNumber: 0 });
    expect(spec.labels).to.include({ app: 'web', [LABELS.name]: 't' });
  });

  it('uses the resolved environment and mounts, and the working directory', () => {
    const spec = buildContainerSpec(task({ workingDir: '/w' }), { nodeName: 'n1', address: 'a', restartNumber: 0, env: { A: 'from-secret' }, mounts: [{ type: 'tmpfs', target: '/t' }] });
    expect(spec).to.deep.include({ env: { A: 'from-secret' }, workingDir: '/w', mounts: [{ type: 'tmpfs', target: '/t' }] });
  });
});
