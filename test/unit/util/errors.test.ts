import { expect } from 'chai';
import { FieldsV1Error } from '../../../src/apiserver/fieldmanager/fieldset.js';
import { ManagedFieldsError } from '../../../src/apiserver/fieldmanager/managers.js';
import { ApiError, isStoreError } from '../../../src/apiserver/status.js';
import { CliError } from '../../../src/cli/cli-error.js';
import { serverError } from '../../../src/cli/kube/api-error.js';
import { ConnectionError } from '../../../src/cli/kube/connection.js';
import { StoreError } from '../../../src/storage/errors.js';
import { ERROR_CODES, OKUBE_ERROR_CODES, OkubeError, httpCodeForErrorCode, isErrorCode, isOkubeError } from '../../../src/util/errors.js';
import { codeForReason, isStatusReason, reasonForCode, STATUS_REASONS, type StatusReason } from '../../../src/util/status-reasons.js';

// Reasons that share their HTTP code with an earlier one, and the reason the bare code reads as.
const SHARED: Partial<Record<StatusReason, StatusReason>> = { AlreadyExists: 'Conflict', Gone: 'Expired' };

describe('OkubeError', () => {
  it('carries a stable code that isOkubeError matches', () => {
    const err = new OkubeError('Conflict', 'changed underneath');
    expect(isOkubeError(err, 'Conflict')).to.equal(true);
    expect(isOkubeError(err, 'NotFound')).to.equal(false);
  });
});

describe('error code catalogue', () => {
  it('takes every Status reason of the reason/HTTP table and okube own codes as codes, and no other string', () => {
    for (const code of [...STATUS_REASONS, ...OKUBE_ERROR_CODES]) expect(isErrorCode(code), code).to.equal(true);
    for (const other of ['NoSuchCode', 'notfound', '', 404]) expect(isErrorCode(other), String(other)).to.equal(false);
    expect(new Set(ERROR_CODES).size).to.equal(ERROR_CODES.length);
  });

  it('maps every code that is a Status reason to its HTTP code and back', () => {
    const reasons = ERROR_CODES.filter(isStatusReason);
    expect(reasons).to.have.length(STATUS_REASONS.length);
    for (const code of reasons) {
      const http = httpCodeForErrorCode(code);
      expect(http, code).to.equal(codeForReason(code));
      expect(reasonForCode(http), code).to.equal(SHARED[code] ?? code);
    }
  });

  it('gives okube own codes no HTTP code, and none of them is a Status reason', () => {
    for (const code of OKUBE_ERROR_CODES) {
      expect(isStatusReason(code), code).to.equal(false);
      expect(httpCodeForErrorCode(code), code).to.equal(undefined);
    }
  });
});

describe('error classes', () => {
  it('makes an ApiError an OkubeError whose code is its reason and whose httpCode is the table entry', () => {
    for (const reason of STATUS_REASONS) {
      const err = new ApiError(reason, 'x');
      expect(isOkubeError(err, reason), reason).to.equal(true);
      expect(err.httpCode, reason).to.equal(codeForReason(reason));
      expect(err.toStatus().code, reason).to.equal(err.httpCode);
    }
  });

  it('does not take an ApiError for a Store error of the same code', () => {
    expect(isStoreError(new ApiError('NotFound', 'x'))).to.equal(false);
    expect(isStoreError(new StoreError('NotFound', 'x'), 'NotFound')).to.equal(true);
  });

  it('makes a CLI server error an OkubeError coded by its Status reason, with the HTTP code in httpCode', () => {
    const err = serverError(404, { kind: 'Status', reason: 'NotFound', message: 'tasks.okube.dev "x" not found' });
    expect(err).to.be.instanceOf(CliError);
    expect(isOkubeError(err, 'NotFound')).to.equal(true);
    expect(err.httpCode).to.equal(404);
    expect(err.reason).to.equal('NotFound');
  });

  it('codes a CLI server error whose reason the table does not know as ServerError', () => {
    const err = serverError(418, { kind: 'Status', reason: 'Teapot', message: 'short and stout' });
    expect(err.code).to.equal('ServerError');
    expect(err.reason).to.equal('Teapot');
    expect(err.httpCode).to.equal(418);
  });

  it('codes the other CLI and field-manager errors from the catalogue', () => {
    const errors: Array<[OkubeError, string]> = [
      [new CliError('bad flag'), 'CliError'],
      [new ConnectionError('refused', 1, ''), 'ConnectionError'],
      [new ManagedFieldsError('bad entry'), 'Invalid'],
      [new FieldsV1Error('bad fields'), 'Invalid'],
    ];
    for (const [err, code] of errors) {
      expect(err, code).to.be.instanceOf(OkubeError);
      expect(err.code, err.name).to.equal(code);
      expect(isErrorCode(err.code), err.name).to.equal(true);
    }
  });
});
