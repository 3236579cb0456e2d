import yaml from 'js-yaml';
import protobuf from 'protobufjs';

// /openapi/v2 in protobuf, the only form kubectl reads it in (client-go's OpenAPISchema asks for
// application/com.github.proto-openapi.spec.v2@v1.0+protobuf and reads no JSON). kubectl
// needs it whenever /openapi/v3 cannot settle field validation: a `kind: List` file — which
// `kubectl get -o yaml` writes — is always validated client-side from v2, and a kind the server
// does not serve is looked up there before kubectl says "no matches for kind".
//
// The message is gnostic's openapi.v2.Document. The schema below is our own subset of it: the
// messages the JSON document uses, with gnostic's names and field numbers (a decoder skips what it
// does not know, so a subset is a valid document). The JSON → message mapping follows gnostic's
// own reading of Swagger 2.0: `x-` keys become vendor extensions holding YAML, a parameter is a
// body parameter or a non-body one by its `in`, a `$ref` parameter or response is a reference.

/**
 * The media type of the answer, as kube-openapi's handler names it: the form clients ask for
 * (below) has an `@`, which Go's mime.ParseMediaType refuses in a Content-Type.
 */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
/** What client-go asks for (kube-openapi calls it deprecated; both are accepted). */
const OPENAPI_V2_PROTOBUF_ASKED = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

const SCHEMA = `
syntax = "proto3";
package openapi.v2;
message Any { string yaml = 2; }
message NamedAny { string name = 1; Any value = 2; }
message Info { string title = 1; string version = 2; string description = 3; repeated NamedAny vendor_extension = 7; }
message Document {
  string swagger = 1; Info info = 2; string host = 3; string base_path = 4; repeated string schemes = 5;
  repeated string consumes = 6; repeated string produces = 7; Paths paths = 8; Definitions definitions = 9;
  repeated SecurityRequirement security = 12; SecurityDefinitions security_definitions = 13; repeated NamedAny vendor_extension = 16;
}
message Paths { repeated NamedAny vendor_extension = 1; repeated NamedPathItem path = 2; }
message NamedPathItem { string name = 1; PathItem value = 2; }
message PathItem {
  string _ref = 1; Operation get = 2; Operation put = 3; Operation post = 4; Operation delete = 5; Operation options = 6;
  Operation head = 7; Operation patch = 8; repeated ParametersItem parameters = 9; repeated NamedAny vendor_extension = 10;
}
message Operation {
  repeated string tags = 1; string summary = 2; string description = 3; string operation_id = 5; repeated string produces = 6;
  repeated string consumes = 7; repeated ParametersItem parameters = 8; Responses responses = 9; repeated string schemes = 10;
  bool deprecated = 11; repeated SecurityRequirement security = 12; repeated NamedAny vendor_extension = 13;
}
message ParametersItem { oneof oneof { Parameter parameter = 1; JsonReference json_reference = 2; } }
message JsonReference { string _ref = 1; string description = 2; }
message Parameter { oneof oneof { BodyParameter body_parameter = 1; NonBodyParameter non_body_parameter = 2; } }
message BodyParameter { string description = 1; string name = 2; string in = 3; bool required = 4; Schema schema = 5; repeated NamedAny vendor_extension = 6; }
message NonBodyParameter { oneof oneof { QueryParameterSubSchema query_parameter_sub_schema = 3; PathParameterSubSchema path_parameter_sub_schema = 4; } }
message QueryParameterSubSchema {
  bool required = 1; string in = 2; string description = 3; string name = 4; bool allow_empty_value = 5; string type = 6;
  string format = 7; string collection_format = 9; Any default = 10; double maximum = 11; double minimum = 13;
  string pattern = 17; bool unique_items = 20; repeated Any enum = 21; repeated NamedAny vendor_extension = 23;
}
message PathParameterSubSchema {
  bool required = 1; string in = 2; string description = 3; string name = 4; string type = 5; string format = 6;
  string collection_format = 8; Any default = 9; double maximum = 10; double minimum = 12; string pattern = 16;
  bool unique_items = 19; repeated Any enum = 20; repeated NamedAny vendor_extension = 22;
}
message Responses { repeated NamedResponseValue response_code = 1; repeated NamedAny vendor_extension = 2; }
message NamedResponseValue { string name = 1; ResponseValue value = 2; }
message ResponseValue { oneof oneof { Response response = 1; JsonReference json_reference = 2; } }
message Response { string description = 1; SchemaItem schema = 2; repeated NamedAny vendor_extension = 5; }
message SchemaItem { oneof oneof { Schema schema = 1; } }
message Definitions { repeated NamedSchema additional_properties = 1; }
message NamedSchema { string name = 1; Schema value = 2; }
message Properties { repeated NamedSchema additional_properties = 1; }
message TypeItem { repeated string value = 1; }
message ItemsItem { repeated Schema schema = 1; }
message AdditionalPropertiesItem { oneof oneof { Schema schema = 1; bool boolean = 2; } }
message Schema {
  string _ref = 1; string format = 2; string title = 3; string description = 4; Any default = 5; double multiple_of = 6;
  double maximum = 7; bool exclusive_maximum = 8; double minimum = 9; bool exclusive_minimum = 10; int64 max_length = 11;
  int64 min_length = 12; string pattern = 13; int64 max_items = 14; int64 min_items = 15; bool unique_items = 16;
  int64 max_properties = 17; int64 min_properties = 18; repeated string required = 19; repeated Any enum = 20;
  AdditionalPropertiesItem additional_properties = 21; TypeItem type = 22; ItemsItem items = 23; repeated Schema all_of = 24;
  Properties properties = 25; string discriminator = 26; bool read_only = 27; Any example = 30; repeated NamedAny vendor_extension = 31;
}
message SecurityRequirement { repeated NamedStringArray additional_properties = 1; }
message NamedStringArray { string name = 1; StringArray value = 2; }
message StringArray { repeated string value = 1; }
message SecurityDefinitions { repeated NamedSecurityDefinitionsItem additional_properties = 1; }
message NamedSecurityDefinitionsItem { string name = 1; SecurityDefinitionsItem value = 2; }
message SecurityDefinitionsItem { oneof oneof { ApiKeySecurity api_key_security = 2; } }
message ApiKeySecurity { string type = 1; string name = 2; string in = 3; string description = 4; repeated NamedAny vendor_extension = 5; }
`;

