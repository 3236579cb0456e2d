import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import type { TaskSet } from '../../../../src/api/types.js';
import { compileSchema } from '../../../../src/apiserver/schema/index.js';
import { renderTaskSetCrd, TASKSET_CRD_OUTPUTS } from '../../../../hack/gen-crds.js';
import { causesOf, taskDef, taskSetDef } from './helpers.js';

// The TaskSet CRD: generated from hack/crds/tasksets.base.yaml + the Task spec schema, and the
// validation a Deployment gets from kube-apiserver's Go code expressed as CEL.

function taskSet(spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'okube.dev/v1alpha1', kind: 'TaskSet', metadata: { name: 'web', namespace: 'default' }, spec };
}
const template = { metadata: { labels: { app: 'web', tier: 'a' } }, spec: { image: 'okube-test/busybox:latest' } };
const fields = (spec: Record<string, unknown>) => causesOf(taskSet(spec), taskSetDef).map((c) => c.field);

describe('TaskSet CRD: generated file', () => {
  for (const f of TASKSET_CRD_OUTPUTS) {
    it(`${f} is what hack/gen-crds.ts generates (run npx tsx hack/gen-crds.ts)`, () => {
      expect(readFileSync(f, 'utf8')).to.equal(renderTaskSetCrd());
    });
  }

  it('the template spec schema is the Task CRD spec schema', () => {
    const tmpl = taskSetDef.schema.properties!.spec.properties!.template.properties!.spec;
    expect(tmpl).to.deep.equal(taskDef.schema.properties!.spec);
  });

  it('declares the scale subresource over spec.replicas, status.replicas and status.selector', () => {
    const doc = yaml.load(readFileSync('crds/tasksets.okube.dev.yaml', 'utf8')) as { spec: { versions: Array<{ subresources: unknown }> } };
    expect(doc.spec.versions[0].subresources).to.deep.equal({
      status: {},
      scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
    });
  });

  it('short name tks, categories okube and all', () => {
    expect(taskSetDef).to.include({ kind: 'TaskSet', plural: 'tasksets', namespaced: true });
    expect(taskSetDef.shortNames).to.deep.equal(['tks']);
    expect(taskSetDef.categories).to.deep.equal(['okube', 'all']);
  });

  it('printer columns are a Deployment\'s: Ready, Up-To-Date, Available, Age; Image and Selector with -o wide', () => {
    expect(taskSetDef.printerColumns.filter((c) => !c.priority).map((c) => c.name)).to.deep.equal(['Ready', 'Up-To-Date', 'Available', 'Age']);
    expect(taskSetDef.printerColumns.filter((c) => c.priority === 1).map((c) => c.name)).to.deep.equal(['Image', 'Selector']);
  });
});

