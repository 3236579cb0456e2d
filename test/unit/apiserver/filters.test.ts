import { expect } from 'chai';
import { admission, authentication, authorization, buildChain, defaultFilters, type Filter } from '../../../src/apiserver/filters.js';
import type { Handler, RequestContext } from '../../../src/apiserver/request-context.js';
import { ApiError } from '../../../src/apiserver/status.js';
import { requestContext, serve } from './request-fixture.js';
import { tokenAuthenticator } from '../../../src/apiserver/auth/authenticator.js';
import { Authorizer } from '../../../src/apiserver/auth/authorizer.js';
import { BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_CLUSTER_ROLES } from '../../../src/apiserver/auth/bootstrap-policy.js';
import { buildSnapshot } from '../../../src/apiserver/auth/rbac-cache.js';
import { ADMIN, authenticatedUser } from '../../../src/apiserver/auth/user.js';

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
    const jane = authenticatedUser('jane', ['devs']);
    const JANE_TOKEN = 'jane-token';
    const viewBinding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'jane-view', namespace: 'a' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'jane' }] };
    const snapshot = buildSnapshot([...BOOTSTRAP_CLUSTER_ROLES, ...BOOTSTRAP_CLUSTER_ROLE_BINDINGS, viewBinding]);
    const authorizer = new Authorizer({ snapshot: () => snapshot, refresh: async () => undefined });
    const authenticator = tokenAuthenticator(new Map([[TOKEN, ADMIN], [JANE_TOKEN, jane]]));
    const chain = (handler: Handler) => buildChain(defaultFilters({ authenticator, authorizer }), handler);
    const lookup = (g: string, v: string, p: string) => (g === '' && v === 'v1' && (p === 'namespaces' || p === 'secrets' || p === 'configmaps') ? { namespaced: p !== 'namespaces' } : undefined);

    it('are authentication, then impersonation, then the per-user limits, then authorization, then admission', () => {
      const filters = defaultFilters({ authenticator, authorizer });
      expect(filters).to.have.length(5);
      expect(filters[4]).to.equal(admission);
    });

    it('let a request with the admin token through as okube-admin in system:masters', async () => {
      const handler = recordingHandler();
      const answer = await serve(chain(handler), 'POST', '/api/v1/namespaces', { headers: bearer, lookup });
      expect(answer.status).to.equal(200);
      expect(handler.reached[0].user).to.include({ authenticated: true, name: 'okube-admin' });
      expect(handler.reached[0].user!.groups).to.include.members(['system:masters', 'system:authenticated']);
    });

    it('answer a request without a token on a private path with a 401 Status, without reaching the handler', async () => {
      const handler = recordingHandler();
      const answer = await serve(chain(handler), 'GET', '/apis');
      expect(handler.reached).to.have.length(0);
      expect(answer.status).to.equal(401);
      expect(JSON.parse(answer.body)).to.deep.include({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    });

    it('take a wrong token as no token (and never serve /metrics to the anonymous user)', async () => {
      const handler = recordingHandler();
      const answer = await serve(chain(handler), 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}x` } });
      expect(answer.status).to.equal(401);
      expect(handler.reached).to.have.length(0);
    });

    it('let an anonymous GET of a public path (version, health) through as the anonymous user', async () => {
      for (const path of ['/version', '/healthz', '/livez/etcd', '/readyz']) {
        const handler = recordingHandler();
        expect((await serve(chain(handler), 'GET', path)).status, path).to.equal(200);
        expect(handler.reached[0].user, path).to.deep.include({ authenticated: false, name: 'system:anonymous' });
      }
    });

    it('refuse an anonymous write to a public path', async () => {
      const handler = recordingHandler();
      expect((await serve(chain(handler), 'POST', '/version')).status).to.equal(401);
      expect(handler.reached).to.have.length(0);
    });

    it('let a user do what RBAC grants: jane lists configmaps in namespace a', async () => {
      const handler = recordingHandler();
      expect((await serve(chain(handler), 'GET', '/api/v1/namespaces/a/configmaps', { headers: { authorization: `Bearer ${JANE_TOKEN}` }, lookup })).status).to.equal(200);
    });

    it("refuse with kube-apiserver's 403 what RBAC does not grant: jane reading a Secret", async () => {
      const handler = recordingHandler();
      const answer = await serve(chain(handler), 'GET', '/api/v1/namespaces/a/secrets/s1', { headers: { authorization: `Bearer ${JANE_TOKEN}` }, lookup });
      expect(answer.status).to.equal(403);
      expect(handler.reached).to.have.length(0);
      expect(JSON.parse(answer.body)).to.deep.include({
        reason: 'Forbidden',
        message: 'secrets "s1" is forbidden: User "jane" cannot get resource "secrets" in API group "" in the namespace "a"',
        details: { name: 's1', group: '', kind: 'secrets' },
      });
    });

    it('word a denied non-resource path as kube-apiserver does', async () => {
      const answer = await serve(chain(recordingHandler()), 'GET', '/metrics', { headers: { authorization: `Bearer ${JANE_TOKEN}` } });
      expect(answer.status).to.equal(403);
      expect(JSON.parse(answer.body)).to.deep.include({ message: 'forbidden: User "jane" cannot get path "/metrics"' });
    });

    it('let an admin act as another user with Impersonate-User, judged as that user', async () => {
      const handler = recordingHandler();
      const answer = await serve(chain(handler), 'GET', '/api/v1/namespaces/a/secrets', { headers: { ...bearer, 'impersonate-user': 'jane', 'impersonate-group': 'devs' }, lookup });
      expect(answer.status).to.equal(403);
      expect(JSON.parse(answer.body).message).to.equal('secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "a"');
    });

    it('refuse impersonation to a user without the impersonate verb', async () => {
      const answer = await serve(chain(recordingHandler()), 'GET', '/api/v1/namespaces/a/configmaps', { headers: { authorization: `Bearer ${JANE_TOKEN}`, 'impersonate-user': 'okube-admin' }, lookup });
      expect(answer.status).to.equal(403);
      expect(JSON.parse(answer.body).message).to.equal('users "okube-admin" is forbidden: User "jane" cannot impersonate resource "users" in API group "" at the cluster scope');
    });

    it('refuse a malformed Impersonate-Extra header name with a 400, not a crash', async () => {
      expect((await serve(chain(recordingHandler()), 'GET', '/apis', { headers: { ...bearer, 'impersonate-user': 'jane', 'impersonate-extra-%zz': 'x' } })).status).to.equal(400);
    });

    it('refuse Impersonate-Group without Impersonate-User with a 400', async () => {
      expect((await serve(chain(recordingHandler()), 'GET', '/apis', { headers: { ...bearer, 'impersonate-group': 'system:masters' } })).status).to.equal(400);
    });

    it('let every request through as the admin when authentication is disabled', async () => {
      const handler = recordingHandler();
      const disabled = buildChain(defaultFilters({ authenticator: { authenticate: () => ADMIN }, authorizer }), handler);
      expect((await serve(disabled, 'DELETE', '/api/v1/namespaces/x', { lookup })).status).to.equal(200);
      expect(handler.reached[0].user).to.include({ name: 'okube-admin' });
    });

    it('refuse even a valid token when authorization runs before authentication (why the order matters)', async () => {
      const handler = recordingHandler();
      const answer = await serve(buildChain([authorization(authorizer), authentication(authenticator)], handler), 'GET', '/apis', { headers: bearer });
      expect(answer.status).to.equal(401);
      expect(handler.reached).to.have.length(0);
    });
  });
});
