import { expect } from 'chai';
import { statusFor } from '../../../src/apiserver/status.js';
import { serverError } from '../../../src/cli/kube/api-error.js';
import { codeForReason, reasonForCode, STATUS_REASONS } from '../../../src/util/status-reasons.js';

// Reasons that share their HTTP code with an earlier one, and the reason the bare code reads as.
const SHARED = { AlreadyExists: 'Conflict', Gone: 'Expired' } as Record<string, string>;

describe('Status reason table', () => {
  it('round-trips every reason through its HTTP code (reason → code → reason)', () => {
    for (const reason of STATUS_REASONS) {
      expect(reasonForCode(codeForReason(reason)), reason).to.equal(SHARED[reason] ?? reason);
    }
  });

  it('round-trips every HTTP code it knows through its reason (code → reason → code)', () => {
    const codes = new Set(STATUS_REASONS.map(codeForReason));
    for (const code of codes) expect(codeForReason(reasonForCode(code)!), String(code)).to.equal(code);
    expect(reasonForCode(418)).to.equal(undefined);
  });

  it('gives the CLI the reason the API server wrote when the body has none', () => {
    for (const reason of STATUS_REASONS) {
      const { code } = statusFor(reason, 'x');
      expect(serverError(code, 'x').reason, reason).to.equal(SHARED[reason] ?? reason);
    }
  });
});