describe('TaskSet CRD: defaults and validation', () => {
  it('defaults replicas 1, RollingUpdate, minReadySeconds 0, progressDeadlineSeconds 600, not paused', () => {
    const obj = taskSet({ selector: { matchLabels: { app: 'web' } }, template: structuredClone(template) }) as unknown as TaskSet;
    const schema = compileSchema(taskSetDef);
    schema.applyDefaults(obj);
    expect(obj.spec).to.include({ replicas: 1, minReadySeconds: 0, progressDeadlineSeconds: 600, paused: false });
    expect(obj.spec.strategy).to.deep.equal({ type: 'RollingUpdate' });
  });

  it('defaults maxSurge and maxUnavailable to 25% when rollingUpdate is given', () => {
    const obj = taskSet({ selector: { matchLabels: { app: 'web' } }, template: structuredClone(template), strategy: { rollingUpdate: {} } }) as unknown as TaskSet;
    compileSchema(taskSetDef).applyDefaults(obj);
    expect(obj.spec.strategy!.rollingUpdate).to.deep.equal({ maxSurge: '25%', maxUnavailable: '25%' });
  });

  it('the template spec gets the Task defaults', () => {
    const obj = taskSet({ selector: { matchLabels: { app: 'web' } }, template: structuredClone(template) }) as unknown as TaskSet;
    compileSchema(taskSetDef).applyDefaults(obj);
    expect(obj.spec.template.spec).to.include({ restartPolicy: 'Always', imagePullPolicy: 'IfNotPresent', terminationGracePeriodSeconds: 30 });
  });

  it('accepts matchLabels and each matchExpressions operator that the template labels satisfy', () => {
    expect(fields({ selector: { matchLabels: { app: 'web' } }, template })).to.deep.equal([]);
    expect(fields({ selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }, template })).to.deep.equal([]);
    expect(fields({ selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['b'] }] }, template })).to.deep.equal([]);
    expect(fields({ selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, template })).to.deep.equal([]);
    expect(fields({ selector: { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, template })).to.deep.equal([]);
  });

  it('rejects a label value no Task could carry (over 63 characters, bad characters) in the selector and the template, at the TaskSet', () => {
    const long = 'x'.repeat(64);
    expect(fields({ selector: { matchLabels: { app: long } }, template: { ...template, metadata: { labels: { app: long } } } })).to.deep.equal(['spec.selector.matchLabels.app', 'spec.template.metadata.labels.app']);
    expect(fields({ selector: { matchLabels: { app: 'web' } }, template: { ...template, metadata: { labels: { app: 'web', tier: 'a b' } } } })).to.deep.equal(['spec.template.metadata.labels.tier']);
  });

  it('rejects a selector the template labels do not match, at spec.template.metadata.labels', () => {
    const causes = causesOf(taskSet({ selector: { matchLabels: { app: 'db' } }, template }), taskSetDef);
    expect(causes.map((c) => c.field)).to.deep.equal(['spec.template.metadata.labels']);
    expect(causes[0].message).to.include('`selector` does not match template `labels`');
    expect(fields({ selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }, template })).to.deep.equal(['spec.template.metadata.labels']);
    expect(fields({ selector: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, template })).to.deep.equal(['spec.template.metadata.labels']);
  });

  it('rejects a template restartPolicy other than Always, at spec.template.spec.restartPolicy, as kube-apiserver does for a Deployment', () => {
    for (const restartPolicy of ['Never', 'OnFailure']) {
      const causes = causesOf(taskSet({ selector: { matchLabels: { app: 'web' } }, template: { ...template, spec: { ...template.spec, restartPolicy } } }), taskSetDef);
      expect(causes.map((c) => [c.field, c.reason]), restartPolicy).to.deep.equal([['spec.template.spec.restartPolicy', 'FieldValueNotSupported']]);
      expect(causes[0].message).to.include('supported values: "Always"');
    }
  });

  it('accepts restartPolicy Always, spelled out or defaulted', () => {
    expect(fields({ selector: { matchLabels: { app: 'web' } }, template: { ...template, spec: { ...template.spec, restartPolicy: 'Always' } } })).to.deep.equal([]);
    expect(fields({ selector: { matchLabels: { app: 'web' } }, template })).to.deep.equal([]);
  });

  it('rejects an empty selector', () => {
    expect(fields({ selector: {}, template })).to.deep.equal(['spec.selector']);
  });

  it('rejects In without values', () => {
    expect(fields({ selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In' }] }, template })).to.include('spec.selector.matchExpressions[0].values');
  });

  it('rejects maxSurge and maxUnavailable both 0 (as numbers or percents)', () => {
    const base = { selector: { matchLabels: { app: 'web' } }, template };
    expect(fields({ ...base, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } })).to.deep.equal(['spec.strategy.rollingUpdate.maxUnavailable']);
    expect(fields({ ...base, strategy: { rollingUpdate: { maxSurge: '0%', maxUnavailable: 0 } } })).to.deep.equal(['spec.strategy.rollingUpdate.maxUnavailable']);
    expect(fields({ ...base, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } })).to.deep.equal([]);
  });

  it('rejects a percent that is not one, and maxUnavailable above 100%', () => {
    const base = { selector: { matchLabels: { app: 'web' } }, template };
    expect(fields({ ...base, strategy: { rollingUpdate: { maxSurge: 'x', maxUnavailable: '101%' } } })).to.have.members(['spec.strategy.rollingUpdate.maxSurge', 'spec.strategy.rollingUpdate.maxUnavailable']);
  });

  it('rejects rollingUpdate with type Recreate', () => {
    expect(fields({ selector: { matchLabels: { app: 'web' } }, template, strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } })).to.deep.equal(['spec.strategy.rollingUpdate']);
  });

  it('validates the template spec as a Task spec (a probe without a handler)', () => {
    expect(fields({ selector: { matchLabels: { app: 'web' } }, template: { ...template, spec: { image: 'x', livenessProbe: { periodSeconds: 1 } } } })).to.deep.equal(['spec.template.spec.livenessProbe']);
  });

  it('the selector is immutable', () => {
    const schema = compileSchema(taskSetDef);
    const old = taskSet({ selector: { matchLabels: { app: 'web' } }, template });
    const next = taskSet({ selector: { matchLabels: { app: 'web', tier: 'a' } }, template });
    schema.applyDefaults(old);
    schema.applyDefaults(next);
    expect(schema.validate(next, old).map((c) => c.field)).to.deep.equal(['spec.selector']);
  });
});
