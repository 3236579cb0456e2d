import { expect } from 'chai';
import yaml from 'js-yaml';
import { builtinDefs, openApiV2 } from '../../../../src/apiserver/schema/index.js';
import { gnosticDocument, openApiV2Protobuf, openApiV2Types, wantsOpenApiV2Protobuf } from '../../../../src/apiserver/schema/openapi-v2-protobuf.js';
import { defs } from './helpers.js';

// /openapi/v2 in protobuf (gnostic's openapi.v2.Document): what kubectl decodes is the JSON
// document, field for field. kubectl itself reading it is the integration test's part.

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const json = openApiV2([...builtinDefs(), ...defs]) as Msg;
const decoded = (): Msg => {
  const Document = openApiV2Types().lookupType('openapi.v2.Document');
  return Document.toObject(Document.decode(openApiV2Protobuf(json)), { defaults: false }) as Msg;
};

describe('OpenAPI v2 in protobuf', () => {
  it('carries every key of the served JSON document (none left without a field)', () => {
    expect(gnosticDocument(json).dropped).to.deep.equal([]);
  });

  it('holds every definition under its name, with its properties, required fields and $ref', () => {
    const doc = decoded();
    const byName = new Map<string, Msg>(doc.definitions.additional_properties.map((d: Msg) => [d.name, d.value]));
    expect([...byName.keys()]).to.deep.equal(Object.keys(json.definitions));
    const task = byName.get('dev.okube.v1alpha1.Task')!;
    const props = new Map<string, Msg>(task.properties.additional_properties.map((p: Msg) => [p.name, p.value]));
    expect([...props.keys()]).to.deep.equal(Object.keys(json.definitions['dev.okube.v1alpha1.Task'].properties));
    expect(props.get('metadata')!._ref).to.equal(json.definitions['dev.okube.v1alpha1.Task'].properties.metadata.$ref);
    const spec = props.get('spec')!;
    expect(spec.type.value).to.deep.equal(['object']);
    expect(spec.required).to.deep.equal(json.definitions['dev.okube.v1alpha1.Task'].properties.spec.required);
    const command = spec.properties.additional_properties.find((p: Msg) => p.name === 'command').value;
    expect(command.type.value).to.deep.equal(['array']);
    expect(command.items.schema).to.have.length(1);
    expect(command.items.schema[0].type.value).to.deep.equal(['string']);
  });

  it('keeps x- extensions as YAML that reads back to the JSON value', () => {
    const task = decoded().definitions.additional_properties.find((d: Msg) => d.name === 'dev.okube.v1alpha1.Task').value;
    const ext = new Map<string, string>(task.vendor_extension.map((e: Msg) => [e.name, e.value.yaml]));
    expect(yaml.load(ext.get('x-kubernetes-group-version-kind')!)).to.deep.equal(json.definitions['dev.okube.v1alpha1.Task']['x-kubernetes-group-version-kind']);
  });

  it('has each path, and the PATCH of a kind names its kind and takes fieldValidation as a query parameter', () => {
    const doc = decoded();
    expect(doc.paths.path.map((p: Msg) => p.name)).to.deep.equal(Object.keys(json.paths));
    const item = doc.paths.path.find((p: Msg) => p.name === '/apis/okube.dev/v1alpha1/namespaces/{namespace}/tasks/{name}').value;
    const gvk = item.patch.vendor_extension.find((e: Msg) => e.name === 'x-kubernetes-group-version-kind').value.yaml;
    expect(yaml.load(gvk)).to.deep.equal({ group: 'okube.dev', version: 'v1alpha1', kind: 'Task' });
    const queries = item.patch.parameters.map((p: Msg) => p.parameter?.non_body_parameter?.query_parameter_sub_schema?.name).filter(Boolean);
    expect(queries).to.include('fieldValidation');
    expect(item.patch.parameters.some((p: Msg) => p.parameter?.body_parameter?.name === 'body')).to.equal(true);
    expect(item.parameters.map((p: Msg) => p.parameter?.non_body_parameter?.path_parameter_sub_schema?.name).filter(Boolean)).to.include.members(['name', 'namespace']);
  });

  it('is asked for by client-go, and not when JSON comes first', () => {
    expect(wantsOpenApiV2Protobuf('application/com.github.proto-openapi.spec.v2@v1.0+protobuf')).to.equal(true);
    expect(wantsOpenApiV2Protobuf('application/com.github.proto-openapi.spec.v2.v1.0+protobuf, application/json')).to.equal(true);
    expect(wantsOpenApiV2Protobuf('application/json, application/com.github.proto-openapi.spec.v2@v1.0+protobuf')).to.equal(false);
    expect(wantsOpenApiV2Protobuf(undefined)).to.equal(false);
  });
});
