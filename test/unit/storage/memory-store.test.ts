import { expect } from 'chai';
import { MemoryStore } from '../../../src/storage/memory-store.js';
import { storeConformance } from '../../support/store-conformance.js';

storeConformance('memory', async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});

describe('MemoryStore', () => {
  it('releases a watch when its subscriber unsubscribes', async () => {
    const store = new MemoryStore();
    const sub = store.watch('/x/', 0).subscribe();
    expect(store.activeWatches).to.equal(1);
    sub.unsubscribe();
    expect(store.activeWatches).to.equal(0);
  });
});
