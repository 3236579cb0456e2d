import { expect } from 'chai';
import { logQuery } from '../../../src/apiserver/task-logs.js';
import { logContainer } from '../../../src/runtime/task-containers.js';
import type { ContainerInfo } from '../../../src/runtime/runtime.js';

// tasks/log: PodLogOptions from the query string, and which container a request reads.

const NOW = new Date('2026-12-05T10:00:00Z');
const q = (s: string) => logQuery(new URLSearchParams(s), NOW);
const err = (s: string) => {
  try {
    q(s);
  } catch (e) {
    return (e as { reason: string; message: string });
  }
  throw new Error(`no error for ${s}`);
};

describe('tasks/log query', () => {
  it('defaults to the whole log of the current container, not followed', () => {
    expect(q('')).to.deep.equal({ follow: false, previous: false, timestamps: false });
  });

  it('reads follow, previous, timestamps, tailLines, limitBytes, and sinceSeconds or sinceTime as Unix seconds', () => {
    expect(q('follow=true&previous=1&timestamps=true&tailLines=0&limitBytes=10&sinceSeconds=60')).to.deep.equal({
      follow: true, previous: true, timestamps: true, tailLines: 0, limitBytes: 10, since: NOW.getTime() / 1000 - 60,
    });
    expect(q('sinceTime=2026-12-05T09:00:00.5Z').since).to.equal(Date.parse('2026-12-05T09:00:00.5Z') / 1000);
  });

  it('refuses a negative tailLines, a zero sinceSeconds, both since forms, and a time that is not RFC 3339, naming the parameter', () => {
    expect(err('tailLines=-1')).to.include({ reason: 'BadRequest', message: 'tailLines: must be non-negative, got -1' });
    expect(err('sinceSeconds=0').message).to.equal('sinceSeconds: must be greater than 0, got 0');
    expect(err('sinceSeconds=5&sinceTime=2026-12-05T09:00:00Z').message).to.equal('at most one of sinceTime or sinceSeconds may be specified');
    expect(err('sinceTime=yesterday').message).to.equal('sinceTime: "yesterday" is not an RFC3339 time');
    expect(err('tailLines=abc').reason).to.equal('BadRequest');
  });
});

const c = (id: string, restart: number, status: ContainerInfo['status']): ContainerInfo => ({ id, name: id, image: 'i', labels: { 'okube.dev/restart': String(restart) }, status, running: status === 'running', ports: [] });

describe('the container a log request reads', () => {
  it('is the newest, or with previous the one before it', () => {
    const list = [c('b', 1, 'running'), c('a', 0, 'exited')];
    expect(logContainer(list, false)?.id).to.equal('b');
    expect(logContainer(list, true)?.id).to.equal('a');
    expect(logContainer([c('a', 0, 'running')], true)).to.equal(undefined);
  });

  it('during a crash-loop wait (the next container made, not started) is the one that exited, either way', () => {
    const list = [c('b', 1, 'created'), c('a', 0, 'exited')];
    expect(logContainer(list, false)?.id).to.equal('a');
    expect(logContainer(list, true)?.id).to.equal('a');
  });
});
