import { expect } from 'chai';
import { allowed, rbacRequest } from '../../support/rbac.js';

// The request → RBAC attributes mapping the chart's RBAC recording test relies on, as
// Kubernetes' RequestInfo resolver does it.

describe('rbacRequest', () => {
  const cases: Array<[string, string, string]> = [
    ['GET', '/apis/okube.dev/v1alpha1/tasks?limit=500', 'list okube.dev tasks'],
    ['GET', '/apis/okube.dev/v1alpha1/tasks?watch=1&resourceVersion=5', 'watch okube.dev tasks'],
    ['GET', '/apis/okube.dev/v1alpha1/watch/namespaces/a/tasks', 'watch okube.dev tasks'],
    ['GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/x', 'get coordination.k8s.io leases'],
    ['POST', '/api/v1/namespaces/a/events', 'create  events'],
    ['PUT', '/apis/okube.dev/v1alpha1/namespaces/a/tasks/t/status', 'update okube.dev tasks/status'],
    ['PATCH', '/apis/okube.dev/v1alpha1/namespaces/a/tasks/t', 'patch okube.dev tasks'],
    ['DELETE', '/apis/okube.dev/v1alpha1/namespaces/a/tasks/t', 'delete okube.dev tasks'],
    ['DELETE', '/apis/okube.dev/v1alpha1/namespaces/a/tasks', 'deletecollection okube.dev tasks'],
    ['POST', '/api/v1/namespaces', 'create  namespaces'],
    ['GET', '/api/v1/namespaces/a', 'get  namespaces'],
  ];
  for (const [method, url, want] of cases) {
    it(`${method} ${url} is ${want}`, () => {
      const r = rbacRequest(method, url);
      expect(r.kind).to.equal('resource');
      if (r.kind === 'resource') expect(`${r.verb} ${r.apiGroup} ${r.resource}`).to.equal(want);
    });
  }

  it('treats discovery as a non-resource request', () => {
    expect(rbacRequest('GET', '/apis/okube.dev/v1alpha1')).to.deep.equal({ kind: 'nonResource', verb: 'get', path: '/apis/okube.dev/v1alpha1' });
  });

  it('matches rules by verb, group, resource and resource name', () => {
    const rules = [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['docker-tls'] }];
    expect(allowed(rules, rbacRequest('GET', '/api/v1/namespaces/a/secrets/docker-tls'))).to.equal(true);
    expect(allowed(rules, rbacRequest('GET', '/api/v1/namespaces/a/secrets/other'))).to.equal(false);
    expect(allowed(rules, rbacRequest('GET', '/api/v1/namespaces/a/secrets'))).to.equal(false);
    expect(allowed(rules, rbacRequest('GET', '/apis/okube.dev/v1alpha1/namespaces/a/tasks/docker-tls'))).to.equal(false);
  });
});
