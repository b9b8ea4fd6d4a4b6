import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Args, visible, type CommandSpec } from '../../src/cli/command-table.js';
import { COMMANDS } from '../../src/cli/main.js';
import { repoDir } from '../../src/host/toolchain.js';
import { runCli } from '../helpers/fake-cli.js';

/** Every command path in the table, groups included: ["rollout"], ["rollout", "approve"], ... */
function paths(c: CommandSpec = COMMANDS, prefix: CommandSpec[] = []): CommandSpec[][] {
  return visible(c).flatMap((s) => [[...prefix, s], ...paths(s, [...prefix, s])]);
}
const words = (path: CommandSpec[]) => path.map((c) => c.name);

describe('help from the command table', () => {
  // Every command and subcommand, both spellings: usage and flags on stdout, exit 0, nothing run.
  const cases = paths().flatMap((p) => [[...words(p), '--help'], [...words(p), '-h']]);
  it.each(cases.map((argv) => [argv.join(' '), argv] as const))('fleetflow %s prints its usage and flags and exits 0', async (_, argv) => {
    const path = paths().find((p) => words(p).join(' ') === argv.slice(0, -1).join(' '))!;
    const r = await runCli(argv);
    expect(r).toMatchObject({ code: 0, stderr: '', calls: [] });
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^Usage: fleetflow ${argv.slice(0, -1).join(' ')}\\b`));
    for (const f of path.at(-1)!.flags ?? []) expect(r.stdout).toContain(`--${f.name}`);
    expect(r.stdout).toContain('-h, --help');
  });

  it('answers --help even after other words and flags, before running anything', async () => {
    const r = await runCli(['rollout', 'abort', 'rollout/x', '--reason', 'oops', '--help']);
    expect(r).toMatchObject({ code: 0, calls: [] });
    expect(r.stdout).toContain('Usage: fleetflow rollout abort ID [flags]');
    expect(r.stdout).toContain('--rollback');
  });

  it('prints the help of a group given no command, and of any command through `help`', async () => {
    expect((await runCli(['decommission'])).stdout).toContain('Usage: fleetflow decommission COMMAND [flags]');
    expect((await runCli(['help', 'schedules', 'trigger'])).stdout).toContain('Usage: fleetflow schedules trigger ID [flags]');
    const top = await runCli([]);
    expect(top.code).toBe(0);
    for (const p of paths()) if (p.length <= 2) expect(top.stdout).toContain(`  ${p.at(-1)!.name}`);
  });

  it('refuses an unknown command or flag with exit 2, naming the command and what it takes', async () => {
    expect(await runCli(['rollout', 'bogus'])).toMatchObject({ code: 2, stderr: 'error: rollout: unknown command "bogus" (start, status, watch, approve, pause, resume, abort, retry, skip)\n' });
    expect(await runCli(['clusters', 'list', '--colour'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: clusters list: Unknown option '--colour'/) });
    expect(await runCli(['clusters', 'list', '-o', 'xml'])).toMatchObject({ code: 2, stderr: 'error: clusters list: -o must be "table", "json" or "yaml", not "xml"\n' });
  });

  it('fails loudly when a command reads a flag the table does not declare (help and parser cannot drift)', () => {
    const args = new Args('clusters get', {}, [], [{ name: 'output', type: 'string', help: '' }]);
    expect(args.string('output')).toBeUndefined();
    expect(() => args.string('outptu')).toThrow('clusters get: --outptu (string) is not in the command table');
  });

  it("README's CLI reference names every command", () => {
    const readme = readFileSync(join(repoDir, 'README.md'), 'utf8');
    const reference = readme.slice(readme.indexOf('### CLI'), readme.indexOf('### Workflows')).split('\n');
    for (const p of paths()) {
      if (p.length !== 2 || p[0]!.name === 'help') continue;
      const [group, sub] = words(p) as [string, string];
      const lines = reference.filter((l) => l.startsWith(`fleetflow ${group} `));
      expect(lines.some((l) => new RegExp(`[ |]${sub}\\b`).test(l)), `${group} ${sub}`).toBe(true);
    }
  });
});
