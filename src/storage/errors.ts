import { OkubeError } from '../util/errors.js';

// The Store's failure vocabulary, shared by the etcd and memory implementations: the layers above
// decide on these codes (a Conflict is retried, Expired is a watch's 410) and never see etcd3 or
// gRPC errors.

export const STORE_ERROR_CODES = ['NotFound', 'AlreadyExists', 'Conflict', 'Expired', 'Unavailable'] as const;
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

/** Errors of the Store contract; the API server maps them to 404/409/409/410/503. */
export class StoreError extends OkubeError {
  constructor(
    code: StoreErrorCode,
    message: string,
    readonly key?: string,
  ) {
    super(code, message, key ? { key } : {});
  }
}
