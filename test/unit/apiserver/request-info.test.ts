import { expect } from 'chai';
import { requestInfo, requestKey, requestVerb } from '../../../src/apiserver/request-info.js';
import { parseVerbosity } from '../../../src/apiserver/debug-flags.js';
import { requestId } from '../../../src/apiserver/http.js';
import { ApiError } from '../../../src/apiserver/status.js';

const served: Record<string, { namespaced: boolean }> = { 'okube.dev/v1alpha1/tasks': { namespaced: true }, 'okube.dev/v1alpha1/nodes': { namespaced: false }, '/v1/namespaces': { namespaced: false } };
const lookup = (g: string, v: string, p: string) => served[`${g}/${v}/${p}`];

const info = (method: string, url: string, contentType?: string) => requestInfo(method, url, contentType, lookup);

describe('request info (metric labels)', () => {
  it('names a GET of one object GET and of a collection LIST', () => {
    expect(info('GET', '/apis/okube.dev/v1alpha1/namespaces/a/tasks/t1')).to.include({ verb: 'GET', resource: 'tasks', group: 'okube.dev', version: 'v1alpha1', scope: 'resource' });
    expect(info('GET', '/apis/okube.dev/v1alpha1/namespaces/a/tasks')).to.include({ verb: 'LIST', scope: 'namespace' });
    expect(info('GET', '/apis/okube.dev/v1alpha1/tasks')).to.include({ verb: 'LIST', scope: 'cluster' });
  });

  it('names watches WATCH, by query parameter or the legacy /watch/ path', () => {
    expect(info('GET', '/apis/okube.dev/v1alpha1/namespaces/a/tasks?watch=true').verb).to.equal('WATCH');
    expect(info('GET', '/apis/okube.dev/v1alpha1/namespaces/a/tasks?watch=1&resourceVersion=5').verb).to.equal('WATCH');
    expect(info('GET', '/apis/okube.dev/v1alpha1/watch/namespaces/a/tasks').verb).to.equal('WATCH');
    expect(info('GET', '/apis/okube.dev/v1alpha1/namespaces/a/tasks?watch=false').verb).to.equal('LIST');
  });

  it('keeps write methods as they are and reports server-side apply as APPLY', () => {
    expect(info('POST', '/apis/okube.dev/v1alpha1/namespaces/a/tasks').verb).to.equal('POST');
    expect(info('PUT', '/apis/okube.dev/v1alpha1/namespaces/a/tasks/t1/status')).to.include({ verb: 'PUT', subresource: 'status' });
    expect(info('PATCH', '/apis/okube.dev/v1alpha1/namespaces/a/tasks/t1', 'application/merge-patch+json').verb).to.equal('PATCH');
    expect(info('PATCH', '/apis/okube.dev/v1alpha1/namespaces/a/tasks/t1', 'application/apply-patch+yaml; charset=utf-8').verb).to.equal('APPLY');
    expect(info('DELETE', '/apis/okube.dev/v1alpha1/namespaces/a/tasks/t1').verb).to.equal('DELETE');
    expect(info('DELETE', '/apis/okube.dev/v1alpha1/namespaces/a/tasks')).to.include({ verb: 'DELETE', scope: 'namespace' });
  });

  it('labels core resources with an empty group', () => {
    expect(info('GET', '/api/v1/namespaces/default')).to.include({ verb: 'GET', group: '', version: 'v1', resource: 'namespaces', scope: 'resource' });
  });

  it('gives non-resource and unparseable requests empty resource labels', () => {
    expect(info('GET', '/healthz?verbose')).to.include({ verb: 'GET', resource: '', scope: '' });
    expect(info('GET', '/apis/okube.dev/v1alpha1/namespaces/a/nosuch')).to.include({ resource: '' });
    expect(info('GET', '/%zz')).to.include({ verb: 'GET', resource: '' });
    expect(requestVerb('head', { named: false, watch: false })).to.equal('LIST');
  });

  it('gives log lines the namespace/name key', () => {
    expect(requestKey(info('GET', '/apis/okube.dev/v1alpha1/namespaces/a/tasks/t1'))).to.equal('a/t1');
    expect(requestKey(info('GET', '/apis/okube.dev/v1alpha1/nodes/n1'))).to.equal('n1');
    expect(requestKey(info('GET', '/version'))).to.equal(undefined);
  });
});

describe('request ids', () => {
  it('takes the caller\'s Audit-Id or X-Request-Id when it is a plain token', () => {
    expect(requestId({ 'x-request-id': 'abc-123' })).to.equal('abc-123');
    expect(requestId({ 'audit-id': 'audit.1', 'x-request-id': 'other' })).to.equal('audit.1');
  });

  it('replaces an id with spaces, control characters or excessive length by a UUID', () => {
    for (const bad of ['has space', 'x\u0001y', 'a'.repeat(200), '']) expect(requestId({ 'x-request-id': bad })).to.match(/^[0-9a-f-]{36}$/);
  });
});

describe('/debug/flags/v verbosity', () => {
  it('maps klog verbosities onto log levels', () => {
    expect(parseVerbosity('0')).to.equal('info');
    expect(parseVerbosity('2\n')).to.equal('info');
    expect(parseVerbosity('4')).to.equal('debug');
    expect(parseVerbosity('8')).to.equal('trace');
  });

  it('accepts level names and rejects anything else with a 400', () => {
    expect(parseVerbosity('Warn')).to.equal('warn');
    expect(() => parseVerbosity('loud')).to.throw(ApiError).with.property('httpCode', 400);
    expect(() => parseVerbosity('-1')).to.throw(ApiError);
  });
});
