export { loadCrds, type ResourceDef, type PrinterColumn, type JsonSchema } from './resource-def.js';
export { builtinDefs } from './builtins.js';
export type { ValidationCause } from './causes.js';
export { compileSchema, type ResourceSchema } from './validate.js';
export { validateObjectMeta, isDns1123Label, isDns1123Subdomain } from './meta.js';
export { toTable, tableColumns, humanDuration, type TableOptions } from './table.js';
export { evalJsonPath } from './jsonpath.js';
export { openApiV2, openApiV3Index, openApiV3Doc } from './openapi.js';
export { definitionName, groupVersionPath } from './openapi-names.js';
