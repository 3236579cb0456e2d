import { createHash } from 'node:crypto';
import type { JsonSchema, ResourceDef } from './resource-def.js';
import { kindSchema, listSchema, metaDefinitions, scaleDefinitions } from './openapi-definitions.js';
import { definitionName, groupVersionPath, normalizeGroupVersion } from './openapi-names.js';
import { v2Paths, v3Paths } from './openapi-paths.js';

// OpenAPI documents for the served resources, shaped like the ones the apiextensions-apiserver
// builds for CRDs. kubectl 1.32 reads /openapi/v3 for `explain`, and before `apply`/`create` it
// looks there for a PATCH operation of the object's kind (x-kubernetes-group-version-kind) that
// takes the `fieldValidation` query parameter: when it finds one it leaves validation to the server
// (?fieldValidation=Strict); when it finds none it validates client-side from /openapi/v2, and
// when it finds no path at all for the kind it fails. /openapi/v2 serves older clients.

// Memoized: the defs never change while a server runs.

const defIds = new WeakMap<ResourceDef, number>();
let nextDefId = 1;
function cacheKey(defs: ResourceDef[], extra: string): string {
  return `${defs
    .map((d) => {
      let id = defIds.get(d);
      if (!id) defIds.set(d, (id = nextDefId++));
      return id;
    })
    .join(',')}|${extra}`;
}

const memo = new Map<string, object | undefined>();
function memoize<T extends object | undefined>(key: string, build: () => T): T {
  if (memo.has(key)) return memo.get(key) as T;
  const value = build();
  if (memo.size > 256) memo.clear();
  memo.set(key, value);
  return value;
}

/** Body of /openapi/v3/<apis/group/version | api/v1>: that group version's schemas and paths. */
export function openApiV3Doc(defs: ResourceDef[], groupVersion: string): object | undefined {
  const gv = normalizeGroupVersion(groupVersion);
  return memoize(cacheKey(defs, `v3:${gv}`), () => {
    const mine = defs.filter((d) => groupVersionPath(d) === gv);
    if (!mine.length) return undefined;
    const ref = (n: string) => `#/components/schemas/${n}`;
    const schemas: Record<string, JsonSchema> = { ...metaDefinitions(ref), ...(mine.some((d) => d.scale) ? scaleDefinitions(ref) : {}) };
    let paths: Record<string, unknown> = {};
    for (const def of mine) {
      const name = definitionName(def);
      schemas[name] = kindSchema(def, ref, false);
      schemas[`${name}List`] = listSchema(def, ref, false);
      paths = { ...paths, ...v3Paths(def) };
    }
    return {
      openapi: '3.0.0',
      info: { title: 'okube', version: gv.replace(/^apis?\//, '') },
      paths,
      components: { schemas, securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } } },
      security: [{ BearerToken: [] }],
    };
  });
}

/** Body of /openapi/v3: where each group version's document lives, with a content hash. */
export function openApiV3Index(defs: ResourceDef[]): object {
  return memoize(cacheKey(defs, 'v3index'), () => {
    const groupVersions = [...new Set(defs.map((d) => groupVersionPath(d)))].sort();
    return {
      paths: Object.fromEntries(
        groupVersions.map((gv) => {
          const hash = createHash('sha512').update(JSON.stringify(openApiV3Doc(defs, gv))).digest('hex').slice(0, 128).toUpperCase();
          return [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` }];
        }),
      ),
    };
  });
}

/** Body of /openapi/v2 (Swagger 2.0): every kind under its Kubernetes definition name, and paths. */
export function openApiV2(defs: ResourceDef[]): object {
  return memoize(cacheKey(defs, 'v2'), () => {
    const ref = (n: string) => `#/definitions/${n}`;
    const definitions: Record<string, JsonSchema> = { ...metaDefinitions(ref), ...(defs.some((d) => d.scale) ? scaleDefinitions(ref) : {}) };
    let paths: Record<string, unknown> = {};
    for (const def of defs) {
      const name = definitionName(def);
      definitions[name] = kindSchema(def, ref, true);
      definitions[`${name}List`] = listSchema(def, ref, true);
      paths = { ...paths, ...v2Paths(def) };
    }
    return {
      swagger: '2.0',
      info: { title: 'okube', version: 'v1alpha1' },
      paths,
      definitions,
      securityDefinitions: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
      security: [{ BearerToken: [] }],
    };
  });
}
