import { expect } from 'chai';
import { admission, authentication, authorization, buildChain, defaultFilters, type Filter } from '../../../src/apiserver/filters.js';
import type { Handler, RequestContext } from '../../../src/apiserver/request-context.js';
import { ApiError } from '../../../src/apiserver/status.js';
import { requestContext, serve } from './request-fixture.js';

// The filter chain in front of every handler: the filters run first-outermost, a filter that
// throws ends the request with its Status, and the API server's filters authenticate before
// they authorize.

const TOKEN = 'unit-test-token';
const bearer = { authorization: `Bearer ${TOKEN}` };

/** A handler that records the contexts it was reached with and answers 200. */
function recordingHandler(): Handler & { reached: RequestContext[] } {
  const reached: RequestContext[] = [];
  const h = async (ctx: RequestContext) => {
    reached.push(ctx);
    ctx.res.writeHead(200).end('handled');
  };
  return Object.assign(h, { reached });
}

describe('apiserver filter chain', () => {
  describe('buildChain', () => {
    it('runs the filters in the order given, each before the next, then the handler', async () => {
      const order: string[] = [];
      const trace = (name: string): Filter => async (ctx, next) => {
        order.push(`${name} in`);
        await next(ctx);
        order.push(`${name} out`);
      };
      const handler: Handler = async () => void order.push('handler');
      await buildChain([trace('a'), trace('b'), trace('c')], handler)(requestContext('GET', '/version').ctx);
      expect(order).to.deep.equal(['a in', 'b in', 'c in', 'handler', 'c out', 'b out', 'a out']);
    });

    it('stops at a filter that throws: later filters and the handler do not run, its Status is the answer', async () => {
      const ran: string[] = [];
      const pass = (name: string): Filter => async (ctx, next) => {
        ran.push(name);
        return next(ctx);
      };
      const refuse: Filter = async () => {
        ran.push('refuse');
        throw new ApiError('Forbidden', 'not you');
      };
      const handler = recordingHandler();
      const answer = await serve(buildChain([pass('first'), refuse, pass('after')], handler), 'GET', '/apis');
      expect(ran).to.deep.equal(['first', 'refuse']);
      expect(handler.reached).to.have.length(0);
      expect(answer.status).to.equal(403);
      expect(JSON.parse(answer.body)).to.deep.include({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: 'not you' });
    });

    it('passes straight to the handler when there are no filters', async () => {
      const handler = recordingHandler();
      expect((await serve(buildChain([], handler), 'GET', '/apis')).status).to.equal(200);
      expect(handler.reached).to.have.length(1);
    });
  });

  describe('the API server filters', () => {
    it('are authentication, then authorization, then admission', () => {
      const filters = defaultFilters([TOKEN], false);
      expect(filters).to.have.length(3);
      expect(filters[1]).to.equal(authorization);
      expect(filters[2]).to.equal(admission);
    });

    it('let a request with a valid bearer token through to the handler as an authenticated user (authentication ran before authorization)', async () => {
      const handler = recordingHandler();
      const answer = await serve(buildChain(defaultFilters([TOKEN], false), handler), 'POST', '/api/v1/namespaces', { headers: bearer });
      expect(answer.status).to.equal(200);
      expect(handler.reached[0].user).to.deep.equal({ authenticated: true });
    });

    it('answer a request without a token on a private path with a 401 Status, without reaching the handler', async () => {
      const handler = recordingHandler();
      const answer = await serve(buildChain(defaultFilters([TOKEN], false), handler), 'GET', '/apis');
      expect(handler.reached).to.have.length(0);
      expect(answer.status).to.equal(401);
      expect(JSON.parse(answer.body)).to.deep.include({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    });

    it('take a wrong token as no token', async () => {
      const handler = recordingHandler();
      const answer = await serve(buildChain(defaultFilters([TOKEN], false), handler), 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}x` } });
      expect(answer.status).to.equal(401);
      expect(handler.reached).to.have.length(0);
    });

    it('let an anonymous GET of a public path (version, health) through as the anonymous user', async () => {
      for (const path of ['/version', '/healthz', '/livez/etcd', '/readyz']) {
        const handler = recordingHandler();
        expect((await serve(buildChain(defaultFilters([TOKEN], false), handler), 'GET', path)).status, path).to.equal(200);
        expect(handler.reached[0].user, path).to.deep.equal({ authenticated: false });
      }
    });

    it('refuse an anonymous write to a public path', async () => {
      const handler = recordingHandler();
      expect((await serve(buildChain(defaultFilters([TOKEN], false), handler), 'POST', '/version')).status).to.equal(401);
      expect(handler.reached).to.have.length(0);
    });

    it('let every request through when authentication is disabled', async () => {
      const handler = recordingHandler();
      expect((await serve(buildChain(defaultFilters([TOKEN], true), handler), 'DELETE', '/api/v1/namespaces/x')).status).to.equal(200);
      expect(handler.reached[0].user).to.deep.equal({ authenticated: true });
    });

    it('refuse even a valid token when authorization runs before authentication (why the order matters)', async () => {
      const handler = recordingHandler();
      const answer = await serve(buildChain([authorization, authentication([TOKEN], false)], handler), 'GET', '/apis', { headers: bearer });
      expect(answer.status).to.equal(401);
      expect(handler.reached).to.have.length(0);
    });
  });
});
