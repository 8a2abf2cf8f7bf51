import { memoized } from '../../shared/memo.js';

/**
 * Elasticsearch's wildcard patterns as regular expressions: `*` is any run of characters; `?` is one
 * character in wildcard queries and `_source` filters, but a plain character in index and template names.
 * Compiled patterns are kept, one memo per combination of the options, since the same few are matched on
 * every request.
 */
const compiled = [false, true].flatMap((singleChar) =>
  [false, true].map((caseInsensitive) =>
    memoized(10_000, (pattern) => {
      const escaped = pattern.replace(singleChar ? /[.+^${}()|[\]\\]/g : /[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
      return new RegExp(`^${singleChar ? escaped.replaceAll('?', '.') : escaped}$`, caseInsensitive ? 'i' : '');
    }),
  ),
);

export function globToRegex(pattern: string, options: { singleChar?: boolean; caseInsensitive?: boolean } = {}): RegExp {
  const memo = compiled[(options.singleChar === true ? 2 : 0) + (options.caseInsensitive === true ? 1 : 0)] as (pattern: string) => RegExp;
  return memo(pattern);
}

/** An index, alias, template or setting name against a pattern. */
export function matchesPattern(pattern: string, name: string): boolean {
  return pattern === name || (pattern.includes('*') && globToRegex(pattern).test(name));
}
