// TypeScript mirror of the CRDs in crds/ (the schema's source of truth) and the few
// Kubernetes built-in shapes okube uses. Keep in step with crds/*.yaml.

export const GROUP = 'okube.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

/** metav1.Condition */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
  /** Node Ready only: the last heartbeat seen (kubelet-style). */
  lastHeartbeatTime?: string;
}

export type Quantity = string | number;
export interface ResourceList { cpu?: Quantity; memory?: Quantity }

/** A key of a Secret or ConfigMap in the Task's namespace (core/v1 SecretKeySelector / ConfigMapKeySelector). */
export interface KeyRef { name?: string; key: string; optional?: boolean }
export interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef } }
export interface EnvFromSource { prefix?: string; configMapRef?: { name?: string; optional?: boolean }; secretRef?: { name?: string; optional?: boolean } }

export interface KeyToPath { key: string; path: string; mode?: number }
export interface Volume {
  name: string;
  emptyDir?: { medium?: '' | 'Memory'; sizeLimit?: Quantity };
  hostPath?: { path: string; type?: '' | 'Directory' | 'DirectoryOrCreate' | 'File' };
  secret?: { secretName?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  configMap?: { name?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
}
export interface VolumeMount { name: string; mountPath: string; readOnly?: boolean; subPath?: string }

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  /** Only false is accepted (the CRD refuses true). */
  privileged?: boolean;
}

export interface TaskPort {
  name?: string;
  containerPort: number;
  /** 0 or absent: allocate one from the Node's portRange. */
  hostPort?: number;
  protocol?: 'TCP' | 'UDP';
}

export interface HTTPHeader { name: string; value: string }

export interface Probe {
  /** host: must be empty (admission refuses one); probes connect to the Task's Node address. */
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: 'HTTP' | 'HTTPS'; httpHeaders?: HTTPHeader[] };
  tcpSocket?: { port: number | string; host?: string };
  exec?: { command: string[] };
  initialDelaySeconds?: number; // default 0
  periodSeconds?: number; // default 10
  timeoutSeconds?: number; // default 1
  successThreshold?: number; // default 1
  failureThreshold?: number; // default 3
}

export interface BackoffSpec {
  initialDelaySeconds?: number; // default 10
  factor?: number; // default 2
  maxDelaySeconds?: number; // default 300
  resetAfterSeconds?: number; // default 600
  jitterPercent?: number; // default 0
  /** Optional limit: more than maxRestarts restarts within windowSeconds ends the Task. */
  maxRestarts?: number;
  windowSeconds?: number;
  /** What hitting maxRestarts does: end in phase Failed, or move the Task to another Node. */
  onLimit?: 'Fail' | 'Reschedule';
}

/** Rate limit for probe-triggered restarts (default 5 in 300 s). */
export interface ProbeRestartLimit { maxRestarts?: number; windowSeconds?: number }

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface TaskSpec {
  image: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: TaskPort[];
  resources?: { requests?: ResourceList; limits?: ResourceList };
  restartPolicy?: RestartPolicy; // default Always
  backoff?: BackoffSpec;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  probeRestartLimit?: ProbeRestartLimit;
  terminationGracePeriodSeconds?: number; // default 30
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  ttlSecondsAfterFinished?: number;
  /** How long the Task stays bound to a NotReady Node before it is rescheduled (default 300). */
  evictionTimeoutSeconds?: number;
  envFrom?: EnvFromSource[];
  workingDir?: string;
  securityContext?: SecurityContext;
  volumes?: Volume[];
  volumeMounts?: VolumeMount[];
}

/** Shaped like a Kubernetes containerState. */
export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: {
    exitCode: number;
    signal?: number;
    reason: string; // Completed | Error | OOMKilled | Unhealthy | ...
    message?: string;
    startedAt?: string;
    finishedAt?: string;
    containerID?: string;
  };
}

export interface BackoffStatus {
  restarts: number;
  delaySeconds: number;
  nextRestartAt?: string;
  lastExitCode?: number;
  lastFinishedAt?: string;
  /** Restart times inside the current maxRestarts window (ISO strings). */
  recentRestarts?: string[];
}

/** Changes only when the result or message does: a steady probe never rewrites the Task. */
export interface ProbeStatus {
  result: 'Success' | 'Failure' | 'Unknown';
  /** When the probe started giving this result and message. */
  time: string;
  message?: string;
}

export interface PublishedPort {
  name?: string;
  containerPort: number;
  hostPort: number;
  hostIP?: string;
  protocol?: 'TCP' | 'UDP';
}

export type TaskPhase = 'Pending' | 'Scheduled' | 'Running' | 'Succeeded' | 'Failed';

