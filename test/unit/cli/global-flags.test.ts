import { expect } from 'chai';
import { hoistGlobalFlags } from '../../../src/cli/global-flags.js';

const CLIENT = new Set(['get', 'apply', 'rollout', 'logs']);

describe('kubectl-style global flags before the command', () => {
  it('moves -n, --kubeconfig and --context before a client command to its end', () => {
    expect(hoistGlobalFlags(['-n', 'team', '--kubeconfig', '/k', 'get', 'tasks'], CLIENT)).to.deep.equal(['get', 'tasks', '-n', 'team', '--kubeconfig', '/k']);
  });

  it('takes the --flag=value and -nVALUE spellings', () => {
    expect(hoistGlobalFlags(['--context=prod', '-nteam', 'apply', '-f', 'x.yaml'], CLIENT)).to.deep.equal(['apply', '-f', 'x.yaml', '--context=prod', '-nteam']);
  });

  it('moves --token and -s/--server too', () => {
    expect(hoistGlobalFlags(['--token', 't', '-s', 'https://h:1', 'get', 'tasks'], CLIENT)).to.deep.equal(['get', 'tasks', '--token', 't', '-s', 'https://h:1']);
  });

  it('puts them before a `--`, so they stay flags', () => {
    expect(hoistGlobalFlags(['-n', 'a', 'logs', 'web', '--', '-n'], CLIENT)).to.deep.equal(['logs', 'web', '-n', 'a', '--', '-n']);
  });

  it('keeps nested subcommands in place (rollout status)', () => {
    expect(hoistGlobalFlags(['--namespace', 'a', 'rollout', 'status', 'taskset/web'], CLIENT)).to.deep.equal(['rollout', 'status', 'taskset/web', '--namespace', 'a']);
  });

  it('leaves a command line alone when the flags precede something that is not a client command', () => {
    for (const args of [['--kubeconfig', '/k', 'up'], ['-n', 'a'], ['-n'], ['--bogus', 'get'], ['get', '-n', 'a']]) {
      expect(hoistGlobalFlags(args, CLIENT), args.join(' ')).to.deep.equal(args);
    }
  });
});
