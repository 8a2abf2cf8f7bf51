import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { acceptor } from '../pipelines/sources/accept.js';
import { appRecord } from '../pipelines/sources/app.js';
import { postgresJsonRecord } from '../pipelines/sources/postgres.js';
import { traefikRecord } from '../pipelines/sources/traefik.js';
import { seeded } from '../services/demo/random.js';
import { packageRoot } from '../shared/paths.js';

/** Every kind of field the acceptor claims to know, with bounds of both kinds and a length counted in code points. */
const mixed = z
  .object({
    name: z.string().min(2),
    count: z.number().int().min(0).max(10).optional(),
    ratio: z.number().positive().lt(1).optional(),
    mode: z.enum(['fast', 'slow']).optional(),
    version: z.literal(3).optional(),
    flag: z.boolean().nullable().optional(),
    id: z.union([z.string(), z.number().int()]).optional(),
    anything: z.unknown().optional(),
  })
  .passthrough();

/**
 * Values at and beside every edge zod draws: types, NaN and infinities, bounds, integers, lengths, surrogates.
 * No undefined: records come from JSON.parse, where a field is absent or has a value (the test below covers
 * a field present with undefined).
 */
const VALUES: unknown[] = [
  null, true, false, 0, -0, 1, -1, 1.5, 0.999, 1e-9, 10, 11, 599, 999, 1000, -5, NaN, Infinity, -Infinity,
  Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, '', 'a', 'ab', '😀', '😀😀', '\ud83d', '\ud83d\ud83d', 'fast', 'slow', 'FAST',
  3, '3', '-', 'GET', [], ['x'], {}, { a: 1 },
];

function records(schema: z.ZodObject, seed: number, count: number): Record<string, unknown>[] {
  // Seeded, so that a failure names a record that comes back on the next run.
  const next = seeded(seed);
  const keys = [...Object.keys(schema.shape), 'extra', 'nested_extra'];
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  return Array.from({ length: count }, () => {
    const record: Record<string, unknown> = {};
    for (const key of keys) {
      // Mostly valid-looking records (a field present about half the time), so both answers are common.
      if (next() < 0.5) continue;
      record[key] = pick(VALUES);
    }
    return record;
  });
}

/** Records that zod accepts, made by repairing random ones field by field until zod passes them. */
function acceptedBy(schema: z.ZodObject, seed: number, count: number): Record<string, unknown>[] {
  return records(schema, seed, count * 4)
    .map((record) => {
      for (const issue of schema.safeParse(record).error?.issues ?? []) {
        const key = issue.path[0] as string;
        const field = schema.shape[key] as z.ZodType;
        const repair = VALUES.find((value) => field.safeParse(value).success);
        record[key] = repair;
      }
      return record;
    })
    .filter((record) => schema.safeParse(record).success)
    .slice(0, count);
}

