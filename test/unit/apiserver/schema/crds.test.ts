import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import type { Node, Task } from '../../../../src/api/types.js';
import { builtinDefs, compileSchema, validateObjectMeta, type JsonSchema } from '../../../../src/apiserver/schema/index.js';
import { causesOf, defs, nodeDef, taskDef, taskSetDef, yamlFiles } from './helpers.js';

function walk(schema: JsonSchema, path: string, visit: (s: JsonSchema, path: string) => void): void {
  visit(schema, path);
  for (const [k, v] of Object.entries(schema.properties ?? {})) walk(v, `${path}.${k}`, visit);
  if (schema.items) walk(schema.items, `${path}[]`, visit);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${path}{}`, visit);
}

/** The fields of apiextensions.k8s.io/v1 JSONSchemaProps: a kube-apiserver warns about (or, strict, refuses) any other. */
const JSON_SCHEMA_PROPS = new Set(['id', '$schema', '$ref', 'description', 'type', 'format', 'title', 'default', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'enum', 'maxProperties', 'minProperties', 'required', 'items', 'allOf', 'oneOf', 'anyOf', 'not', 'properties', 'additionalProperties', 'patternProperties', 'dependencies', 'additionalItems', 'definitions', 'externalDocs', 'example', 'nullable', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string', 'x-kubernetes-list-map-keys', 'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-validations']);

describe('CRDs: loading', () => {
  it('loads exactly Node, Task, TaskService and TaskSet from crds/', () => {
    expect(defs.map((d) => d.kind).sort()).to.deep.equal(['Node', 'Task', 'TaskService', 'TaskSet']);
  });

  it('Task is namespaced in okube.dev/v1alpha1 with short name tk and categories okube, all', () => {
    expect(taskDef).to.include({ group: 'okube.dev', version: 'v1alpha1', kind: 'Task', listKind: 'TaskList', plural: 'tasks', singular: 'task', namespaced: true });
    expect(taskDef.shortNames).to.deep.equal(['tk']);
    expect(taskDef.categories).to.deep.equal(['okube', 'all']);
  });

  it('Node is cluster-scoped with short name onode and category okube', () => {
    expect(nodeDef).to.include({ group: 'okube.dev', version: 'v1alpha1', kind: 'Node', listKind: 'NodeList', plural: 'nodes', namespaced: false });
    expect(nodeDef.shortNames).to.deep.equal(['onode', 'onodes']);
    expect(nodeDef.categories).to.deep.equal(['okube']);
  });

  it('all enable the status subresource', () => {
    expect(taskDef.hasStatus).to.equal(true);
    expect(nodeDef.hasStatus).to.equal(true);
    expect(taskSetDef.hasStatus).to.equal(true);
  });

  it('Task printer columns: Phase, Ready, Restarts, Next Retry, Node, Age; Image, Container ID, Ports only with -o wide', () => {
    const normal = taskDef.printerColumns.filter((c) => !c.priority).map((c) => c.name);
    expect(normal).to.include.members(['Phase', 'Ready', 'Restarts', 'Next Retry', 'Node', 'Age']);
    expect(taskDef.printerColumns.filter((c) => c.priority === 1).map((c) => c.name)).to.deep.equal(['Image', 'Container ID', 'Ports']);
  });

  it('Node printer columns: Ready from the condition, Cordoned, Tasks, CPU, Memory, the requests given out, Address, Age; Docker version with -o wide', () => {
    const byName = Object.fromEntries(nodeDef.printerColumns.map((c) => [c.name, c]));
    expect(byName.Ready.jsonPath).to.equal('.status.conditions[?(@.type=="Ready")].status');
    expect(nodeDef.printerColumns.filter((c) => !c.priority).map((c) => c.name)).to.deep.equal(['Ready', 'Cordoned', 'Tasks', 'CPU', 'Memory', 'CPU Requests', 'Memory Requests', 'Address', 'Age']);
    expect(byName['Docker Version']).to.include({ priority: 1, jsonPath: '.status.nodeInfo.dockerVersion' });
  });

  it('the chart ships the same CRDs as crds/', () => {
    for (const f of ['tasks.okube.dev.yaml', 'nodes.okube.dev.yaml', 'tasksets.okube.dev.yaml', 'taskservices.okube.dev.yaml']) {
      expect(yaml.load(readFileSync(`charts/okube/crds/${f}`, 'utf8')), f).to.deep.equal(yaml.load(readFileSync(`crds/${f}`, 'utf8')));
    }
  });
});

describe('CRDs: structural schema rules', () => {
  for (const def of defs) {
    it(`${def.kind}: every field has a type (or is int-or-string)`, () => {
      const untyped: string[] = [];
      walk(def.schema, def.kind, (s, p) => {
        if (!s.type && s['x-kubernetes-int-or-string'] !== true) untyped.push(p);
      });
      expect(untyped).to.deep.equal([]);
    });

    it(`${def.kind}: no x-kubernetes-preserve-unknown-fields`, () => {
      const open: string[] = [];
      walk(def.schema, def.kind, (s, p) => {
        if (s['x-kubernetes-preserve-unknown-fields']) open.push(p);
      });
      expect(open).to.deep.equal([]);
    });

    it(`${def.kind}: list-map keys are required or defaulted`, () => {
      const bad: string[] = [];
      walk(def.schema, def.kind, (s, p) => {
        for (const key of (s['x-kubernetes-list-map-keys'] as string[] | undefined) ?? []) {
          const item = s.items!;
          if (!item.required?.includes(key) && item.properties?.[key]?.default === undefined) bad.push(`${p}.${key}`);
        }
      });
      expect(bad).to.deep.equal([]);
    });

    it(`${def.kind}: every schema node holds only JSONSchemaProps fields (a comma in an unquoted flow-style description splits it into a bogus key)`, () => {
      const bad: string[] = [];
      walk(def.schema, def.kind, (s, p) => {
        for (const [k, v] of Object.entries(s)) if (!JSON_SCHEMA_PROPS.has(k) || v === null) bad.push(`${p}: ${JSON.stringify(k)}`);
      });
      expect(bad).to.deep.equal([]);
    });

    it(`${def.kind}: every spec field has a description for kubectl explain`, () => {
      const bare: string[] = [];
      walk(def.schema.properties!.spec, `${def.kind}.spec`, (s, p) => {
        if (!s.description && !p.endsWith('[]') && !p.endsWith('{}')) bare.push(p);
      });
      expect(bare).to.deep.equal([]);
    });
  }
});

describe('CRDs mirror src/api/types.ts', () => {
  const fullTask: Task = {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Task',
    metadata: { name: 'full', namespace: 'default' },
    spec: {
      image: 'okube-test/busybox:latest',
      imagePullPolicy: 'Never',
      command: ['sh', '-c'],
      args: ['sleep 1'],
      env: [{ name: 'A', value: 'b' }],
      ports: [{ name: 'http', containerPort: 8080, hostPort: 0, protocol: 'TCP' }],
      resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: 1, memory: '64Mi' } },
      restartPolicy: 'OnFailure',
      backoff: { initialDelaySeconds: 1, factor: 1.5, maxDelaySeconds: 60, resetAfterSeconds: 120, jitterPercent: 10, maxRestarts: 5, windowSeconds: 300, onLimit: 'Reschedule' },
      livenessProbe: { httpGet: { path: '/', port: 'http', host: '', scheme: 'HTTP', httpHeaders: [{ name: 'X', value: 'y' }] }, initialDelaySeconds: 1, periodSeconds: 2, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
      readinessProbe: { tcpSocket: { port: 8080, host: '' } },
      startupProbe: { exec: { command: ['true'] } },
      probeRestartLimit: { maxRestarts: 3, windowSeconds: 60 },
      terminationGracePeriodSeconds: 5,
      nodeName: 'local',
      nodeSelector: { disk: 'ssd' },
      ttlSecondsAfterFinished: 60,
      evictionTimeoutSeconds: 30,
    },
    status: {
      phase: 'Running',
      observedGeneration: 1,
      nodeName: 'local',
      hostIP: '127.0.0.1',
      containerID: 'abc',
      ports: [{ name: 'http', containerPort: 8080, hostPort: 30001, hostIP: '127.0.0.1', protocol: 'TCP' }],
      restartCount: 2,
      ready: true,
      started: true,
      startTime: '2026-01-01T00:00:00Z',
      completionTime: '2026-01-01T00:01:00Z',
      state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
      lastState: { terminated: { exitCode: 1, signal: 9, reason: 'Error', message: 'm', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z', containerID: 'old' } },
      backoff: { restarts: 2, delaySeconds: 20, nextRestartAt: '2026-01-01T00:00:21Z', lastExitCode: 1, lastFinishedAt: '2026-01-01T00:00:01Z', recentRestarts: ['2026-01-01T00:00:01Z'] },
      probes: {
        startup: { result: 'Success', time: '2026-01-01T00:00:02Z', message: 'ok' },
        liveness: { result: 'Failure', time: '2026-01-01T00:00:02Z' },
        readiness: { result: 'Unknown', time: '2026-01-01T00:00:02Z' },
        probeRestarts: ['2026-01-01T00:00:01Z'],
        unhealthyContainerID: 'old',
        unhealthyMessage: 'HTTP 500',
      },
      conditions: [{ type: 'Ready', status: 'True', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:02Z', reason: 'ProbeSucceeded', message: '', lastHeartbeatTime: '2026-01-01T00:00:02Z' }],
    },
  };

  const fullNode: Node = {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Node',
    metadata: { name: 'full' },
    spec: {
      dockerHost: 'tcp://127.0.0.2:2376',
      tls: { caFile: '/ca.pem', certFile: '/cert.pem', keyFile: '/key.pem', secretName: 's', secretNamespace: 'default' },
      address: '127.0.0.2',
      portRange: { start: 30000, end: 30100 },
      allowHostPortsOutsideRange: true,
      unschedulable: true,
      reserved: { cpu: '500m', memory: '1Gi' },
      maxTasks: 250,
    },
    status: {
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'DockerUp', message: 'ok', lastHeartbeatTime: '2026-01-01T00:00:00Z' }],
      capacity: { cpu: 4, memory: '8Gi', tasks: 110 },
      allocatable: { cpu: '3500m', memory: '7Gi', tasks: 100 },
      allocated: { cpu: '100m', memory: '32Mi' },
      nodeInfo: { dockerVersion: '26.1.5', operatingSystem: 'Debian', kernelVersion: '6.1', architecture: 'amd64' },
      taskCount: 1,
      observedGeneration: 1,
    },
  };

  it('a Task using every field of types.ts loses nothing to pruning', () => {
    expect(compileSchema(taskDef).prune(structuredClone(fullTask))).to.deep.equal([]);
  });

  it('a Task using every field of types.ts validates clean', () => {
    expect(causesOf(structuredClone(fullTask) as unknown as Record<string, unknown>)).to.deep.equal([]);
  });

  it('a Node using every field of types.ts loses nothing to pruning', () => {
    expect(compileSchema(nodeDef).prune(structuredClone(fullNode))).to.deep.equal([]);
  });

  it('a Node using every field of types.ts validates clean', () => {
    expect(causesOf(structuredClone(fullNode) as unknown as Record<string, unknown>, nodeDef)).to.deep.equal([]);
  });

  it('a Node with maxTasks 0 is rejected at spec.maxTasks', () => {
    const bad = { ...structuredClone(fullNode), spec: { ...fullNode.spec, maxTasks: 0 } };
    expect(causesOf(bad as unknown as Record<string, unknown>, nodeDef).map((c) => c.field)).to.deep.equal(['spec.maxTasks']);
  });
});

describe('example manifests', () => {
  const files = yamlFiles('manifests');

  it('cover a web server, a crash loop, probes, a batch job and the local Node', () => {
    expect(files).to.include.members(['manifests/web.yaml', 'manifests/crashloop.yaml', 'manifests/probed.yaml', 'manifests/batch.yaml', 'manifests/nodes/local.yaml']);
  });

  for (const file of files) {
    it(`${file} has no unknown fields and validates clean after defaulting`, () => {
      for (const doc of yaml.loadAll(readFileSync(file, 'utf8')) as Record<string, unknown>[]) {
        const def = defs.find((d) => d.kind === doc.kind && `${d.group}/${d.version}` === doc.apiVersion);
        expect(def, `kind ${String(doc.kind)}`).to.not.equal(undefined);
        const schema = compileSchema(def!);
        expect(schema.prune(doc), 'unknown fields').to.deep.equal([]);
        schema.applyDefaults(doc);
        const meta = structuredClone(doc) as { metadata: Record<string, unknown> };
        if (def!.namespaced) meta.metadata.namespace ??= 'default';
        expect([...validateObjectMeta(meta, def!.namespaced), ...schema.validate(doc)]).to.deep.equal([]);
      }
    });
  }
});

describe('built-in kinds', () => {
  const builtins = builtinDefs();

  it('are Namespace (v1), Event (v1, namespaced), Lease (coordination.k8s.io/v1), Secret (v1), EndpointSlice (discovery.k8s.io/v1), ConfigMap (v1), ServiceAccount (v1), PersistentVolumeClaim (v1), ControllerRevision (apps/v1), CustomResourceDefinition (apiextensions.k8s.io/v1, read-only), the RBAC kinds and the self reviews', () => {
    expect(builtins.map((d) => `${d.group}/${d.version}/${d.kind}/${d.namespaced}`)).to.deep.equal([
      '/v1/Namespace/false',
      '/v1/Event/true',
      'coordination.k8s.io/v1/Lease/true',
      '/v1/Secret/true',
      'discovery.k8s.io/v1/EndpointSlice/true',
      '/v1/ConfigMap/true',
      '/v1/ServiceAccount/true',
      '/v1/PersistentVolumeClaim/true',
      'apps/v1/ControllerRevision/true',
      'apiextensions.k8s.io/v1/CustomResourceDefinition/false',
      'rbac.authorization.k8s.io/v1/Role/true',
      'rbac.authorization.k8s.io/v1/ClusterRole/false',
      'rbac.authorization.k8s.io/v1/RoleBinding/true',
      'rbac.authorization.k8s.io/v1/ClusterRoleBinding/false',
      'authorization.k8s.io/v1/SelfSubjectAccessReview/false',
      'authorization.k8s.io/v1/SelfSubjectRulesReview/false',
      'authentication.k8s.io/v1/SelfSubjectReview/false',
    ]);
  });

  it('an Event as okube records it loses nothing to pruning and validates clean', () => {
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 't.1', namespace: 'default' },
      involvedObject: { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', name: 't', namespace: 'default', uid: 'u', resourceVersion: '5' },
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      type: 'Warning',
      count: 1,
      firstTimestamp: '2026-01-01T00:00:00.000Z',
      lastTimestamp: '2026-01-01T00:00:00.000Z',
      eventTime: null,
      source: { component: 'okube-task-controller' },
      reportingComponent: 'okube-task-controller',
    };
    const def = builtins.find((d) => d.kind === 'Event')!;
    expect(compileSchema(def).prune(ev)).to.deep.equal([]);
    expect(causesOf(ev, def)).to.deep.equal([]);
  });

  it('a Lease with null times from a Go client validates clean', () => {
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'okube-system' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: null, renewTime: '2026-01-01T00:00:00.000000Z' } };
    expect(causesOf(lease, builtins.find((d) => d.kind === 'Lease')!)).to.deep.equal([]);
  });
});
