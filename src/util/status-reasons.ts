// The one table between a Kubernetes Status reason and its HTTP code. The API server answers
// with it, and both clients (the controllers' client and the CLI) read a bare HTTP code back
// with it, so the two sides cannot drift apart. Several reasons share a code (409, 410): the
// first one listed for a code is the reason a code alone is read as, as apimachinery does.

const TABLE = [
  ['BadRequest', 400],
  ['Unauthorized', 401],
  ['Forbidden', 403],
  ['NotFound', 404],
  ['MethodNotAllowed', 405],
  ['NotAcceptable', 406],
  ['Conflict', 409],
  ['AlreadyExists', 409],
  ['Expired', 410],
  ['Gone', 410],
  ['RequestEntityTooLarge', 413],
  ['UnsupportedMediaType', 415],
  ['Invalid', 422],
  ['TooManyRequests', 429],
  ['InternalError', 500],
  ['ServiceUnavailable', 503],
  ['Timeout', 504],
] as const;

export type StatusReason = (typeof TABLE)[number][0];

export const STATUS_REASONS: readonly StatusReason[] = TABLE.map(([reason]) => reason);

const CODE_BY_REASON = new Map<string, number>(TABLE);
const REASON_BY_CODE = new Map<number, StatusReason>();
for (const [reason, code] of TABLE) if (!REASON_BY_CODE.has(code)) REASON_BY_CODE.set(code, reason);

const REASONS = new Set<string>(STATUS_REASONS);

export function isStatusReason(s: unknown): s is StatusReason {
  return typeof s === 'string' && REASONS.has(s);
}

/** The HTTP code of a Status reason. */
export function codeForReason(reason: StatusReason): number {
  return CODE_BY_REASON.get(reason) as number;
}

/** The reason a bare HTTP code stands for; undefined for a code the table does not know. */
export function reasonForCode(code: number | undefined): StatusReason | undefined {
  return code === undefined ? undefined : REASON_BY_CODE.get(code);
}
