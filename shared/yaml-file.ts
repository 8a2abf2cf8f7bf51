import { LineCounter, isNode, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';

/** A mistake in a YAML file Sluice reads (the SLO file, the notifier's), one line per problem with its line number. */
export class YamlFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
    what = 'file',
  ) {
    super(`invalid ${what} ${file}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'YamlFileError';
  }
}

/** The node at `path`, or at its nearest ancestor that exists (a missing key is reported at its parent). */
function nodeAt(document: ReturnType<typeof parseDocument>, path: readonly PropertyKey[]): Node | undefined {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const found = document.getIn(path.slice(0, depth) as (string | number)[], true);
    if (isNode(found)) return found;
  }
  return undefined;
}

/** Where in a YAML file a zod issue is, as its problems name it: `slos.0.objective`, or `(file)` for the whole. */
export function issuePath(issue: z.core.$ZodIssue): string {
  return issue.path.length > 0 ? issue.path.join('.') : '(file)';
}

/** Parses YAML and validates it with a zod schema; every problem is reported with its line and path. */
export function parseYamlFile<S extends z.ZodType>(schema: S, text: string, file: string, what: string): z.output<S> {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new YamlFileError(file, document.errors.map((e) => `line ${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`), what);
  }
  const parsed = schema.safeParse(document.toJS());
  if (parsed.success) return parsed.data;
  throw new YamlFileError(
    file,
    parsed.error.issues.map((issue) => {
      const node = nodeAt(document, issue.path);
      const where = node?.range ? `line ${lines.linePos(node.range[0]).line}` : 'top level';
      return `${where}: ${issuePath(issue)}: ${issue.message}`;
    }),
    what,
  );
}
