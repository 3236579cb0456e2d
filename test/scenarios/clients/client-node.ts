import * as k8s from '@kubernetes/client-node';

// A user's Node.js program against okube, through @kubernetes/client-node, run as its own process
// (`node --import tsx client-node.ts NS NAME IMAGE COMMAND-AS-JSON`, KUBECONFIG set): creates a Task, watches it
// until the controllers report it Running, merge-patches a label and an env var onto it, and
// prints one JSON line: the watch events it saw, the patch response and a fresh read.

interface Task { metadata: k8s.V1ObjectMeta; spec: Record<string, unknown>; status?: { phase?: string; containerID?: string } }
const G = 'okube.dev';
const V = 'v1alpha1';
const P = 'tasks';

async function main(): Promise<void> {
  const [namespace, name, image, command] = process.argv.slice(2);
  if (!namespace || !name || !image || !command) throw new Error('usage: client-node.ts NAMESPACE NAME IMAGE COMMAND-AS-JSON');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);

  const created = (await api.createNamespacedCustomObject({
    group: G, version: V, namespace, plural: P,
    body: { apiVersion: `${G}/${V}`, kind: 'Task', metadata: { name }, spec: { image, command: JSON.parse(command) as string[] } },
  })) as Task;

  const events: { type: string; resourceVersion?: string; phase?: string; containerID?: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no Running within 60 s; events: ${JSON.stringify(events)}`)), 60_000);
    let abort: AbortController | undefined;
    new k8s.Watch(kc)
      .watch(`/apis/${G}/${V}/namespaces/${namespace}/${P}`, { resourceVersion: created.metadata.resourceVersion, fieldSelector: `metadata.name=${name}` }, (type, obj: Task) => {
        events.push({ type, resourceVersion: obj.metadata?.resourceVersion, phase: obj.status?.phase, containerID: obj.status?.containerID });
        if (obj.status?.phase === 'Running') {
          clearTimeout(timer);
          abort?.abort();
          resolve();
        }
      }, (err) => {
        // An abort after Running ends the watch on purpose.
        if (err && !(err instanceof Error && err.name === 'AbortError')) reject(err instanceof Error ? err : new Error(String(err)));
      })
      .then((a) => (abort = a), reject);
  });

  const patched = (await api.patchNamespacedCustomObject(
    { group: G, version: V, namespace, plural: P, name, body: { metadata: { labels: { via: 'client-node' } }, spec: { env: [{ name: 'GREETING', value: 'hello' }] } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  )) as Task;
  const read = (await api.getNamespacedCustomObject({ group: G, version: V, namespace, plural: P, name })) as Task;
  process.stdout.write(`${JSON.stringify({ created, events, patched, read })}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const body = (err as { body?: unknown }).body;
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}${body ? ` ${JSON.stringify(body)}` : ''}\n`);
    process.exit(1);
  },
);
