import { memoized } from '../../shared/memo.js';

/**
 * Elasticsearch's wildcard patterns as regular expressions: `*` is any run of characters; `?` is one
 * character in wildcard queries and query strings, but a plain character in index and template names.
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

/**
 * Whether some name matches both patterns (`logs-*` and `*-prod`), as Elasticsearch intersects the automata of two
 * index templates' patterns. `*` is the only wildcard in index and template names.
 */
export function patternsOverlap(a: string, b: string): boolean {
  const seen = new Map<number, boolean>();
  const from = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = seen.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    // A star matches nothing more, or takes the other side's next character (or star) into its run.
    else if (a[i] === '*') result = from(i + 1, j) || (j < b.length && from(i, j + 1));
    else if (b[j] === '*') result = from(i, j + 1) || (i < a.length && from(i + 1, j));
    else result = i < a.length && j < b.length && a[i] === b[j] && from(i + 1, j + 1);
    seen.set(key, result);
    return result;
  };
  return from(0, 0);
}
