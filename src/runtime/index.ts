export type { Runtime, ContainerSpec, ContainerInfo, ContainerStatus, RuntimeEvent, HostInfo, PortBinding, LogOptions, ExecResult } from './runtime.js';
export { DockerRuntime, type DockerRuntimeOptions, type DockerTls } from './docker-runtime.js';
export { PortAllocator, choosePort, inRange, type PortRange } from './port-allocator.js';
export { HollowRuntime, HollowEngines, HOLLOW_DEFAULTS, type HollowRuntimeOptions, type HollowExit } from './hollow-runtime.js';
