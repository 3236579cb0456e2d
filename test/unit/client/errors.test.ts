import { expect } from 'chai';
import { apiError, hasStatusCause } from '../../../src/client/errors.js';

// client-node failures carry the API's Status as a JSON string body; okube reads reason and causes from it.

const terminating = {
  code: 403,
  body: JSON.stringify({
    kind: 'Status',
    reason: 'Forbidden',
    message: 'unable to create new content in namespace x because it is being terminated',
    details: { causes: [{ reason: 'NamespaceTerminating', field: 'metadata.namespace' }] },
  }),
};

describe('client API errors', () => {
  it('finds a Status cause by type in a client-node failure and in the OkubeError made from it', () => {
    expect(hasStatusCause(terminating, 'NamespaceTerminating')).to.equal(true);
    expect(hasStatusCause(apiError(terminating, 'create event'), 'NamespaceTerminating')).to.equal(true);
  });

  it('finds no cause in a failure without one, or with another type, or with a body that is not JSON', () => {
    expect(hasStatusCause({ code: 403, body: '{"kind":"Status","reason":"Forbidden"}' }, 'NamespaceTerminating')).to.equal(false);
    expect(hasStatusCause({ code: 422, body: '{"details":{"causes":[{"reason":"FieldValueInvalid"}]}}' }, 'NamespaceTerminating')).to.equal(false);
    expect(hasStatusCause({ code: 500, body: 'oops' }, 'NamespaceTerminating')).to.equal(false);
    expect(hasStatusCause(new Error('x'), 'NamespaceTerminating')).to.equal(false);
  });

  it('makes a 403 Forbidden OkubeError whose message is the Status message', () => {
    const e = apiError(terminating, 'create event');
    expect(e.code).to.equal('Forbidden');
    expect(e.message).to.equal('create event: unable to create new content in namespace x because it is being terminated');
  });
});
