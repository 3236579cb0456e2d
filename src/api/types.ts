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

export interface EnvVar { name: string; value?: string }

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
}

/** apps/v1 DeploymentCondition's shape: Progressing needs lastUpdateTime (the last progress). */
export interface TaskSetCondition {
  type: 'Available' | 'Progressing';
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
  tls?: { caFile?: string; certFile?: string; keyFile?: string; secretName?: string; secretNamespace?: string; insecureSkipVerify?: boolean };
  /** Where published ports and probes reach the host (an IP or host name). */
  address?: string;
  portRange?: { start: number; end: number };
  unschedulable?: boolean;
  /** Kept back for the host (kubelet's system-reserved): allocatable = capacity − reserved. */
  reserved?: ResourceList;
  /** Most Tasks bound here at once (kubelet's maxPods); default 110. */
  maxTasks?: number;
}

export interface NodeStatus {
  conditions?: Condition[];
  capacity?: ResourceList & { tasks?: number };
  allocatable?: ResourceList & { tasks?: number };
  allocated?: ResourceList;
  nodeInfo?: { dockerVersion?: string; operatingSystem?: string; kernelVersion?: string; architecture?: string };
  taskCount?: number;
  observedGeneration?: number;
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
} as const;

/** Labels and annotations of the TaskSet controller and the scheduler's contract with it. */
export const TEMPLATE_HASH_LABEL = 'okube.dev/template-hash';

export const TASK_FINALIZER = 'okube.dev/container-cleanup';
