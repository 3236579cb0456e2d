import { expect } from 'chai';
import { causesOf, node, nodeDef, task } from './helpers.js';
import { configMapDataCount, configMapDef } from '../../../../src/apiserver/schema/configmap.js';
import { compileSchema } from '../../../../src/apiserver/schema/index.js';

// The Task CRD's issue-22 fields (env references, envFrom, volumes, securityContext) and the
// Node's allowedHostPaths: Kubernetes' shapes, and refusals of what okube never does.

const img = { image: 'i' };
const fields = (spec: Record<string, unknown>) => causesOf(task({ ...img, ...spec })).map((c) => `${c.field}: ${c.message}`);

describe('Task CRD: configuration, volumes and security fields', () => {
  it('accepts the Kubernetes shapes of env valueFrom, envFrom, volumes, volumeMounts and securityContext', () => {
    expect(fields({
      env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k', optional: true } } }, { name: 'B', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }],
      envFrom: [{ prefix: 'P_', configMapRef: { name: 'c' } }, { secretRef: { name: 's', optional: true } }],
      workingDir: '/app',
      securityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } },
      volumes: [
        { name: 'e', emptyDir: {} },
        { name: 'h', hostPath: { path: '/srv', type: 'Directory' } },
        { name: 's', secret: { secretName: 's', items: [{ key: 'k', path: 'k.pem', mode: 0o400 }] } },
        { name: 'c', configMap: { name: 'c', optional: true } },
        { name: 'p', persistentVolumeClaim: { claimName: 'data' } },
      ],
      volumeMounts: [{ name: 'e', mountPath: '/e' }, { name: 'h', mountPath: '/h', subPath: 'x', readOnly: true }, { name: 'p', mountPath: '/p' }],
    })).to.deep.equal([]);
  });

  it('leaves a secret volume defaultMode unset (the controller reads absent as 0644), so a volumes list re-applies unchanged', () => {
    const obj = task({ ...img, volumes: [{ name: 's', secret: { secretName: 's' } }] }) as { spec: { volumes: Array<{ secret: { defaultMode?: number } }> } };
    expect(causesOf(obj)).to.deep.equal([]);
    expect(obj.spec.volumes[0].secret).to.not.have.property('defaultMode');
  });

  it('refuses two ports with one containerPort and protocol, an absent protocol counting as TCP', () => {
    expect(fields({ ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'TCP', hostPort: 8080 }] })).to.deep.equal(['spec.ports: Invalid value: "array": containerPort and protocol must be unique']);
    expect(fields({ ports: [{ containerPort: 53 }, { containerPort: 53, protocol: 'UDP' }] })).to.deep.equal([]);
  });

  it('refuses two ports with one name', () => {
    expect(fields({ ports: [{ name: 'http', containerPort: 80 }, { name: 'http', containerPort: 81 }] })).to.deep.equal(['spec.ports: Invalid value: "array": port names must be unique']);
  });

  it('refuses privileged, naming the field', () => {
    expect(fields({ securityContext: { privileged: true } })).to.deep.equal(['spec.securityContext.privileged: Forbidden: privileged containers are not supported by okube']);
  });

  it('refuses hostNetwork, hostPID and hostIPC', () => {
    for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) expect(fields({ [f]: true }).join(), f).to.include('not supported by okube');
    expect(fields({ hostNetwork: false })).to.deep.equal([]);
  });

  it('refuses adding any capability beyond Kubernetes\' baseline set (SYS_ADMIN, ALL, SYS_MODULE, NET_ADMIN, DAC_READ_SEARCH…)', () => {
    for (const cap of ['sys_admin', 'ALL', 'SYS_MODULE', 'NET_ADMIN', 'CAP_DAC_READ_SEARCH', 'SYS_PTRACE', 'NET_RAW']) {
      expect(fields({ securityContext: { capabilities: { add: ['CHOWN', cap] } } }).join(), cap).to.include("only the capabilities of Kubernetes' baseline Pod Security standard can be added");
    }
  });

  it('accepts adding back the baseline capabilities, with or without CAP_, after dropping ALL', () => {
    expect(fields({ securityContext: { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'cap_chown', 'SETUID', 'SYS_CHROOT'] } } })).to.deep.equal([]);
  });

  it('refuses a volume with two sources or none', () => {
    expect(fields({ volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }] }).join()).to.include('exactly one of emptyDir');
    expect(fields({ volumes: [{ name: 'v' }] }).join()).to.include('exactly one of emptyDir');
  });

  it('refuses a mount of a volume that is not declared', () => {
    expect(fields({ volumeMounts: [{ name: 'nope', mountPath: '/x' }] }).join()).to.include('must name a volume in spec.volumes');
  });

  it('refuses subPath on anything but hostPath, and .. in paths', () => {
    expect(fields({ volumes: [{ name: 'e', emptyDir: {} }], volumeMounts: [{ name: 'e', mountPath: '/e', subPath: 'x' }] }).join()).to.include('subPath is supported for hostPath volumes only');
    expect(fields({ volumes: [{ name: 'h', hostPath: { path: '/h' } }], volumeMounts: [{ name: 'h', mountPath: '/e', subPath: 'a/../../b' }] }).join()).to.include("may not contain '..'");
  });

  it('refuses an env entry with both value and valueFrom, or valueFrom with no source', () => {
    expect(fields({ env: [{ name: 'A', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }).join()).to.include('may not have both value and valueFrom');
    expect(fields({ env: [{ name: 'A', valueFrom: {} }] }).join()).to.include('exactly one of secretKeyRef or configMapKeyRef');
  });

  it('refuses runAsGroup without runAsUser, and runAsUser 0 with runAsNonRoot', () => {
    expect(fields({ securityContext: { runAsGroup: 5 } }).join()).to.include('runAsGroup needs runAsUser');
    expect(fields({ securityContext: { runAsUser: 0, runAsNonRoot: true } }).join()).to.include('contradicts runAsNonRoot');
  });
});

describe('Node CRD: allowedHostPaths', () => {
  it('accepts absolute path prefixes and refuses relative ones', () => {
    const base = { dockerHost: 'unix:///var/run/docker.sock' };
    expect(causesOf(node({ ...base, allowedHostPaths: [{ pathPrefix: '/srv', readOnly: true }] }), nodeDef)).to.deep.equal([]);
    expect(causesOf(node({ ...base, allowedHostPaths: [{ pathPrefix: 'srv' }] }), nodeDef).map((c) => c.field)).to.deep.equal(['spec.allowedHostPaths[0].pathPrefix']);
  });
});

describe('ConfigMap built-in', () => {
  it('keeps data, binaryData and immutable (nothing pruned)', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' }, binaryData: { b: 'AA==' }, immutable: true };
    expect(compileSchema(configMapDef).prune(cm)).to.deep.equal([]);
  });

  it('counts data and binaryData keys in the DATA column', () => {
    expect(configMapDataCount({ data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } })).to.equal(3);
    expect(configMapDataCount({})).to.equal(0);
  });
});
