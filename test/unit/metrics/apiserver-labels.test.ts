import { expect } from 'chai';
import { metricLabels } from '../../../src/metrics/apiserver.js';
import { requestInfo } from '../../../src/apiserver/request-info.js';

// apiserver_request_total's labels come from a closed set, whatever URL a client sends.

const served: Record<string, { namespaced: boolean }> = { 'okube.dev/v1alpha1/nodes': { namespaced: false }, 'okube.dev/v1alpha1/tasks': { namespaced: true } };
const lookup = (g: string, v: string, p: string) => served[`${g}/${v}/${p}`];
const labelsOf = (method: string, url: string, code: number) => metricLabels(requestInfo(method, url, undefined, lookup), code);

describe('API server metric labels', () => {
  it('keeps the resource labels of an authenticated request for a served resource', () => {
    expect(labelsOf('GET', '/apis/okube.dev/v1alpha1/namespaces/a/tasks/t1/status', 200)).to.deep.equal({ verb: 'GET', group: 'okube.dev', version: 'v1alpha1', resource: 'tasks', subresource: 'status', scope: 'resource', component: 'apiserver' });
  });

  it('reads a subresource outside the known ones as other', () => {
    const a = labelsOf('GET', '/apis/okube.dev/v1alpha1/nodes/x/random-1', 404);
    const b = labelsOf('GET', '/apis/okube.dev/v1alpha1/nodes/x/random-2', 404);
    expect(a.subresource).to.equal('other');
    expect(b).to.deep.equal(a);
  });

  it('gives a 401 only its verb, so unauthenticated URLs never mint series', () => {
    expect(labelsOf('GET', '/apis/okube.dev/v1alpha1/nodes/x/random-1', 401)).to.deep.equal({ verb: 'GET', group: '', version: '', resource: '', subresource: '', scope: '', component: 'apiserver' });
  });

  it('reads an unknown verb as other', () => {
    expect(metricLabels({ verb: 'PROPFIND', group: '', version: '', resource: '', subresource: '', scope: '' }, 405).verb).to.equal('other');
  });
});
