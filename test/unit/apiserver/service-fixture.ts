import { fileURLToPath } from 'node:url';
import { Registry } from '../../../src/apiserver/registry.js';
import { writeOptions } from '../../../src/apiserver/request-options.js';
import { ResourceService } from '../../../src/apiserver/resources.js';
import { builtinDefs, loadCrds } from '../../../src/apiserver/schema/index.js';
import { MemoryStore } from '../../../src/storage/index.js';

// okube's REST semantics over an in-memory store, with the built-ins and okube's CRDs served and
// the namespace "default" created: the real write paths without a server.

const CRDS = fileURLToPath(new URL('../../../crds', import.meta.url));

export async function serviceWithDefaultNamespace(): Promise<{ service: ResourceService; registry: Registry; q: URLSearchParams }> {
  const registry = new Registry([...builtinDefs(), ...loadCrds(CRDS)]);
  const service = new ResourceService(new MemoryStore(), registry);
  const q = new URLSearchParams({ fieldManager: 'test' });
  await service.create(registry.find('', 'Namespace')!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }, writeOptions(q, undefined, 'CreateOptions'), 'test');
  return { service, registry, q };
}
