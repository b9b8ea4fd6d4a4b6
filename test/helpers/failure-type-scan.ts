import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
// TypeScript 7 (the native compiler that type-checks the project) has no JavaScript API yet: the
// scan parses with TypeScript 5's, installed beside it under the name typescript-5.
import ts from 'typescript-5';

/** One place in the source that throws or returns a failure type. */
export interface FailureSite {
  /** "src/providers/eks/provider.ts:135" */
  where: string;
  /** The type names the site can produce (string literals, and constants resolved to theirs). */
  types: string[];
  /** Expressions the scan cannot resolve to literals (e.g. `refusal.type`), as written. */
  dynamic: string[];
  /** true: thrown retryable; false: non-retryable; undefined: not said at the site. */
  retryable: boolean | undefined;
  /** How it was thrown, e.g. "new TransientError" or "ApplicationFailure.nonRetryable". */
  how: string;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sourceFiles(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) yield p;
  }
}

const ERROR_CLASSES: Record<string, boolean | undefined> = { PermanentError: false, TransientError: true, FleetflowError: undefined };

/**
 * Finds every failure type thrown or returned in `dirs` (relative to `root`), by syntax:
 * `new PermanentError|TransientError|FleetflowError(message, 'X')` (and `super(message, 'X')`
 * in their subclasses), `ApplicationFailure.nonRetryable|retryable(message, 'X')`,
 * `ApplicationFailure.create({ type: 'X' })`, and, in `objectDirs`, object literals with a
 * `type` and a `message` (refusals, staged outcomes).
 */
export function scanFailureSites(root: string, dirs: readonly string[], objectDirs: readonly string[]): FailureSite[] {
  const files = dirs.flatMap((d) => [...sourceFiles(join(root, d))]);
  const parsed = files.map((f) => ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.ES2022, true));

  // Top-level `const NAME = 'Literal'` of every file, so `PREFLIGHT_REFUSED` resolves.
  const constants = new Map<string, string>();
  for (const sf of parsed) {
    for (const st of sf.statements) {
      if (!ts.isVariableStatement(st)) continue;
      for (const d of st.declarationList.declarations) {
        let init = d.initializer;
        while (init && (ts.isSatisfiesExpression(init) || ts.isAsExpression(init))) init = init.expression;
        if (ts.isIdentifier(d.name) && init && ts.isStringLiteralLike(init)) constants.set(d.name.text, init.text);
      }
    }
  }

  const sites: FailureSite[] = [];
  for (const sf of parsed) {
    const file = relative(root, sf.fileName);
    const objects = objectDirs.some((d) => file.startsWith(`${d}/`));
    const add = (node: ts.Node, expr: ts.Expression | undefined, retryable: boolean | undefined, how: string) => {
      if (!expr) return;
      const types: string[] = [];
      const dynamic: string[] = [];
      const collect = (e: ts.Node): void => {
        if (ts.isStringLiteralLike(e)) types.push(e.text);
        else if (ts.isIdentifier(e) && constants.has(e.text)) types.push(constants.get(e.text)!);
        else if (ts.isConditionalExpression(e)) [e.whenTrue, e.whenFalse].forEach(collect);
        else if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) [e.left, e.right].forEach(collect);
        else if (ts.isParenthesizedExpression(e)) collect(e.expression);
        else if (ts.isArrayLiteralExpression(e)) e.elements.forEach(collect);
        else dynamic.push(e.getText(sf));
      };
      collect(expr);
      const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
      sites.push({ where: `${file}:${line}`, types, dynamic, retryable, how });
    };
    const prop = (o: ts.ObjectLiteralExpression, name: string) =>
      o.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(sf) === name);

    const visit = (node: ts.Node, enclosingBase: string | undefined): void => {
      let base = enclosingBase;
      if (ts.isClassDeclaration(node)) {
        base = node.heritageClauses?.flatMap((h) => h.types.map((t) => t.expression.getText(sf))).find((n) => n in ERROR_CLASSES);
      }
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text in ERROR_CLASSES) {
        const name = node.expression.text;
        const flag = node.arguments?.[2];
        const retryable = name === 'FleetflowError' ? literalBoolean(flag) : ERROR_CLASSES[name];
        // TransientError's type defaults to 'Transient'.
        const type = node.arguments?.[1] ?? (name === 'TransientError' ? ts.factory.createStringLiteral('Transient') : undefined);
        add(node, type, retryable, `new ${name}`);
      }
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.SuperKeyword && base) {
        add(node, node.arguments[1], ERROR_CLASSES[base], `super of ${base}`);
      }
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.expression.getText(sf) === 'ApplicationFailure') {
        const method = node.expression.name.text;
        if (method === 'nonRetryable' || method === 'retryable') add(node, node.arguments[1], method === 'retryable', `ApplicationFailure.${method}`);
        const options = node.arguments[0];
        if (method === 'create' && options && ts.isObjectLiteralExpression(options)) {
          const nonRetryable = prop(options, 'nonRetryable');
          const flag = nonRetryable ? literalBoolean(nonRetryable.initializer) : false;
          add(node, prop(options, 'type')?.initializer, flag === undefined ? undefined : !flag, 'ApplicationFailure.create');
        }
      }
      // A `{ type: 'X', message }` object made here (a refusal, an outcome); one that passes a
      // type along (`type: req.type`) is not a failure made here, so only literals count.
      if (objects && ts.isObjectLiteralExpression(node) && prop(node, 'message') && !isApplicationFailureOptions(node)) {
        const type = prop(node, 'type')?.initializer;
        if (type && literalsOnly(type)) add(node, type, undefined, 'a { type, message } object');
      }
      if (ts.isPropertyAssignment(node) && node.name.getText(sf) === 'nonRetryableErrorTypes') {
        add(node, node.initializer, false, 'nonRetryableErrorTypes');
      }
      ts.forEachChild(node, (c) => visit(c, base));
    };
    visit(sf, undefined);
  }
  return sites;
}

function literalsOnly(e: ts.Expression): boolean {
  if (ts.isStringLiteralLike(e)) return true;
  if (ts.isConditionalExpression(e)) return literalsOnly(e.whenTrue) && literalsOnly(e.whenFalse);
  if (ts.isParenthesizedExpression(e)) return literalsOnly(e.expression);
  return false;
}

function literalBoolean(e: ts.Node | undefined): boolean | undefined {
  if (e?.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (e?.kind === ts.SyntaxKind.FalseKeyword) return false;
  return undefined;
}

/** The options object of ApplicationFailure.create, already reported as its call. */
function isApplicationFailureOptions(o: ts.ObjectLiteralExpression): boolean {
  const call = o.parent;
  return ts.isCallExpression(call) && call.expression.getText() === 'ApplicationFailure.create';
}
