import { expect } from 'chai';
import type { Task, TaskSpec } from '../../../../src/api/types.js';
import { DEFAULT_PIDS_LIMIT, LOG_MAX_FILE, LOG_MAX_SIZE, needsImageUser, runAsNonRootError, securityOf } from '../../../../src/controllers/task/security-context.js';
import { dockerHostConfig } from '../../../../src/runtime/docker-host-config.js';

// securityContext and the safe defaults as Docker settings, and the runAsNonRoot check.

const task = (spec: Partial<TaskSpec> = {}): Task => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 't', namespace: 'ns' }, spec: { image: 'img', ...spec } });

describe('securityOf', () => {
  it('gives a Task without securityContext no-new-privileges, the PIDs limit and json-file rotation', () => {
    expect(securityOf(task())).to.deep.equal({ securityOpt: ['no-new-privileges'], pidsLimit: DEFAULT_PIDS_LIMIT, log: { type: 'json-file', config: { 'max-size': LOG_MAX_SIZE, 'max-file': LOG_MAX_FILE } } });
  });

  it('drops no-new-privileges only for allowPrivilegeEscalation: true', () => {
    expect(securityOf(task({ securityContext: { allowPrivilegeEscalation: true } })).securityOpt).to.deep.equal([]);
    expect(securityOf(task({ securityContext: { allowPrivilegeEscalation: false } })).securityOpt).to.deep.equal(['no-new-privileges']);
  });

  it('maps runAsUser and runAsGroup to Docker user uid:gid', () => {
    expect(securityOf(task({ securityContext: { runAsUser: 1000 } })).user).to.equal('1000');
    expect(securityOf(task({ securityContext: { runAsUser: 1000, runAsGroup: 2000 } })).user).to.equal('1000:2000');
  });

  it('maps readOnlyRootFilesystem and capabilities', () => {
    const s = securityOf(task({ securityContext: { readOnlyRootFilesystem: true, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } } }));
    expect(s).to.include({ readOnlyRootfs: true });
    expect(s.capAdd).to.deep.equal(['NET_BIND_SERVICE']);
    expect(s.capDrop).to.deep.equal(['ALL']);
  });
});

describe('runAsNonRootError', () => {
  const nonRoot = task({ securityContext: { runAsNonRoot: true } });

  it('needs the image user only without runAsUser', () => {
    expect(needsImageUser(nonRoot)).to.equal(true);
    expect(needsImageUser(task({ securityContext: { runAsNonRoot: true, runAsUser: 5 } }))).to.equal(false);
    expect(needsImageUser(task())).to.equal(false);
  });

  it('refuses an image that runs as root, by empty user, name or uid 0', () => {
    for (const u of ['', 'root', '0', '0:0']) expect(runAsNonRootError(nonRoot, u), u).to.equal('container has runAsNonRoot and image will run as root');
  });

  it('refuses a non-numeric image user it cannot verify, as the kubelet does', () => {
    expect(runAsNonRootError(nonRoot, 'app')).to.equal('container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root');
  });

  it('accepts a numeric non-zero image user, or a non-zero runAsUser', () => {
    expect(runAsNonRootError(nonRoot, '1000:1000')).to.equal(undefined);
    expect(runAsNonRootError(task({ securityContext: { runAsNonRoot: true, runAsUser: 1000 } }), '')).to.equal(undefined);
  });

  it('says nothing for a Task without runAsNonRoot', () => {
    expect(runAsNonRootError(task(), '')).to.equal(undefined);
  });
});

describe('dockerHostConfig', () => {
  it('sets the security settings and never privileged', () => {
    const hc = dockerHostConfig({ name: 'c', image: 'i', labels: {}, security: { readOnlyRootfs: true, capAdd: ['A'], capDrop: ['ALL'], securityOpt: ['no-new-privileges'], pidsLimit: 7, log: { type: 'json-file', config: { 'max-size': '1m' } } } });
    expect(hc).to.deep.equal({ ReadonlyRootfs: true, CapAdd: ['A'], CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], PidsLimit: 7, LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } }, Privileged: false });
  });

  it('maps volume, tmpfs and bind mounts, and a creating bind to Binds', () => {
    const hc = dockerHostConfig({
      name: 'c',
      image: 'i',
      labels: {},
      mounts: [
        { type: 'volume', source: 'v', target: '/v', volumeLabels: { a: 'b' } },
        { type: 'tmpfs', target: '/t', tmpfsSizeBytes: 10 },
        { type: 'bind', source: '/h', target: '/h', readOnly: true },
        { type: 'bind', source: '/mk', target: '/mk', createHostPath: true, readOnly: true },
      ],
    });
    expect(hc.Mounts).to.deep.equal([
      { Type: 'volume', Target: '/v', Source: 'v', ReadOnly: false, VolumeOptions: { Labels: { a: 'b' } } },
      { Type: 'tmpfs', Target: '/t', ReadOnly: false, TmpfsOptions: { SizeBytes: 10 } },
      { Type: 'bind', Target: '/h', Source: '/h', ReadOnly: true },
    ]);
    expect(hc.Binds).to.deep.equal(['/mk:/mk:ro']);
  });
});
