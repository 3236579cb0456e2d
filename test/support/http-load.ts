import http from 'node:http';

// A plain HTTP traffic source for data-plane tests: keep-alive and non-keep-alive clients in
// loops, each request recorded with its start time and the body (the backend's name) or error.

export function get(port: number, agent: http.Agent | false): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        clearTimeout(timer);
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`status ${res.statusCode}: ${body}`));
      });
      res.on('error', reject);
    });
    // A whole-request deadline: a socket timeout alone does not cover a request still waiting
    // for a socket of the agent (seen after HAProxy was killed under keep-alive load).
    const timer = setTimeout(() => req.destroy(new Error('timeout')), 5000);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** One request: when it was sent and when it ended (performance.now()), and its answer or error. */
export interface Sample { startedAt: number; endedAt?: number; answer?: string; error?: string }

/** Keep-alive and non-keep-alive clients, each in a loop, until stop(). */
export function loadLoop(port: number): { stop: () => Promise<Sample[]> } {
  const samples: Sample[] = [];
  let running = true;
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const loop = async (agent: http.Agent | false) => {
    while (running) {
      const s: Sample = { startedAt: performance.now() };
      try {
        s.answer = await get(port, agent);
      } catch (err) {
        s.error = (err as Error).message;
      }
      s.endedAt = performance.now();
      samples.push(s);
    }
  };
  const loops = [loop(keepAlive), loop(keepAlive), loop(false)];
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      keepAlive.destroy();
      return samples;
    },
  };
}

