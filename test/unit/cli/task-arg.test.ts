import { expect } from 'chai';
import { parseTaskArg } from '../../../src/cli/task-arg.js';

const refuse = (type: string) => `not ${type}`;

describe('the TASK argument of logs and exec', () => {
  it('reads a bare name as a Task and TYPE/NAME by any name of the type', () => {
    expect(parseTaskArg('web', ['task'], refuse)).to.deep.equal({ kind: 'task', name: 'web' });
    expect(parseTaskArg('TK/web', ['task'], refuse)).to.deep.equal({ kind: 'task', name: 'web' });
    expect(parseTaskArg('tasksets.okube.dev/web', ['task', 'taskset'], refuse)).to.deep.equal({ kind: 'taskset', name: 'web' });
  });

  it('refuses a type the command does not take, and a TYPE/ without a name', () => {
    expect(() => parseTaskArg('taskset/web', ['task'], refuse)).to.throw('not taskset');
    expect(() => parseTaskArg('pod/web', ['task', 'taskset'], refuse)).to.throw('not pod');
    expect(() => parseTaskArg('task/', ['task'], refuse)).to.throw('arguments in resource/name form must have a single resource and name');
  });
});
