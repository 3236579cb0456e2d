import { expect } from 'chai';
import pino from 'pino';
import { CachedEvent } from '../../../src/apiserver/cache/cached-event.js';
import type { RegistrySink } from '../../../src/apiserver/cache/registry-feed.js';
import { DefaultServiceAccounts, missingDefaults } from '../../../src/apiserver/default-service-accounts.js';

// The serviceaccounts controller's decisions on plain registry data: which namespaces get a
// `default` ServiceAccount, from a reset and from later events.

const NS = '/registry/core/namespaces/';
const SA = '/registry/core/serviceaccounts/';
const ns = (name: string, deleting = false) => ({ key: `${NS}${name}`, value: JSON.stringify({ metadata: { name, ...(deleting ? { deletionTimestamp: '2026-12-04T00:00:00Z' } : {}) } }), modRevision: 1, createRevision: 1 });
const sa = (namespace: string, name: string) => ({ key: `${SA}${namespace}/${name}`, value: '{}', modRevision: 1, createRevision: 1 });
const tick = () => new Promise((r) => setImmediate(r));

function harness() {
  let sink: RegistrySink | undefined;
  const created: string[] = [];
  const controller = new DefaultServiceAccounts({
    feed: { subscribe: (s) => ((sink = s), () => undefined) },
    namespacesPrefix: NS,
    serviceAccountsPrefix: SA,
    create: async (n) => {
      created.push(n);
    },
    log: pino({ level: 'silent' }),
  });
  controller.start();
  return { sink: () => sink!, created, controller };
}

describe('default ServiceAccounts', () => {
  it('are missing in the namespaces not being deleted that lack one', () => {
    expect(missingDefaults(new Set(['a', 'b', 'c']), new Set(['b']))).to.deep.equal(['a', 'c']);
  });

  it('are created for each namespace of a reset that lacks one, not for one being deleted, not for one that has one', async () => {
    const h = harness();
    h.sink().reset([ns('a'), ns('b'), ns('gone', true), sa('b', 'default'), sa('a', 'ci')], 5);
    await tick();
    expect(h.created).to.deep.equal(['a']);
    h.controller.stop();
  });

  it('are created for a new namespace and again when one is deleted, and not when the namespace goes', async () => {
    const h = harness();
    h.sink().reset([ns('a'), sa('a', 'default')], 5);
    h.sink().event(new CachedEvent({ type: 'put', key: `${NS}new`, value: ns('new').value, revision: 6, createRevision: 6 }));
    await tick();
    expect(h.created).to.deep.equal(['new']);
    h.sink().event(new CachedEvent({ type: 'put', key: `${NS}a`, value: ns('a', true).value, revision: 7 }));
    h.sink().event(new CachedEvent({ type: 'delete', key: `${SA}a/default`, revision: 8 }));
    h.sink().event(new CachedEvent({ type: 'delete', key: `${SA}new/default`, revision: 9 }));
    await tick();
    expect(h.created, 'made again in new; not in a, which is being deleted').to.deep.equal(['new', 'new']);
    h.controller.stop();
  });
});
