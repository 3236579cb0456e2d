import { expect } from 'chai';
import { newEvent } from '../../../src/client/event-body.js';
import type { KubeObject } from '../../../src/api/types.js';

const task: KubeObject = { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 'web', namespace: 'default', uid: 'u1' } };

describe('newEvent', () => {
  it('names the Event <object>.<hex nanoseconds>, as client-go does', () => {
    const ev = newEvent(task, 'Normal', 'Created', 'Created container', new Date('2026-12-06T04:19:37.782Z'), 'okube-controllers');
    expect(ev.name).to.match(/^web\.[0-9a-f]{16}$/);
    const nanos = BigInt(`0x${ev.name.slice('web.'.length)}`);
    expect(nanos / 1_000_000n).to.equal(BigInt(Date.parse('2026-12-06T04:19:37.782Z')));
  });

  it('gives Events recorded one after another in the same millisecond names in recording order', () => {
    const now = new Date('2026-12-06T04:19:37.782Z');
    const names = ['Created', 'Started', 'Unhealthy', 'Killing'].map((reason) => newEvent(task, 'Normal', reason, reason, now, 'okube-controllers').name);
    expect([...names].sort()).to.deep.equal(names);
    expect(new Set(names).size).to.equal(names.length);
  });

  it('gives an Event of a later millisecond a name after those of an earlier one', () => {
    const first = newEvent(task, 'Normal', 'Created', 'm', new Date('2026-12-06T04:19:37.782Z'), 'c').name;
    const later = newEvent(task, 'Normal', 'Started', 'm', new Date('2026-12-06T04:19:37.783Z'), 'c').name;
    expect(later > first).to.equal(true);
  });
});
