import { OkubeError } from '../util/errors.js';

export type StoreErrorCode = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Expired' | 'Unavailable';

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
