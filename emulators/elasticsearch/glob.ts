/**
 * Elasticsearch's wildcard patterns as regular expressions: `*` is any run of characters; `?` is one
 * character in wildcard queries and `_source` filters, but a plain character in index and template names.
 * Compiled patterns are kept, since the same few are matched on every request.
 */
const compiled = new Map<string, RegExp>();

export function globToRegex(pattern: string, options: { singleChar?: boolean; caseInsensitive?: boolean } = {}): RegExp {
  const key = `${options.singleChar === true ? '?' : '-'}${options.caseInsensitive === true ? 'i' : '-'}${pattern}`;
  let regex = compiled.get(key);
  if (regex === undefined) {
    const escaped = pattern.replace(options.singleChar === true ? /[.+^${}()|[\]\\]/g : /[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
    regex = new RegExp(`^${options.singleChar === true ? escaped.replaceAll('?', '.') : escaped}$`, options.caseInsensitive === true ? 'i' : '');
    if (compiled.size < 10_000) compiled.set(key, regex);
  }
  return regex;
}

/** An index, alias, template or setting name against a pattern. */
export function matchesPattern(pattern: string, name: string): boolean {
  return pattern === name || (pattern.includes('*') && globToRegex(pattern).test(name));
}
