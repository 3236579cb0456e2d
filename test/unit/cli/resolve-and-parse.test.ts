import { expect } from 'chai';
import { Discovery, resourcePath, type ApiResource } from '../../../src/cli/kube/discovery.js';
import { parseManifests } from '../../../src/cli/kube/manifests.js';
import { parseDuration } from '../../../src/cli/commands/flags.js';
import { parseFor } from '../../../src/cli/commands/wait.js';

// Plain-data parts of the CLI: resource names, manifests, flag values.

const res = (over: Partial<ApiResource>): ApiResource => ({ group: '', version: 'v1', plural: 'x', singular: 'x', kind: 'X', namespaced: true, shortNames: [], verbs: [], ...over });
const resources = [
  res({ plural: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'] }),
  res({ plural: 'nodes', singular: 'node', kind: 'Node', namespaced: false, shortNames: ['no'] }),
  res({ group: 'okube.dev', version: 'v1alpha1', plural: 'tasks', singular: 'task', kind: 'Task', shortNames: ['tk'] }),
  res({ group: 'okube.dev', version: 'v1alpha1', plural: 'nodes', singular: 'node', kind: 'Node', namespaced: false, shortNames: ['onode'] }),
];
const discovery = new Discovery(resources);

describe('cli: resource names through discovery', () => {
  for (const name of ['tasks', 'task', 'tk', 'Task', 'TASKS', 'tasks.okube.dev', 'task.okube.dev', 'tasks.v1alpha1.okube.dev']) {
    it(`resolves ${name} to tasks.okube.dev`, () => {
      expect(discovery.resolve(name)).to.include({ group: 'okube.dev', plural: 'tasks' });
    });
  }

  it('prefers the core group on a tie, as kubectl does (nodes), and the group-qualified name picks okube', () => {
    expect(discovery.resolve('nodes').group).to.equal('');
    expect(discovery.resolve('nodes.okube.dev').group).to.equal('okube.dev');
    expect(discovery.resolve('onode').group).to.equal('okube.dev');
  });

  it('says the server does not have an unknown type', () => {
    expect(() => discovery.resolve('gadgets')).to.throw('the server doesn\'t have a resource type "gadgets"');
  });

  it('builds paths for namespaced and cluster-scoped resources', () => {
    expect(resourcePath(discovery.resolve('tk'), 'a', 'web')).to.equal('/apis/okube.dev/v1alpha1/namespaces/a/tasks/web');
    expect(resourcePath(discovery.resolve('ns'), 'a', 'b')).to.equal('/api/v1/namespaces/b');
  });
});

describe('cli: manifests', () => {
  it('reads every document, skipping empty ones, expanding Lists', () => {
    const text = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: b}}\n';
    expect(parseManifests(text, 'f.yaml').map((m) => [m.object.metadata.name, m.source.document])).to.deep.equal([['a', 1], ['b', 3]]);
  });

  it('names the document and line of broken YAML', () => {
    const text = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: [b\n  x: y\n';
    expect(() => parseManifests(text, 'f.yaml')).to.throw(/^error parsing f\.yaml \(document 2, line \d+\)/);
  });

  it('reads a file that starts with "{" as a stream of JSON objects, as kubectl does (jq -c output)', () => {
    const text = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","annotations":{"x":"}{\\"]"}}}\n{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}]}\n\n{\n  "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}\n}\n';
    expect(parseManifests(text, 'f.json').map((m) => [m.object.metadata.name, m.source.document])).to.deep.equal([['a', 1], ['b', 2], ['c', 3]]);
    expect(parseManifests(text, 'f.json')[0].object.metadata.annotations).to.deep.equal({ x: '}{"]' });
  });

  it('names the value and line of broken JSON in a stream', () => {
    const text = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}\n{"apiVersion":"v1",\n"kind":"ConfigMap" "metadata":{}}\n';
    expect(() => parseManifests(text, 'f.json')).to.throw(/^error parsing f\.json \(document 2, line 3\): /);
    expect(() => parseManifests('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}} x', 'f.json')).to.throw('error parsing f.json (document 2, line 1): invalid character "x" looking for beginning of value');
    expect(() => parseManifests('{"apiVersion":"v1"', 'f.json')).to.throw('error parsing f.json (document 1, line 1): unexpected end of JSON input');
  });

  it('says which fields are missing', () => {
    expect(() => parseManifests('metadata: {name: a}\n', 'f.yaml')).to.throw('error validating f.yaml (document 1): [apiVersion not set, kind not set]');
  });
});

describe('cli: flag values', () => {
  it('parses Go durations and plain seconds', () => {
    expect([parseDuration('30s'), parseDuration('2m'), parseDuration('1h30m'), parseDuration('500ms'), parseDuration('5')]).to.deep.equal([30_000, 120_000, 5_400_000, 500, 5000]);
    expect(() => parseDuration('soon')).to.throw('invalid duration');
  });

  it('wait --for: condition (default True, case-insensitive), delete, jsonpath', () => {
    const obj = { status: { phase: 'Succeeded', conditions: [{ type: 'Ready', status: 'False' }] } };
    expect(parseFor('condition=Ready')(obj)).to.equal(false);
    expect(parseFor('condition=ready=false')(obj)).to.equal(true);
    expect(parseFor('delete')(undefined)).to.equal(true);
    expect(parseFor('jsonpath={.status.phase}=Succeeded')(obj)).to.equal(true);
    expect(() => parseFor('soon')).to.throw('unrecognized condition');
  });
});
