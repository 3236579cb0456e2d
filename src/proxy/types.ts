import type { Condition, KubeObject } from '../api/types.js';

// The minimal shapes the data plane reads and writes: TaskService (okube.dev/v1alpha1) and
// discovery.k8s.io/v1 EndpointSlice, as fixed by the endpoints/haproxy contract (issue 18). Kept
// here so the data plane does not depend on the endpoints branch; folded onto src/api/types.ts at
// merge.

export interface TaskServicePort {
  name?: string;
  /** Frontend port on the okube host; 0/omitted: allocated from the proxy's range. */
  port?: number;
  targetPort: number | string;
  protocol?: 'TCP';
  /** Optional hint ("http"): HTTP mode balances per request, so a drain holds even on keep-alive. */
  appProtocol?: string;
}

export interface TaskService extends KubeObject {
  spec: {
    selector?: Record<string, string>;
    type?: 'Proxy' | 'None';
    ports?: TaskServicePort[];
  };
  status?: {
    observedGeneration?: number;
    address?: string;
    ports?: Array<{ name?: string; port: number }>;
    conditions?: Condition[];
  };
}

export interface EndpointConditions {
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  nodeName?: string;
  targetRef?: { kind?: string; apiVersion?: string; namespace?: string; name?: string; uid?: string };
}

export interface EndpointPort {
  name?: string;
  port?: number;
  protocol?: string;
}

export interface EndpointSlice extends KubeObject {
  addressType: string;
  endpoints: Endpoint[] | null;
  ports?: EndpointPort[] | null;
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const PROXY_FIELD_MANAGER = 'okube-proxy';
export const ROUTED = 'Routed';