export interface TaskStatus {
  phase?: TaskPhase;
  observedGeneration?: number;
  nodeName?: string;
  hostIP?: string;
  containerID?: string;
  ports?: PublishedPort[];
  restartCount?: number;
  ready?: boolean;
  started?: boolean;
  startTime?: string;
  completionTime?: string;
  state?: ContainerState;
  lastState?: ContainerState;
  backoff?: BackoffStatus;
  probes?: {
    startup?: ProbeStatus;
    liveness?: ProbeStatus;
    readiness?: ProbeStatus;
    /** Probe-triggered restarts inside the rate-limit window. */
    probeRestarts?: string[];
    /** The container okube is stopping because a probe failed: its exit is recorded as Unhealthy. */
    unhealthyContainerID?: string;
    unhealthyMessage?: string;
  };
  conditions?: Condition[];
}

export interface Task extends KubeObject {
  spec: TaskSpec;
  status?: TaskStatus;
}

/** metav1.LabelSelector */
export interface LabelSelectorRequirement { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }
export interface LabelSelector { matchLabels?: Record<string, string>; matchExpressions?: LabelSelectorRequirement[] }

export type IntOrString = number | string;

export interface TaskSetSpec {
  replicas?: number; // default 1
  selector: LabelSelector;
  template: { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: TaskSpec };
  strategy?: { type?: 'RollingUpdate' | 'Recreate'; rollingUpdate?: { maxUnavailable?: IntOrString; maxSurge?: IntOrString } };
  minReadySeconds?: number; // default 0
  progressDeadlineSeconds?: number; // default 600
  paused?: boolean;
  /** Old template revisions (ControllerRevisions) kept besides the current one; default 10. */
  revisionHistoryLimit?: number;
}

/** apps/v1 DeploymentCondition's shape: Progressing needs lastUpdateTime (the last progress). */
export interface TaskSetCondition {
  type: 'Available' | 'Progressing' | 'ReplicaFailure';
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface TaskSetFailure { taskName: string; nodeName: string; time: string; reason?: string }

export interface TaskSetStatus {
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  updatedReplicas?: number;
  /** "ready/wanted", the READY printer column. */
  readyReplicasText?: string;
  /** spec.selector in label-selector syntax (the scale subresource's labelSelectorPath). */
  selector?: string;
  templateHash?: string;
  recentFailures?: TaskSetFailure[];
  conditions?: TaskSetCondition[];
}

export interface TaskSet extends KubeObject {
  spec: TaskSetSpec;
  status?: TaskSetStatus;
}

/** crds/taskservices.okube.dev.yaml: a stable frontend for the Tasks a selector picks. */
export interface TaskServicePort {
  /** '' (the default) allowed only when there is one port. */
  name?: string;
  /** Frontend port; 0/absent: allocated by the data plane. */
  port?: number;
  /** Container port number, or the name of a port in the Task's spec.ports. */
  targetPort: IntOrString;
  protocol?: 'TCP';
  /** As a core ServicePort's: "http" makes the data plane balance per request (HTTP mode). */
  appProtocol?: string;
}

export interface TaskServiceSpec {
  selector: Record<string, string>;
  type?: 'Proxy' | 'None'; // default Proxy
  ports: TaskServicePort[];
}

export interface TaskServiceStatus {
  observedGeneration?: number;
  /** Data plane: where it listens. */
  address?: string;
  /** Data plane: frontend ports in use. */
  ports?: Array<{ name?: string; port: number }>;
  endpoints?: number;
  readyEndpoints?: number;
  /** "ready/endpoints", the ENDPOINTS column. */
  endpointsText?: string;
  /** "8080/TCP,9090/TCP", the PORTS column. */
  portsText?: string;
  selector?: string;
  /** EndpointsReady (endpoints controller), Routed (data plane). */
  conditions?: Condition[];
}

export interface TaskService extends KubeObject {
  spec: TaskServiceSpec;
  status?: TaskServiceStatus;
}

/** discovery.k8s.io/v1 EndpointSlice, the fields okube writes. */
export interface EndpointConditions { ready?: boolean; serving?: boolean; terminating?: boolean }
export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  nodeName?: string;
  targetRef?: { kind?: string; apiVersion?: string; namespace?: string; name?: string; uid?: string };
}
export interface EndpointPort { name?: string; port?: number; protocol?: 'TCP' | 'UDP' | 'SCTP'; appProtocol?: string }
export interface EndpointSlice extends KubeObject {
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: Endpoint[];
  ports?: EndpointPort[];
}