let root: protobuf.Root | undefined;
/** The openapi.v2 message types (parsed once; the schema is a constant). */
export function openApiV2Types(): protobuf.Root {
  return (root ??= protobuf.parse(SCHEMA, { keepCase: true }).root);
}

type Json = Record<string, unknown>;
type Message = Record<string, unknown>;

/** A JSON value as gnostic holds it: its YAML text. */
const any = (v: unknown): Message => ({ yaml: yaml.dump(v, { lineWidth: -1, noRefs: true }) });
const named = (obj: Json, value: (v: unknown) => unknown) => Object.entries(obj).map(([name, v]) => ({ name, value: value(v) }));

/** JSON key → the message field it goes to, directly or through a converter. */
type Fields = Record<string, string | readonly [string, (v: unknown, path: string) => unknown]>;

/**
 * Turns one JSON object into a message: keys in `fields` are copied (through the converter when
 * one is given) under the field's name, `x-` keys go to vendor_extension, and anything else is
 * named in `dropped` (a key this subset has no field for).
 */
function message(obj: Json, path: string, dropped: string[], fields: Fields): Message {
  const out: Message = {};
  const extensions: Message[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const f = fields[k];
    if (f !== undefined) {
      if (typeof f === 'string') out[f] = v;
      else out[f[0]] = f[1](v, `${path}.${k}`);
    } else if (k.startsWith('x-')) extensions.push({ name: k, value: any(v) });
    else dropped.push(`${path}.${k}`);
  }
  if (extensions.length) out.vendor_extension = extensions;
  return out;
}

