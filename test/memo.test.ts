import { describe, expect, it } from 'vitest';
import { memoized } from '../shared/memo.js';

describe('memoized', () => {
  it('computes each argument once up to its limit, and every time past it, with the same answers', () => {
    const calls: string[] = [];
    const upper = memoized(2, (key) => {
      calls.push(key);
      return key.toUpperCase();
    });
    expect([upper('a'), upper('b'), upper('a'), upper('b')]).toEqual(['A', 'B', 'A', 'B']);
    expect(calls).toEqual(['a', 'b']);
    // Past the limit: still right, never remembered, and the first two stay remembered.
    expect([upper('c'), upper('c'), upper('a')]).toEqual(['C', 'C', 'A']);
    expect(calls).toEqual(['a', 'b', 'c', 'c']);
  });

  it('keeps falsy answers (0, "") as answers', () => {
    let calls = 0;
    const length = memoized(10, (key) => {
      calls += 1;
      return key.length;
    });
    expect([length(''), length(''), length('ab')]).toEqual([0, 0, 2]);
    expect(calls).toBe(2);
  });
});
