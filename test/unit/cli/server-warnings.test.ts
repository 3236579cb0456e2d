import { expect } from 'chai';
import { fieldValidation } from '../../../src/cli/commands/manifest-objects.js';
import { serverWarnings, WarningPrinter } from '../../../src/cli/kube/server-warnings.js';

describe('server warnings and apply --validate', () => {
  it('reads the text of each 299 Warning header, unescaped, in order', () => {
    const raw = ['Content-Type', 'application/json', 'Warning', '299 - "unknown field \\"spec.comand\\""', 'warning', '299 - "second"'];
    expect(serverWarnings(raw)).to.deep.equal(['unknown field "spec.comand"', 'second']);
  });

  it('reads several warnings joined in one header, with or without a date', () => {
    expect(serverWarnings(['Warning', '299 - "a, b", 299 api "c" "Wed, 21 Oct 2026 07:28:00 GMT"'])).to.deep.equal(['a, b', 'c']);
  });

  it('leaves out warnings of other codes and malformed values', () => {
    expect(serverWarnings(['Warning', '110 - "Response is stale"', 'Warning', 'not a warning'])).to.deep.equal([]);
  });

  it('prints each warning once, as kubectl does', () => {
    const lines: string[] = [];
    const p = new WarningPrinter((l) => lines.push(l));
    p.show(['x', 'y']);
    p.show(['x']);
    expect(lines).to.deep.equal(['Warning: x\n', 'Warning: y\n']);
  });

  it("maps kubectl's --validate values to fieldValidation, and refuses others", () => {
    expect(['strict', 'true', 'Warn', 'ignore', 'false'].map(fieldValidation)).to.deep.equal(['Strict', 'Strict', 'Warn', 'Ignore', 'Ignore']);
    expect(() => fieldValidation('sometimes')).to.throw('invalid - validate option "sometimes"');
  });
});
