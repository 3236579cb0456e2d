import { expect } from 'chai';
import type { PersistentVolumeClaim } from '../../../../src/api/types.js';
import { CLAIM_PROTECTION_FINALIZER, holdsClaims, protectionAction } from '../../../../src/controllers/task/claim-protection.js';
import { task } from './fixtures.js';

const claim = (meta: Partial<PersistentVolumeClaim['metadata']> = {}): PersistentVolumeClaim => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'ns', ...meta }, spec: {} }) as PersistentVolumeClaim;

describe('claim protection', () => {
  it('adds the finalizer to a live claim in use that lacks it, and leaves one that has it', () => {
    expect(protectionAction(claim(), true)).to.equal('add');
    expect(protectionAction(claim({ finalizers: [CLAIM_PROTECTION_FINALIZER] }), true)).to.equal(undefined);
  });

  it('leaves a claim no Task uses without the finalizer, and takes it off one no longer used', () => {
    expect(protectionAction(claim(), false)).to.equal(undefined);
    expect(protectionAction(claim({ finalizers: ['other', CLAIM_PROTECTION_FINALIZER] }), false)).to.equal('remove');
  });

  it('keeps a deleted claim while a Task holds it, and releases it when none does', () => {
    const deleting = claim({ deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['other', CLAIM_PROTECTION_FINALIZER] });
    expect(protectionAction(deleting, true)).to.equal(undefined);
    expect(protectionAction(deleting, false)).to.equal('remove');
    expect(protectionAction(claim({ deletionTimestamp: '2026-01-01T00:00:00Z' }), true), 'never added to a claim being deleted').to.equal(undefined);
  });

  it('counts placed, unfinished Tasks (also one being deleted) as holders; finished or unplaced ones not', () => {
    expect(holdsClaims(task({}, { phase: 'Running' }))).to.equal(true);
    expect(holdsClaims(task())).to.equal(true);
    expect(holdsClaims(task({}, undefined, { deletionTimestamp: '2026-01-01T00:00:00Z' }))).to.equal(true);
    expect(holdsClaims(task({}, { phase: 'Succeeded' }))).to.equal(false);
    expect(holdsClaims(task({}, { phase: 'Failed' }))).to.equal(false);
    expect(holdsClaims(task({ nodeName: undefined }, { phase: 'Pending' }))).to.equal(false);
  });
});
