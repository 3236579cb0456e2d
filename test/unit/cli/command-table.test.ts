import { expect } from 'chai';
import { Command } from 'commander';
import { CLIENT_COMMANDS, COMMANDS, registerCommands } from '../../../src/cli/command-table.js';

// The CLI loads only the module of the command being run, found by name in COMMANDS: a name
// missing there (or listed under the wrong module) would make that command unknown.

const registered = (program: Command) => program.commands.map((c) => c.name());

describe('the CLI command table', () => {
  it('lists, for each module, exactly the commands that module registers', async function () {
    this.timeout(120_000); // the first import of every command module compiles them all (tsx)
    for (const entry of COMMANDS) {
      const program = new Command('okube');
      (await entry.load())(program);
      expect(registered(program)).to.deep.equal(entry.names);
    }
  });

  it('registers only the named command when argv names one', async () => {
    const program = new Command('okube');
    await registerCommands(program, 'uncordon');
    expect(registered(program)).to.deep.equal(['cordon', 'uncordon', 'drain']);
  });

  it('registers no command for the version flags (okube --version loads nothing)', async () => {
    for (const flag of ['--version', '-V']) {
      const program = new Command('okube');
      await registerCommands(program, flag);
      expect(registered(program), flag).to.deep.equal([]);
    }
  });

  it('registers every command when argv names none (help, a bare okube, a typo)', async () => {
    const all = COMMANDS.flatMap((c) => c.names);
    for (const name of [undefined, '--help', 'gett']) {
      const program = new Command('okube');
      await registerCommands(program, name);
      expect(registered(program), String(name)).to.deep.equal(all);
    }
  });

  it('every client command, down to its subcommands, takes -n, --kubeconfig and --context (they may come before it)', async function () {
    this.timeout(120_000);
    const leaves = (c: Command): Command[] => (c.commands.length ? c.commands.flatMap(leaves) : [c]);
    for (const name of CLIENT_COMMANDS) {
      const program = new Command('okube');
      await registerCommands(program, name);
      const cmd = program.commands.find((c) => c.name() === name || c.aliases().includes(name));
      expect(cmd, name).to.not.equal(undefined);
      for (const leaf of leaves(cmd!)) {
        const flags = leaf.options.flatMap((o) => [o.short, o.long]);
        expect(flags, `${name} ${leaf.name()}`).to.include.members(['-n', '--namespace', '--kubeconfig', '--context']);
      }
    }
  });
});
