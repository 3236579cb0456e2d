export { ProbeManager, CountingProbeMetrics, resolveHostPort, probeType, type ProbeMetrics, type ProbeSnapshot, type ProbeTarget, type ProbeKind, type ProbeType } from './probe-manager.js';
export { httpProbe, type HttpProbeTarget } from './http-probe.js';
export { tcpProbe } from './tcp-probe.js';
export { execProbe } from './exec-probe.js';
export type { ProbeResult } from './result.js';