function schema(s: unknown, path: string, dropped: string[]): Message {
  const sub = (v: unknown, p: string) => schema(v, p, dropped);
  return message(s as Json, path, dropped, {
    $ref: '_ref',
    format: 'format',
    title: 'title',
    description: 'description',
    default: ['default', any],
    multipleOf: 'multiple_of',
    maximum: 'maximum',
    exclusiveMaximum: 'exclusive_maximum',
    minimum: 'minimum',
    exclusiveMinimum: 'exclusive_minimum',
    maxLength: 'max_length',
    minLength: 'min_length',
    pattern: 'pattern',
    maxItems: 'max_items',
    minItems: 'min_items',
    uniqueItems: 'unique_items',
    maxProperties: 'max_properties',
    minProperties: 'min_properties',
    required: 'required',
    enum: ['enum', (v) => (v as unknown[]).map(any)],
    additionalProperties: ['additional_properties', (v, p) => (typeof v === 'boolean' ? { boolean: v } : { schema: sub(v, p) })],
    type: ['type', (v) => ({ value: Array.isArray(v) ? v : [v] })],
    items: ['items', (v, p) => ({ schema: Array.isArray(v) ? v.map((x, i) => sub(x, `${p}[${i}]`)) : [sub(v, p)] })],
    allOf: ['all_of', (v, p) => (v as unknown[]).map((x, i) => sub(x, `${p}[${i}]`))],
    properties: ['properties', (v, p) => ({ additional_properties: Object.entries(v as Json).map(([name, x]) => ({ name, value: sub(x, `${p}.${name}`) })) })],
    discriminator: 'discriminator',
    readOnly: 'read_only',
    example: ['example', any],
  });
}

const NON_BODY_COMMON: Fields = { required: 'required', in: 'in', description: 'description', name: 'name', type: 'type', format: 'format', collectionFormat: 'collection_format', default: ['default', any], maximum: 'maximum', minimum: 'minimum', pattern: 'pattern', uniqueItems: 'unique_items', enum: ['enum', (v: unknown) => (v as unknown[]).map(any)] };

function parametersItem(p: Json, path: string, dropped: string[]): Message {
  if (typeof p.$ref === 'string') return { json_reference: message(p, path, dropped, { $ref: '_ref', description: 'description' }) };
  if (p.in === 'body') {
    return { parameter: { body_parameter: message(p, path, dropped, { description: 'description', name: 'name', in: 'in', required: 'required', schema: ['schema', (v, q) => schema(v, q, dropped)] }) } };
  }
  if (p.in === 'query') return { parameter: { non_body_parameter: { query_parameter_sub_schema: message(p, path, dropped, { ...NON_BODY_COMMON, allowEmptyValue: 'allow_empty_value' }) } } };
  if (p.in === 'path') return { parameter: { non_body_parameter: { path_parameter_sub_schema: message(p, path, dropped, { ...NON_BODY_COMMON }) } } };
  dropped.push(`${path} (in: ${String(p.in)})`);
  return {};
}

const parameters = (dropped: string[]) => (v: unknown, path: string) => (v as Json[]).map((p, i) => parametersItem(p, `${path}[${i}]`, dropped));

/** A map whose `x-` keys are vendor extensions and whose other keys are entries of `field`. */
function extensible(obj: Json, field: string, entry: (name: string, v: unknown) => Message): Message {
  const out: Message = {};
  const ext = Object.entries(obj).filter(([k]) => k.startsWith('x-'));
  if (ext.length) out.vendor_extension = ext.map(([name, v]) => ({ name, value: any(v) }));
  out[field] = Object.entries(obj)
    .filter(([k]) => !k.startsWith('x-'))
    .map(([name, v]) => ({ name, value: entry(name, v) }));
  return out;
}

