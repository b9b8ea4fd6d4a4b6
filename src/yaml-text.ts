import { parseDocument } from 'yaml';

/** The largest YAML or JSON file Fleetflow reads: what it reads becomes a payload of at most 2 MiB anyway. */
export const MAX_YAML_BYTES = 8 * 1024 * 1024;
/** The deepest nesting of flow collections ([...] and {...}) a file may have. */
export const MAX_FLOW_DEPTH = 100;

/**
 * Why `text` is refused before it is parsed, or undefined. The yaml parser recurses per level
 * of nesting: about 10,000 nested `[` exhaust the process (a fatal out-of-memory, not an
 * error), so deep nesting is refused here. Quoted strings and comments do not count.
 */
export function yamlTextProblem(text: string): string | undefined {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_YAML_BYTES) return `is larger than 8 MiB (${bytes.toLocaleString('en-US')} bytes)`;
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s[{,:]/.test(text[i - 1]!))) quote = c; // a quote opens only where a scalar starts
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_FLOW_DEPTH) return `nests lists or maps more than ${MAX_FLOW_DEPTH} levels deep`;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}

/**
 * Parses YAML (or JSON) the way every Fleetflow file is read: size and nesting checked first,
 * duplicate keys and alias bombs refused (the yaml library's defaults), warnings not printed.
 * Throws an Error whose message is one line.
 */
export function parseYamlText(text: string): unknown {
  const problem = yamlTextProblem(text);
  if (problem) throw new Error(problem);
  try {
    const doc = parseDocument(text, { logLevel: 'silent' });
    if (doc.errors.length) throw doc.errors[0];
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new Error(firstLine(e));
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}