export interface NodeSpec {
  dockerHost: string; // unix:///var/run/docker.sock | tcp://host:2376
  tls?: { caFile?: string; certFile?: string; keyFile?: string; secretName?: string; secretNamespace?: string };
  /** Where published ports and probes reach the host (an IP or host name). */
  address?: string;
  portRange?: { start: number; end: number };
  /** Fixed hostPorts outside portRange are refused unless this is true. */
  allowHostPortsOutsideRange?: boolean;
  unschedulable?: boolean;
  /** Kept back for the host (kubelet's system-reserved): allocatable = capacity − reserved. */
  reserved?: ResourceList;
  /** Most Tasks bound here at once (kubelet's maxPods); default 110. */
  maxTasks?: number;
  /** Host directories Tasks here may mount as hostPath volumes (none by default). */
  allowedHostPaths?: Array<{ pathPrefix: string; readOnly?: boolean }>;
}

export interface NodeAddress {
  type: 'InternalIP' | 'InternalDNS';
  address: string;
}

export interface NodeStatus {
  conditions?: Condition[];
  /** Where published ports and probes reach the host (node-status.ts nodeAddress). */
  addresses?: NodeAddress[];
  capacity?: ResourceList & { tasks?: number };
  allocatable?: ResourceList & { tasks?: number };
  allocated?: ResourceList;
  nodeInfo?: { dockerVersion?: string; operatingSystem?: string; kernelVersion?: string; architecture?: string };
  taskCount?: number;
  /** Engine-reported usage of okube's running containers (controllers/node/usage.ts). */
  usage?: NodeUsage;
  observedGeneration?: number;
}

export interface TaskUsage { namespace: string; name: string; cpu?: string; memory: string }

export interface NodeUsage {
  /** Millicores, e.g. "250m"; absent until two readings exist. */
  cpu?: string;
  /** Kibibytes, e.g. "12345Ki". */
  memory: string;
  runningContainers: number;
  sampledAt: string;
  windowSeconds?: number;
  tasks: TaskUsage[];
}

export interface Node extends KubeObject {
  spec: NodeSpec;
  status?: NodeStatus;
}

/** metav1.Status — every API error has this shape. */
export interface StatusCause { reason?: string; message: string; field?: string }
export interface Status {
  apiVersion: 'v1';
  kind: 'Status';
  metadata: Record<string, never> | { resourceVersion?: string };
  status: 'Success' | 'Failure';
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
export interface WatchEvent<T = KubeObject> { type: WatchEventType; object: T }

/** Labels okube puts on every container it owns (DESIGN: Docker runtime rules). */
export const LABELS = {
  managed: 'okube.dev/managed',
  taskUid: 'okube.dev/task-uid',
  namespace: 'okube.dev/namespace',
  name: 'okube.dev/name',
  specHash: 'okube.dev/spec-hash',
  restart: 'okube.dev/restart',
  node: 'okube.dev/node',
  /** The cluster (uid of its kube-system namespace) whose container or volume it is (controllers/cluster-scope.ts). */
  cluster: 'okube.dev/cluster',
  /** Hash of the resolved environment and mounts (Secrets, ConfigMaps, claims) a container was created with. */
  configHash: 'okube.dev/config-hash',
} as const;

/** Docker volumes and the config-volume holder container of a Task carry this (its uid), so they are removed with it. */
export const VOLUME_TASK_LABEL = 'okube.dev/volume-of-task';
/** A PersistentVolumeClaim's Docker volume carries the claim's uid. */
export const VOLUME_CLAIM_LABEL = 'okube.dev/claim-uid';
/** Kubernetes' annotation for the Node a claim with delayed binding was placed on. */
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';

/** core/v1 ConfigMap and Secret, the fields okube reads. */
export interface ConfigMap extends KubeObject { data?: Record<string, string>; binaryData?: Record<string, string>; immutable?: boolean }
export interface Secret extends KubeObject { data?: Record<string, string>; stringData?: Record<string, string>; type?: string; immutable?: boolean }
/** core/v1 PersistentVolumeClaim, the fields okube reads. */
export interface PersistentVolumeClaim extends KubeObject {
  spec?: { accessModes?: string[]; resources?: { requests?: { storage?: Quantity } }; storageClassName?: string; volumeName?: string };
  status?: { phase?: string };
}

/** Labels and annotations of the TaskSet controller and the scheduler's contract with it. */
export const TEMPLATE_HASH_LABEL = 'okube.dev/template-hash';

export const TASK_FINALIZER = 'okube.dev/container-cleanup';

/** apps/v1 ControllerRevision: an immutable snapshot of a TaskSet template (`data.spec.template`) and its revision number. */
export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision: number;
}

/** The label naming the TaskSet a ControllerRevision belongs to (with TEMPLATE_HASH_LABEL). */
export const TASKSET_NAME_LABEL = 'okube.dev/taskset';
/** kubectl's change-cause annotation: what `okube rollout history` prints for a revision. */
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

/** EndpointSlice labels, as kube's: the service a slice belongs to and the controller that manages it. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

/** TaskService status: the endpoints controller's condition and the data plane's (issue 18). */
export const ENDPOINTS_READY = 'EndpointsReady';
export const ROUTED = 'Routed';
