import { existsSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isMap, isSeq, parseDocument, Scalar, type Document } from 'yaml';
import { ApiTokenSchema, BUILT_IN_ROLES } from '../domain/auth/policy.js';
import { FleetConfigFileSchema, type FleetConfigFile } from '../domain/cluster/accounts.js';
import { describeProblems, parseWith } from '../domain/validation.js';
import { yamlTextProblem } from '../yaml-text.js';
import { CommandError, UsageError } from './errors.js';

/**
 * Edits the access section of the Fleetflow config file in place. The file is read as a YAML
 * document (JSON is YAML too) so comments, order and layout of everything else survive; the
 * result is validated as a whole before it replaces the file, and the replacement is a rename,
 * so a reader never sees half a file and a refusal leaves the file as it was.
 */

/** A token to add: its name, the role it gets, and the hash of its value. */
export interface NewToken {
  name: string;
  role: string;
  hash: string;
}

/** The config file read as a document, and what it holds (validated). */
interface ConfigDocument {
  doc: Document;
  config: FleetConfigFile;
  exists: boolean;
}

function readConfigDocument(file: string, allowMissing: boolean): ConfigDocument {
  const exists = existsSync(file);
  if (!exists && !allowMissing) throw new CommandError(`no config file ${file}`);
  let text = '';
  try {
    if (exists) text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CommandError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const notYaml = (why: string) => new UsageError(`${file}: not valid YAML or JSON: ${why.split('\n')[0]}`);
  const problem = yamlTextProblem(text);
  if (problem) throw notYaml(problem);
  const doc = parseDocument(text, { logLevel: 'silent' });
  if (doc.errors.length) throw notYaml(doc.errors[0]!.message);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }); // an unresolved alias or an alias bomb throws here, not while parsing
  } catch (e) {
    throw notYaml(e instanceof Error ? e.message : String(e));
  }
  const parsed = parseWith(FleetConfigFileSchema, data ?? {}, '');
  if (!parsed.ok) throw new UsageError(`${file} is not a valid config file, fix it first: ${describeProblems(parsed.problems)}`);
  return { doc, config: parsed.value, exists };
}

/** The validated config of an existing file. */
export function readConfig(file: string): FleetConfigFile {
  return readConfigDocument(file, false).config;
}

/** Appends `item` to the list at `path`, making the list (block style) when there is none. */
function append(doc: Document, path: string[], item: unknown) {
  const list = doc.getIn(path, true);
  if (list === undefined || list === null || (list instanceof Scalar && list.value === null)) {
    doc.setIn(path, doc.createNode([item]));
    return;
  }
  if (!isSeq(list)) throw new UsageError(`${path.join('.')} must be a list`);
  if (list.flow && list.items.length === 0) list.flow = false; // `tokens: []` grows into a block list
  list.items.push(doc.createNode(item));
}

/** `{ name: ci, hash: "sha256:..." }`: one line per entry, as the README writes them. */
function flowMap(doc: Document, value: Record<string, unknown>) {
  const node = doc.createNode(value, { flow: true });
  node.flow = true;
  return node;
}

/**
 * Adds the token's hash to access.tokens and a binding `{ role, tokens: [name] }` to
 * access.bindings, creating the file if it is missing. Refuses (and writes nothing) a name
 * that is not a valid token name or already exists, and a role the policy does not define.
 */
export function addApiToken(file: string, token: NewToken): { created: boolean } {
  const name = ApiTokenSchema.shape.name.safeParse(token.name);
  if (!name.success) throw new UsageError(`token name "${token.name}" ${name.error.issues[0]!.message}`);
  const { doc, config, exists } = readConfigDocument(file, true);
  if (config.access.tokens.some((t) => t.name === token.name)) {
    throw new UsageError(`token ${token.name} already exists in ${file}: choose another name, or remove it from access.tokens (and its bindings) first`);
  }
  const roles = [...BUILT_IN_ROLES, ...config.access.roles.map((r) => r.name)];
  if (!roles.includes(token.role)) throw new UsageError(`unknown role "${token.role}" (roles: ${roles.join(', ')})`);

  if (!isMap(doc.contents)) doc.contents = doc.createNode({});
  // A one-line `access: {...}` would grow a line per token: it becomes a block map.
  const access = doc.get('access', true);
  if (isMap(access) && access.flow) access.flow = false;
  const entry = flowMap(doc, { name: token.name, hash: token.hash });
  (entry.items.find((p) => (p.key as Scalar).value === 'hash')!.value as Scalar).type = Scalar.QUOTE_DOUBLE;
  append(doc, ['access', 'tokens'], entry);
  append(doc, ['access', 'bindings'], flowMap(doc, { role: token.role, tokens: [token.name] }));

  const after = parseWith(FleetConfigFileSchema, doc.toJS(), '');
  if (!after.ok) throw new UsageError(`${file}: adding the token would make the file invalid: ${describeProblems(after.problems)}`);
  const text = file.endsWith('.json') ? `${JSON.stringify(doc.toJS(), null, 2)}\n` : doc.toString({ flowCollectionPadding: false, lineWidth: 0 });
  writeReplacing(file, text, exists);
  return { created: !exists };
}

/** Writes beside the file and renames over it, keeping an existing file's mode; a new one is 0600. */
function writeReplacing(file: string, text: string, exists: boolean) {
  const target = exists ? realpathSync(file) : file;
  const temp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, text, { mode: exists ? statSync(target).mode & 0o777 : 0o600, flag: 'wx' });
    renameSync(temp, target);
  } catch (e) {
    rmSync(temp, { force: true });
    throw new CommandError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}
