import { generateApiToken, hashApiToken } from '../api/auth/api-tokens.js';
import { BUILT_IN_ROLES } from '../domain/auth/policy.js';
import { onePositional, outputFormat, printData } from './args.js';
import { addApiToken, readConfig } from './access-file.js';
import { OUTPUT_FLAG, type Args, type CommandSpec, type FlagSpec } from './command-table.js';
import type { CliContext } from './context.js';
import { UsageError } from './errors.js';
import { table } from './table.js';

const CONFIG_FLAG: FlagSpec = { name: 'config', type: 'string', value: 'FILE', help: 'the Fleetflow config file (default: FLEETFLOW_CONFIG)' };

/** `fleetflow api token create|list`: static API tokens for machines, kept as hashes in the config file. */
export const apiTokenCommand: CommandSpec = {
  name: 'token',
  aliases: ['tokens'],
  summary: 'static API tokens for machines (CI, change systems): only their hashes are kept',
  subcommands: [
    {
      name: 'create',
      args: 'NAME --role ROLE',
      summary: 'make a token, add its hash and a binding to the config file, print the token once',
      flags: [{ name: 'role', type: 'string', value: 'ROLE', help: `the role it gets: ${BUILT_IN_ROLES.join(', ')} or a custom role of the file` }, CONFIG_FLAG],
      details: `The token is printed on stdout alone (TOKEN=$(fleetflow api token create ci --role operator) works);
it is not stored anywhere, so copy it now. The file gets { name, hash: "sha256:..." } in access.tokens
and { role, tokens: [NAME] } in access.bindings; a missing file is created. An existing name or an
unknown role changes nothing. Revoke a token by deleting its entry and binding from the file.`,
      run: create,
    },
    { name: 'list', aliases: ['ls'], summary: 'the tokens of the config file and their roles (never their hashes)', flags: [CONFIG_FLAG, OUTPUT_FLAG], run: list },
  ],
};

/** --config, else FLEETFLOW_CONFIG: the file holding access.tokens. */
function configFileOf(args: Args): string {
  const file = args.string('config') ?? process.env.FLEETFLOW_CONFIG;
  if (!file) throw new UsageError(`${args.command}: give --config FILE or set FLEETFLOW_CONFIG`);
  return file;
}

async function create(ctx: CliContext, args: Args) {
  const name = onePositional(args, 'token NAME');
  const role = args.string('role');
  if (!role) throw new UsageError(`${args.command}: --role ROLE is required (${BUILT_IN_ROLES.join(', ')} or a custom role)`);
  const file = configFileOf(args);
  const token = generateApiToken();
  const { created } = addApiToken(file, { name, role, hash: hashApiToken(token) });
  // The sentence goes to stderr so that stdout is the token and nothing else.
  process.stderr.write(
    `token ${name} (role ${role}) added to ${created ? 'the new file ' : ''}${file}. It is shown only now: ` +
      'Fleetflow keeps its hash, not the token, and cannot show it again.\n',
  );
  ctx.out(token);
}

async function list(ctx: CliContext, args: Args) {
  const format = outputFormat(args);
  const { access } = readConfig(configFileOf(args));
  const rows = access.tokens.map((t) => ({
    name: t.name,
    roles: [...new Set(access.bindings.filter((b) => b.tokens?.includes(t.name)).map((b) => b.role))].sort(),
    ...(t.description ? { description: t.description } : {}),
  }));
  if (printData(ctx, format, rows)) return;
  if (!rows.length) return ctx.out('no API tokens');
  ctx.out(table(['name', 'roles', 'description'], rows.map((r) => [r.name, r.roles.join(', ') || '(none: it can do nothing)', r.description ?? ''])));
}
