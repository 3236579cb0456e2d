import { expect } from 'chai';
import { deleteOptionsCauses, dryRunCauses, fieldManagerCauses, fieldValidationCauses, listOptionsCauses, optionsInvalid } from '../../../src/apiserver/options-validation.js';
import { writeOptions } from '../../../src/apiserver/request-options.js';
import { ApiError } from '../../../src/apiserver/status.js';

// Request options that parse but are not allowed: kube-apiserver's 422 Invalid per options kind,
// with its field causes and wording (apimachinery meta/v1 and meta/internalversion validation).

const q = (s: string) => new URLSearchParams(s);
const messages = (causes: Array<{ field?: string; message: string }>) => causes.map((c) => `${c.field}: ${c.message}`);

describe('request options validation (kube-apiserver 422s)', () => {
  describe('dryRun', () => {
    const table: Array<[string[], boolean]> = [[[], true], [['All'], true], [['All', 'All'], true], [[''], false], [['Some'], false], [['All', 'x'], false], [['all'], false]];
    for (const [v, ok] of table) {
      it(`${JSON.stringify(v)} is ${ok ? 'allowed' : 'not supported'}`, () => {
        expect(dryRunCauses(v).length === 0).to.equal(ok);
      });
    }
    it('words the cause like field.NotSupported of a []string', () => {
      expect(messages(dryRunCauses(['Some']))).to.deep.equal(['dryRun: Unsupported value: []string{"Some"}: supported values: "All"']);
    });
  });

  describe('fieldValidation', () => {
    for (const v of [null, '', 'Ignore', 'Strict', 'Warn']) it(`${JSON.stringify(v)} is allowed`, () => expect(fieldValidationCauses(v)).to.deep.equal([]));
    for (const v of ['strict', 'Bogus', 'true']) {
      it(`${JSON.stringify(v)} is not supported`, () => {
        expect(messages(fieldValidationCauses(v))).to.deep.equal([`fieldValidation: Unsupported value: "${v}": supported values: "", "Ignore", "Strict", "Warn"`]);
      });
    }
  });

  describe('fieldManager', () => {
    for (const v of [null, '', 'kubectl', 'kubectl-client-side-apply', 'my manager', 'élan', 'x'.repeat(128)]) it(`${JSON.stringify(v).slice(0, 30)} is allowed`, () => expect(fieldManagerCauses(v)).to.deep.equal([]));
    it('more than 128 characters is too long', () => expect(messages(fieldManagerCauses('x'.repeat(129)))).to.deep.equal(['fieldManager: Too long: may not be more than 128 bytes']));
    it('a control character is invalid, at its byte position', () => {
      expect(messages(fieldManagerCauses('é\u0001'))).to.deep.equal(['fieldManager: Invalid value: "é\\u0001": invalid character U+0001 (at position 2)']);
    });
  });

  describe('DeleteOptions', () => {
    for (const p of ['Foreground', 'Background', 'Orphan']) it(`propagationPolicy=${p} is allowed`, () => expect(deleteOptionsCauses(q(`propagationPolicy=${p}`), {})).to.deep.equal([]));
    it('an unknown propagationPolicy is not supported', () => {
      expect(messages(deleteOptionsCauses(q('propagationPolicy=Sideways'), {}))).to.deep.equal(['propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"']);
    });
    it('an unknown propagationPolicy in the body is not supported either', () => {
      expect(deleteOptionsCauses(q(''), { propagationPolicy: 'x' }).map((c) => c.field)).to.deep.equal(['propagationPolicy']);
    });
    it('orphanDependents with propagationPolicy is invalid, whatever the boolean', () => {
      for (const v of ['true', 'false', 'True', '']) {
        expect(messages(deleteOptionsCauses(q(`orphanDependents=${v}&propagationPolicy=Background`), {}))).to.deep.equal(['propagationPolicy: Invalid value: "Background": orphanDependents and deletionPropagation cannot be both set']);
      }
    });
    it('orphanDependents alone is allowed', () => expect(deleteOptionsCauses(q('orphanDependents=True'), {})).to.deep.equal([]));
  });

  describe('ListOptions', () => {
    const table: Array<[string, boolean, string[]]> = [
      ['', false, []],
      ['resourceVersion=5&resourceVersionMatch=Exact', false, []],
      ['resourceVersion=5&resourceVersionMatch=NotOlderThan', false, []],
      ['resourceVersionMatch=Exact', false, ['resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided']],
      ['resourceVersion=5&resourceVersionMatch=Weird', false, ['resourceVersionMatch: Unsupported value: "Weird": supported values: "Exact", "NotOlderThan", ""']],
      ['resourceVersion=0&resourceVersionMatch=Exact', false, ['resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"']],
      ['resourceVersion=5&resourceVersionMatch=Exact&continue=abc', false, ['resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided']],
      ['sendInitialEvents=true', false, ['sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list']],
      ['', true, []],
      ['sendInitialEvents=true&resourceVersionMatch=NotOlderThan', true, []],
      ['sendInitialEvents=false&resourceVersionMatch=NotOlderThan', true, []],
      ['sendInitialEvents=true', true, ['resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan']],
      ['resourceVersionMatch=NotOlderThan', true, ['resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided']],
      ['sendInitialEvents=1&resourceVersionMatch=Exact', true, [
        'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
        'resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"',
      ]],
    ];
    for (const [s, watch, want] of table) {
      it(`${watch ? 'watch' : 'list'} ${s || '(no options)'} → ${want.length ? want.length + ' cause(s)' : 'allowed'}`, () => {
        expect(messages(listOptionsCauses(q(s), watch))).to.deep.equal(want);
      });
    }
  });

  it('the 422 names the options kind like kube-apiserver', () => {
    const err = optionsInvalid('CreateOptions', dryRunCauses(['x']));
    expect(err.httpCode).to.equal(422);
    expect(err.message).to.equal('CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"x"}: supported values: "All"');
    expect(err.toStatus().details).to.deep.include({ group: 'meta.k8s.io', kind: 'CreateOptions' });
  });

  it('writeOptions throws that 422 and ignores fieldValidation on a delete, as DeleteOptions has none', () => {
    expect(() => writeOptions(q('fieldValidation=Bogus'), undefined, 'UpdateOptions')).to.throw(ApiError, /^UpdateOptions\.meta\.k8s\.io "" is invalid: fieldValidation/);
    expect(writeOptions(q('fieldValidation=Bogus&dryRun=All'), undefined, 'DeleteOptions')).to.include({ dryRun: true, fieldValidation: undefined });
    expect(writeOptions(q('fieldValidation=Strict&fieldManager=me'), undefined, 'PatchOptions')).to.include({ dryRun: false, fieldValidation: 'Strict', fieldManager: 'me' });
  });
});
