import type { TaskSet, TaskSetSpec } from '../../src/api/types.js';
import { testEnv } from './env.js';

/**
 * A TaskSet whose Tasks run the test image in a loop that exits at once on SIGTERM (so rollouts
 * and deletions do not wait out a grace period). `spec` overrides any top-level spec field.
 */
export function taskSetManifest(ns: string, name: string, spec: Partial<TaskSetSpec> = {}, image = testEnv().image): TaskSet {
  // The app label is the name, cut to what a label value may hold (63 characters, alphanumeric at the end).
  const app = name.slice(0, 63).replace(/[^A-Za-z0-9]+$/, '');
  return {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'TaskSet',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app } },
        spec: { image, imagePullPolicy: 'Never', command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 0.2; done"], terminationGracePeriodSeconds: 2 },
      },
      ...spec,
    },
  };
}
