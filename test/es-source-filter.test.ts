import { describe, expect, it } from 'vitest';
import { filterSource } from '../emulators/elasticsearch/source-filter.js';

/**
 * The emulator's `_source` filtering against the cases of Elasticsearch's own unit tests of it
 * (server/src/test/java/org/elasticsearch/common/xcontent/support/XContentMapValuesTests.java): each source, its
 * includes and excludes, and what Elasticsearch keeps, as those tests assert it.
 */
const filter = (source: Record<string, unknown>, includes: string[], excludes: string[] = []): unknown => filterSource(source, { includes, excludes });

describe('_source filtering as Elasticsearch filters a source', () => {
  it('keeps an object an include names whole, and still applies an exclude inside it (testCompleteObjectFiltering)', () => {
    const source = { field: 'value', obj: { field: 'value', field2: 'value2' }, array: [1, { field: 'value', field2: 'value2' }] };
    expect(filter(source, ['obj'])).toEqual({ obj: { field: 'value', field2: 'value2' } });
    expect(filter(source, ['obj'], ['*.field2'])).toEqual({ obj: { field: 'value' } });
    expect(filter(source, ['array'])).toEqual({ array: [1, { field: 'value', field2: 'value2' }] });
    expect(filter(source, ['array'], ['*.field2'])).toEqual({ array: [1, { field: 'value' }] });
  });

  it('walks into arrays of objects and into objects by path (testNestedFiltering)', () => {
    const source = { field: 'value', array: [1, { nested: 2, nested_2: 3 }] };
    expect(filter(source, ['array.nested'])).toEqual({ array: [{ nested: 2 }] });
    expect(filter(source, ['array.*'])).toEqual({ array: [{ nested: 2, nested_2: 3 }] });
    const objects = { field: 'value', obj: { field: 'value', field2: 'value2' } };
    expect(filter(objects, ['obj.field'])).toEqual({ obj: { field: 'value' } });
    expect(filter(objects, ['obj.*'])).toEqual({ obj: { field: 'value', field2: 'value2' } });
  });

  it('matches a star before a dot against objects only (testFilterIncludesUsingStarPrefix)', () => {
    const source = { field: 'value', obj: { field: 'value', field2: 'value2' }, n_obj: { n_field: 'value', n_field2: 'value2' } };
    expect(filter(source, ['*.field2'])).toEqual({ obj: { field2: 'value2' } });
    expect(filter(source, ['*.*'])).toEqual({ obj: source.obj, n_obj: source.n_obj });
    expect(filter(source, ['*'], ['*.*2'])).toEqual({ field: 'value', obj: { field: 'value' }, n_obj: { n_field: 'value' } });
  });

  it('keeps empty objects as their includes and excludes say (testThatFilterIncludesEmptyObject…, testNotOmitting…)', () => {
    expect(filter({ obj: {} }, ['obj'])).toEqual({ obj: {} });
    expect(filter({ obj: {} }, [], ['nonExistingField'])).toEqual({ obj: {} });
    expect(filter({ obj: { f1: 'v1' } }, [], ['obj.f1'])).toEqual({ obj: {} });
    const nested = { obj1: { obj2: { obj3: {} } } };
    expect(filter(nested, [], ['*.obj2'])).toEqual({ obj1: {} });
    expect(filter(nested, ['obj1'], ['*.obj2'])).toEqual({ obj1: {} });
    expect(filter(nested, ['*.obj2'], ['*.obj3'])).toEqual({ obj1: { obj2: {} } });
    expect(filter({ obj1: { obj2: {} } }, ['*.obj2'])).toEqual({ obj1: { obj2: {} } });
  });

  it('reads a dotted key as the path it spells (testDotsInFieldNames)', () => {
    const source = { 'foo.bar': 2, foo: { baz: 3 }, quux: 5 };
    expect(filter(source, ['foo'])).toEqual({ 'foo.bar': 2, foo: { baz: 3 } });
    expect(filter(source, [], ['foo'])).toEqual({ quux: 5 });
  });

  it('matches whole names, not prefixes (testSharedPrefixes, testPrefix, testPrefixedNamesFilteringTest)', () => {
    expect(filter({ foobar: 2, foobaz: 3 }, ['foobar'])).toEqual({ foobar: 2 });
    expect(filter({ foobar: 2, foobaz: 3 }, [], ['foobar'])).toEqual({ foobaz: 3 });
    expect(filter({ photos: ['foo', 'bar'], photosCount: 2 }, ['photosCount'])).toEqual({ photosCount: 2 });
    expect(filter({ obj: 'value', obj_name: 'value_name' }, ['obj_name'])).toEqual({ obj_name: 'value_name' });
    expect(filter({ 搜索: 2, 指数: 3 }, ['搜索'])).toEqual({ 搜索: 2 });
    expect(filter({ 搜索: 2, 指数: 3 }, [], ['搜索'])).toEqual({ 指数: 3 });
  });

  it('keeps an array an exclude emptied, and drops one only a deeper include names (testArraySubFieldExclusion, testEmpty…Inclusion)', () => {
    expect(filter({ field: 'value', array: [{ exclude: 'bar' }] }, [], ['array.exclude'])).toEqual({ field: 'value', array: [] });
    expect(filter({ field: 'value', array: [] }, [], ['array.exclude'])).toEqual({ field: 'value', array: [] });
    expect(filter({ field: 'value', array: [] }, ['array.include'])).toEqual({});
    expect(filter({ field: 'value', array: [] }, ['array', 'array.include'])).toEqual({ array: [] });
    expect(filter({ field: 'value', object: {} }, ['object.include'])).toEqual({});
    expect(filter({ field: 'value', object: {} }, ['object', 'object.include'])).toEqual({ object: {} });
  });

  it('takes a pattern, a list, true and false as _source does', () => {
    const source = { a: 1, b: { c: 2 } };
    expect(filterSource(source, 'b.c')).toEqual({ b: { c: 2 } });
    expect(filterSource(source, ['a', 'b'])).toEqual(source);
    expect(filterSource(source, true)).toBe(source);
    expect(filterSource(source, false)).toBeUndefined();
    expect(() => filterSource(source, [1])).toThrow(/field names must be strings/);
  });
});
