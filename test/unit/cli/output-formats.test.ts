import { expect } from 'chai';
import { formatObjects, formatWatched, parseFormat } from '../../../src/cli/print/objects.js';

// `get -o jsonpath=…` and `-o custom-columns=…` print what kubectl prints for the same objects.
const tasks = [
  { metadata: { name: 'web', labels: { tier: 'front', app: 'web' } }, spec: { image: 'nginx', command: ['httpd', '-f'], ports: [{ name: 'http', containerPort: 80 }] } },
  { metadata: { name: 'batch' }, spec: { image: 'busybox' } },
];
const print = (output: string, opts?: { single?: boolean; header?: boolean }) => {
  const format = parseFormat(output);
  if (typeof format !== 'object') throw new Error(`not an object format: ${output}`);
  return formatObjects(opts?.single ? [tasks[0]] : tasks, format, 'task.okube.dev', opts);
};

describe('get -o jsonpath and custom-columns', () => {
  it('runs a template over the List, joining several matches with spaces', () => {
    expect(print('jsonpath={.items[*].metadata.name}')).to.equal('web batch');
  });

  it('repeats a range once per match, with quoted text for tabs and newlines', () => {
    expect(print('jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.image}{"\\n"}{end}')).to.equal('web\tnginx\nbatch\tbusybox\n');
  });

  it('runs a template over the object itself for one named object', () => {
    expect(print('jsonpath=name: {.metadata.name}', { single: true })).to.equal('name: web');
  });

  it('prints maps and lists as JSON with sorted keys, missing keys as nothing', () => {
    expect(print('jsonpath={.metadata.labels}|{.spec.nope}|', { single: true })).to.equal('{"app":"web","tier":"front"}||');
  });

  it("escapes <, > and & in JSON as Go's encoder does", () => {
    const format = parseFormat('jsonpath={.spec.command}');
    if (typeof format !== 'object') throw new Error('not an object format');
    const task = { metadata: { name: 't' }, spec: { command: ['sh', '-c', 'a >&2 <x'] } };
    expect(formatObjects([task], format, 'task', { single: true })).to.equal('["sh","-c","a \\u003e\\u00262 \\u003cx"]');
  });

  it('prints custom columns aligned, Go-formatted, <none> where nothing matches, paths in any relaxed form', () => {
    expect(print('custom-columns=NAME:.metadata.name,CMD:spec.command,PORTS:{.spec.ports}')).to.equal(
      ['NAME    CMD          PORTS', 'web     [httpd -f]   [map[containerPort:80 name:http]]', 'batch   <none>       <none>', ''].join('\n'),
    );
  });

  it('prints a watched object as a row without the header', () => {
    const format = parseFormat('custom-columns=NAME:.metadata.name');
    if (typeof format !== 'object') throw new Error('not an object format');
    expect(formatWatched(tasks[1], format, 'task.okube.dev')).to.equal('batch\n');
  });

  it("refuses templates and column specs it cannot read with kubectl's messages", () => {
    expect(() => parseFormat('jsonpath=')).to.throw('template format specified but no template given');
    expect(() => parseFormat('jsonpath={.items[')).to.throw('error parsing jsonpath {.items[, unclosed action');
    expect(() => parseFormat('jsonpath={end}')).to.throw('not in range, nothing to end');
    expect(() => parseFormat('custom-columns=NAME')).to.throw('unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>');
    expect(() => parseFormat('go-template={{.x}}')).to.throw('allowed formats are: custom-columns,json,jsonpath,name,wide,yaml');
  });
});

describe('get -o yaml|json and managedFields', () => {
  const managed = [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }];
  const withFields = (name: string) => ({ metadata: { name, managedFields: managed }, spec: { image: 'nginx' } });

  it('leaves managedFields out of one object and of every item of a list, as kubectl does', () => {
    expect(JSON.parse(formatObjects([withFields('a')], 'json', 'task', { single: true }))).to.deep.equal({ metadata: { name: 'a' }, spec: { image: 'nginx' } });
    const list = JSON.parse(formatObjects([withFields('a'), withFields('b')], 'json', 'task')) as { items: Array<{ metadata: object }> };
    expect(list.items.map((i) => i.metadata)).to.deep.equal([{ name: 'a' }, { name: 'b' }]);
    expect(formatWatched(withFields('a'), 'yaml', 'task')).to.not.include('managedFields');
  });

  it('keeps them with --show-managed-fields, and in -o jsonpath', () => {
    expect(formatObjects([withFields('a')], 'yaml', 'task', { single: true, showManagedFields: true })).to.include('managedFields:\n  - fieldsType: FieldsV1');
    const format = parseFormat('jsonpath={.metadata.managedFields[0].manager}');
    if (typeof format !== 'object') throw new Error('not an object format');
    expect(formatObjects([withFields('a')], format, 'task', { single: true })).to.equal('kubectl');
  });
});