function responses(r: Json, path: string, dropped: string[]): Message {
  return extensible(r, 'response_code', (code, v) => {
    const resp = v as Json;
    if (typeof resp.$ref === 'string') return { json_reference: message(resp, `${path}.${code}`, dropped, { $ref: '_ref', description: 'description' }) };
    return { response: message(resp, `${path}.${code}`, dropped, { description: 'description', schema: ['schema', (s, q) => ({ schema: schema(s, q, dropped) })] }) };
  });
}

function securityRequirements(v: unknown): Message[] {
  return (v as Json[]).map((req) => ({ additional_properties: named(req, (scopes) => ({ value: scopes })) }));
}

function operation(op: unknown, path: string, dropped: string[]): Message {
  return message(op as Json, path, dropped, {
    tags: 'tags',
    summary: 'summary',
    description: 'description',
    operationId: 'operation_id',
    produces: 'produces',
    consumes: 'consumes',
    parameters: ['parameters', parameters(dropped)],
    responses: ['responses', (v, p) => responses(v as Json, p, dropped)],
    schemes: 'schemes',
    deprecated: 'deprecated',
    security: ['security', securityRequirements],
  });
}

function pathItem(item: unknown, path: string, dropped: string[]): Message {
  const op = (v: unknown, p: string) => operation(v, p, dropped);
  return message(item as Json, path, dropped, { $ref: '_ref', get: ['get', op], put: ['put', op], post: ['post', op], delete: ['delete', op], options: ['options', op], head: ['head', op], patch: ['patch', op], parameters: ['parameters', parameters(dropped)] });
}

/**
 * The JSON Swagger 2.0 document as gnostic's Document message, and the JSON keys it could not
 * carry (none for what okube serves; the unit test holds it to that).
 */
export function gnosticDocument(doc: Json): { document: Message; dropped: string[] } {
  const dropped: string[] = [];
  const document = message(doc, '', dropped, {
    swagger: 'swagger',
    info: ['info', (v, p) => message(v as Json, p, dropped, { title: 'title', version: 'version', description: 'description' })],
    host: 'host',
    basePath: 'base_path',
    schemes: 'schemes',
    consumes: 'consumes',
    produces: 'produces',
    paths: ['paths', (v, p) => extensible(v as Json, 'path', (name, item) => pathItem(item, `${p}[${name}]`, dropped))],
    definitions: ['definitions', (v, p) => ({ additional_properties: Object.entries(v as Json).map(([name, s]) => ({ name, value: schema(s, `${p}.${name}`, dropped) })) })],
    security: ['security', securityRequirements],
    securityDefinitions: [
      'security_definitions',
      (v, p) => ({
        additional_properties: Object.entries(v as Json).map(([name, d]) => {
          if ((d as Json).type !== 'apiKey') dropped.push(`${p}.${name} (type: ${String((d as Json).type)})`);
          return { name, value: { api_key_security: message(d as Json, `${p}.${name}`, dropped, { type: 'type', name: 'name', in: 'in', description: 'description' }) } };
        }),
      }),
    ],
  });
  return { document, dropped };
}

const encoded = new WeakMap<object, Buffer>();

/** The protobuf body of /openapi/v2 for this JSON document (encoded once per document). */
export function openApiV2Protobuf(doc: object): Buffer {
  let bytes = encoded.get(doc);
  if (!bytes) {
    const Document = openApiV2Types().lookupType('openapi.v2.Document');
    bytes = Buffer.from(Document.encode(Document.fromObject(gnosticDocument(doc as Json).document)).finish());
    encoded.set(doc, bytes);
  }
  return bytes;
}

/** Whether an Accept header asks for /openapi/v2 in protobuf before (or instead of) JSON. */
export function wantsOpenApiV2Protobuf(accept: string | undefined): boolean {
  for (const part of (accept ?? '').split(',')) {
    const type = part.split(';')[0].trim().toLowerCase();
    if (type === OPENAPI_V2_PROTOBUF || type === OPENAPI_V2_PROTOBUF_ASKED) return true;
    if (type === 'application/json' || type === '*/*' || type === 'application/*') return false;
  }
  return false;
}