describe('the acceptor: zod answered without zod, when it can', () => {
  const schemas = { traefik: traefikRecord, app: appRecord, postgres: postgresJsonRecord, mixed };

  it.each(Object.entries(schemas))('never accepts what zod rejects or would change (%s)', (_name, schema) => {
    const accepts = acceptor(schema);
    let accepted = 0;
    let asked = 0;
    for (const record of [...records(schema, 7, 4_000), ...acceptedBy(schema, 11, 600)]) {
      if (!accepts(record)) {
        asked += 1;
        continue;
      }
      accepted += 1;
      const result = schema.safeParse(record);
      expect(result.success, JSON.stringify(record)).toBe(true);
      // zod's answer is a copy with the same fields and values: the record itself can stand for it.
      expect(result.data).toStrictEqual(record);
    }
    expect(accepted).toBeGreaterThan(500);
    expect(asked).toBeGreaterThan(500);
  });

  it.each(Object.entries(schemas))('accepts every record zod passes unchanged (%s), so zod is asked only about the others', (_name, schema) => {
    const accepts = acceptor(schema);
    const passed = acceptedBy(schema, 13, 600);
    expect(passed.length).toBe(600);
    expect(passed.filter((record) => !accepts(record))).toEqual([]);
  });

  it('accepts real lines: Traefik as it writes them, the seed API line, a PostgreSQL jsonlog record', () => {
    const traefik = readFileSync(join(packageRoot, 'test', 'fixtures', 'traefik-access.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(traefik.length).toBeGreaterThan(0);
    for (const line of traefik) expect(acceptor(traefikRecord)(line)).toBe(true);
    expect(acceptor(appRecord)({ timestamp: '2025-07-10T10:30:00Z', level: 'INFO', message: 'Job processing completed', job_id: '12345-67890', user_id: 'user123', processing_time: 45.2, component: 'video_processor' })).toBe(true);
    expect(acceptor(postgresJsonRecord)({ timestamp: '2025-07-10 10:31:00.001 UTC', user: 'rendiff', dbname: 'jobs', pid: 99, error_severity: 'ERROR', message: 'duplicate key', backend_type: 'client backend' })).toBe(true);
  });

  it('leaves every record to zod when the schema has what it does not know', () => {
    const plain = { name: 'ab', when: '2025-07-10' };
    enum Level {
      Low,
    }
    const unknown = [
      z.object({ name: z.string() }), // strips unknown keys: the output is not the record
      z.object({ name: z.string() }).strict(),
      z.object({ name: z.string().trim() }).passthrough(), // a transform
      z.object({ name: z.string().email() }).passthrough(),
      z.object({ name: z.string().default('x') }).passthrough(),
      z.object({ name: z.object({ first: z.string() }) }).passthrough(),
      z.object({ name: z.coerce.string() }).passthrough(),
      z.object({ name: z.string() }).passthrough().refine(() => false),
      z.object({ name: z.string().refine(() => false) }).passthrough(),
      z.object({ name: z.number().multipleOf(2) }).passthrough(),
    ];
    for (const schema of unknown) expect(acceptor(schema)(plain)).toBe(false);
    expect(acceptor(z.object({ name: z.string(), when: z.string() }).passthrough())(plain)).toBe(true);
    // A TypeScript enum's object maps names to numbers and back; zod allows the numbers only.
    const level = z.object({ level: z.nativeEnum(Level) }).passthrough();
    expect(acceptor(level)({ level: 'Low' })).toBe(false);
    expect(acceptor(level)({ level: Level.Low })).toBe(true);
  });

  it('leaves every record to zod when a field is named like a property every object inherits', () => {
    const schema = z.object({ toString: z.string().optional() }).passthrough();
    // zod reads the record's inherited toString, a function, and refuses it.
    expect(schema.safeParse({}).success).toBe(false);
    expect(acceptor(schema)({})).toBe(false);
  });

  it('counts a length as zod does, in code points: a surrogate pair is one, two lone surrogates are two', () => {
    const accepts = acceptor(mixed);
    for (const name of ['😀', '😀😀', '\ud83d\ud83d', 'a😀', 'ab']) expect(accepts({ name }), name).toBe(mixed.safeParse({ name }).success);
    expect(accepts({ name: '😀' })).toBe(false);
  });

  it('takes a missing field as zod does: allowed only when the field is optional, whatever values it allows', () => {
    for (const field of [z.literal(undefined), z.union([z.string(), z.literal(undefined)])]) {
      const schema = z.object({ name: field }).passthrough();
      expect(schema.safeParse({}).success).toBe(false);
      expect(acceptor(schema)({})).toBe(false);
    }
    expect(acceptor(z.object({ name: z.string().optional() }).passthrough())({})).toBe(true);
  });

  it('leaves to zod a field present with the value undefined, which an exact optional refuses', () => {
    const schema = z.object({ name: z.string().exactOptional() }).passthrough();
    expect(schema.safeParse({ name: undefined }).success).toBe(false);
    expect(acceptor(schema)({ name: undefined })).toBe(false);
    expect(acceptor(schema)({})).toBe(true);
  });

  it('leaves to zod a record JSON.parse gave an own __proto__, and one that inherits a field', () => {
    const accepts = acceptor(mixed);
    expect(accepts(JSON.parse('{"name":"ab","__proto__":{"count":99}}'))).toBe(false);
    expect(accepts(Object.assign(Object.create({ extra: 1 }) as object, { name: 'ab' }))).toBe(false);
    expect(accepts({ name: 'ab' })).toBe(true);
  });
});
