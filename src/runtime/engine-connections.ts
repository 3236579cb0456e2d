// The connections DockerRuntime keeps open to one engine for its short calls (the events stream
// holds its own).
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { inspect } from 'node:util';

/**
 * How long a free connection is kept: longer than the Node heartbeat's period (10 s). Node's
 * global agent, which dockerode uses otherwise, drops free connections after 5 s, so every
 * heartbeat and every call after a pause connected again.
 */
export const KEPT_CONNECTION_IDLE_MS = 60_000;
const KEPT_CONNECTIONS = 4;

/**
 * A keep-alive agent for one engine. docker-modem passes each request's options, agent included,
 * through `util.inspect(…, { showHidden: true, depth: null })` for its debug log whether or not
 * that log is on; an agent shown whole (its sockets and all their state) made every call cost
 * ~300 µs more CPU than it saved, so the agent shows itself as one short line.
 */
export function engineAgent(https: boolean): HttpAgent {
  const opts = { keepAlive: true, timeout: KEPT_CONNECTION_IDLE_MS, maxFreeSockets: KEPT_CONNECTIONS, scheduling: 'lifo' as const };
  const agent = https ? new HttpsAgent(opts) : new HttpAgent(opts);
  Object.defineProperty(agent, inspect.custom, { value: () => `[engine agent: ${https ? 'https' : 'http'}, keep-alive ${KEPT_CONNECTION_IDLE_MS} ms]` });
  return agent;
}
