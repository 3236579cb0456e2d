import { expect } from 'chai';
import { parsePath, type ResourceLookup } from '../../../src/apiserver/routing.js';

describe('path routing', () => {
  const lookup: ResourceLookup = (g, v, p) => {
    const t: Record<string, { namespaced: boolean }> = {
      '/v1/namespaces': { namespaced: false },
      '/v1/events': { namespaced: true },
      'okube.dev/v1alpha1/tasks': { namespaced: true },
      'okube.dev/v1alpha1/nodes': { namespaced: false },
    };
    return t[`${g}/${v}/${p}`];
  };
  const r = (p: string) => parsePath(p, lookup);

  it('routes discovery paths', () => {
    expect(r('/api')).to.deep.equal({ kind: 'root', path: '/api' });
    expect(r('/apis')).to.deep.equal({ kind: 'root', path: '/apis' });
    expect(r('/api/v1')).to.deep.equal({ kind: 'groupVersion', group: '', version: 'v1' });
    expect(r('/apis/okube.dev')).to.deep.equal({ kind: 'group', group: 'okube.dev' });
    expect(r('/apis/okube.dev/v1alpha1')).to.deep.equal({ kind: 'groupVersion', group: 'okube.dev', version: 'v1alpha1' });
    expect(r('/version')).to.deep.equal({ kind: 'root', path: '/version' });
  });

  it('routes namespaced resources, items and subresources', () => {
    expect(r('/apis/okube.dev/v1alpha1/namespaces/ns1/tasks')).to.deep.equal({ kind: 'resource', res: { group: 'okube.dev', version: 'v1alpha1', plural: 'tasks', namespace: 'ns1', name: undefined, subresource: undefined, watch: false } });
    expect(r('/apis/okube.dev/v1alpha1/namespaces/ns1/tasks/t1/status')).to.deep.include({ kind: 'resource' });
    const s = r('/apis/okube.dev/v1alpha1/namespaces/ns1/tasks/t1/status');
    expect(s.kind === 'resource' && s.res).to.include({ name: 't1', subresource: 'status', namespace: 'ns1' });
    expect(r('/apis/okube.dev/v1alpha1/tasks')).to.deep.equal({ kind: 'resource', res: { group: 'okube.dev', version: 'v1alpha1', plural: 'tasks', watch: false } });
    const w = r('/apis/okube.dev/v1alpha1/watch/namespaces/ns1/tasks/t1');
    expect(w.kind === 'resource' && w.res).to.include({ watch: true, name: 't1' });
  });

  it('tells namespaces/<name>/<sub> from namespaced collections', () => {
    const ev = r('/api/v1/namespaces/default/events');
    expect(ev.kind === 'resource' && ev.res).to.include({ plural: 'events', namespace: 'default' });
    const st = r('/api/v1/namespaces/default/status');
    expect(st.kind === 'resource' && st.res).to.include({ plural: 'namespaces', name: 'default', subresource: 'status' });
    const ns = r('/api/v1/namespaces/default');
    expect(ns.kind === 'resource' && ns.res).to.include({ plural: 'namespaces', name: 'default' });
    const node = r('/apis/okube.dev/v1alpha1/nodes/n1');
    expect(node.kind === 'resource' && node.res).to.include({ plural: 'nodes', name: 'n1' });
  });

  it('rejects unknown and malformed paths', () => {
    for (const p of ['/apis/okube.dev/v1alpha1/widgets', '/apis/okube.dev/v1alpha1/tasks/x', '/api/v1/%zz', '/apis/okube.dev/v1alpha1/namespaces/a/tasks/b/c/d', '/apis/okube.dev/v1alpha1/namespaces/%2F/tasks', '/apis/okube.dev/v1alpha1/watch']) {
      expect(r(p).kind, p).to.equal('unknown');
    }
  });
});
