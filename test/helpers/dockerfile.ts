/** One instruction of a Dockerfile: its keyword (upper case), its flags (--from=...) and its arguments. */
export interface DockerInstruction {
  keyword: string;
  flags: Record<string, string>;
  args: string[];
  /** The raw text after the keyword (continuations joined). */
  text: string;
}

export interface DockerStage {
  name: string;
  from: string;
  instructions: DockerInstruction[];
}

/**
 * Reads a Dockerfile into its stages, for the packaging test's static checks (there is no
 * Docker on the test machine): comments dropped, backslash continuations joined, ARG defaults
 * before the first FROM substituted into FROM lines, exec-form (JSON array) arguments decoded.
 */
export function parseDockerfile(text: string): { args: Record<string, string>; stages: DockerStage[] } {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const globalArgs: Record<string, string> = {};
  const stages: DockerStage[] = [];
  for (const line of lines) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    const flags: Record<string, string> = {};
    let body = rest;
    for (let m = /^--([a-z-]+)(?:=(\S+))?\s*/.exec(body); m; m = /^--([a-z-]+)(?:=(\S+))?\s*/.exec(body)) {
      flags[m[1]!] = m[2] ?? '';
      body = body.slice(m[0].length);
    }
    const args = body.startsWith('[') ? (JSON.parse(body) as string[]) : body.split(/\s+/).filter(Boolean);
    const instruction = { keyword: upper, flags, args, text: body };
    if (upper === 'ARG' && stages.length === 0) {
      const [name, value = ''] = args[0]!.split('=');
      globalArgs[name!] = value;
    } else if (upper === 'FROM') {
      const image = args[0]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs[a ?? b] ?? '');
      stages.push({ name: args[2] ?? String(stages.length), from: image, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args: globalArgs, stages };
}
