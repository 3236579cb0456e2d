import { TOKEN_REQUEST_GVK } from './schema/serviceaccount.js';
import { API_AUDIENCE, DEFAULT_EXPIRATION_SECONDS, MIN_EXPIRATION_SECONDS } from './auth/service-account-tokens.js';
import { invalid } from './status.js';
import type { StatusCause } from '../api/types.js';

// An authentication.k8s.io/v1 TokenRequest posted to serviceaccounts/NAME/token, read and checked
// as kube-apiserver does (pure): audiences default to the API server's own, expirationSeconds to
// an hour and at least ten minutes. A boundObjectRef is refused: okube has no Pods or Nodes-as-
// objects to bind a token's life to (kube binds to those and to Secrets).

export interface TokenRequestSpec {
  audiences: string[];
  expirationSeconds: number;
}

export function tokenRequestSpec(name: string, body: Record<string, unknown>): TokenRequestSpec {
  const spec = (body.spec ?? {}) as { audiences?: unknown; expirationSeconds?: unknown; boundObjectRef?: unknown };
  const causes: StatusCause[] = [];
  const audiences = spec.audiences ?? [];
  if (!Array.isArray(audiences) || audiences.some((a) => typeof a !== 'string' || a === '')) causes.push({ reason: 'FieldValueInvalid', field: 'spec.audiences', message: 'Invalid value: must be a list of non-empty strings' });
  const exp = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (typeof exp !== 'number' || !Number.isInteger(exp)) causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${JSON.stringify(exp)}: must be an integer number of seconds` });
  else if (exp < MIN_EXPIRATION_SECONDS) causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${exp}: may not specify a duration less than 10 minutes` });
  else if (exp > 2 ** 32) causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${exp}: may not specify a duration larger than 2^32 seconds` });
  if (spec.boundObjectRef != null) causes.push({ reason: 'FieldValueNotSupported', field: 'spec.boundObjectRef', message: 'Unsupported value: okube binds tokens to no object (it has no Pods); omit boundObjectRef' });
  if (causes.length) throw invalid(TOKEN_REQUEST_GVK.kind, TOKEN_REQUEST_GVK.group, name, causes);
  const list = audiences as string[];
  return { audiences: list.length ? list : [API_AUDIENCE], expirationSeconds: exp as number };
}
