import { memoized } from '../../shared/memo.js';
/**
 * Elasticsearch's wildcard patterns as regular expressions: `*` is any run of characters; `?` is one
 * character in wildcard queries and `_source` filters, but a plain character in index and template names.
 * Compiled patterns are kept, since the same few are matched on every request: keyed by the options' two
 * characters (`?` or `-`, `i` or `-`), then the pattern.
 */
const compiled = memoized(10_000, (key) => {
  const singleChar = key[0] === '?';
  const escaped = key.slice(2).replace(singleChar ? /[.+^${}()|[\]\\]/g : /[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`^${singleChar ? escaped.replaceAll('?', '.') : escaped}$`, key[1] === 'i' ? 'i' : '');
});

export function globToRegex(pattern: string, options: { singleChar?: boolean; caseInsensitive?: boolean } = {}): RegExp {
  return compiled(`${options.singleChar === true ? '?' : '-'}${options.caseInsensitive === true ? 'i' : '-'}${pattern}`);
}

/** An index, alias, template or setting name against a pattern. */
export function matchesPattern(pattern: string, name: string): boolean {
  return pattern === name || (pattern.includes('*') && globToRegex(pattern).test(name));
}
