// What a user watching Tasks sees (a separate watch, like `kubectl get tasks -w`): the benchmarks
// time against it, so a figure includes the status write reaching a client.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Task } from '../../src/api/types.js';
import { Informer } from '../../src/client/informer.js';
import { ResourceClient, TASKS, objectKey } from '../../src/client/resource-client.js';

export interface TaskWatch {
  informer: Informer<Task>;
  /** Resolves once `count` distinct Tasks have been seen matching `pred` (rejects after timeoutMs). */
  until(pred: (t: Task) => boolean, count: number, timeoutMs: number): Promise<void>;
  stop(): void;
}

export async function watchTasks(kc: KubeConfig): Promise<TaskWatch> {
  const client = new ResourceClient<Task>(kc, TASKS);
  const informer = new Informer<Task>({ kc, name: 'bench-watch', path: client.collectionPath(), list: (o) => client.list(o), resyncMs: 0 });
  informer.start();
  await informer.waitForSync();
  return {
    informer,
    until: (pred, count, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const matched = new Set<string>();
        for (const t of informer.list()) if (pred(t)) matched.add(objectKey(t));
        if (matched.size >= count) return resolve();
        const timer = setTimeout(() => {
          sub.unsubscribe();
          reject(new Error(`only ${matched.size}/${count} Tasks matched within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        const sub = informer.events$.subscribe((e) => {
          const key = objectKey(e.object);
          if (e.type !== 'DELETED' && pred(e.object)) matched.add(key);
          else matched.delete(key);
          if (matched.size >= count) {
            clearTimeout(timer);
            sub.unsubscribe();
            resolve();
          }
        });
      }),
    stop: () => informer.stop(),
  };
}
