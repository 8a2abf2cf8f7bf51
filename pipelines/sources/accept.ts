import type { z } from 'zod';

/**
 * A record that zod would pass through unchanged, told without zod's work. zod's object parser makes a
 * result object and an issue list for each key of the schema (46 for Traefik's record, most of them absent
 * from a given line): about 4 KB of garbage per event, the largest single share of the pipeline's allocation.
 * `acceptor` reads a passthrough object schema of primitive fields once and returns a test that allocates
 * nothing (its parts loop by hand: a callback to `every` or `some` is a closure made per call). It is sound,
 * not complete: `true` only when zod would succeed and return a copy of the record with the same fields and
 * values; `false` means "ask zod", which gives the verdict and the error. Anything it does not know
 * (transforms, defaults, formats, nested objects, refinements) makes it answer `false` for every record, so
 * a schema changed beyond it is still checked by zod alone.
 */
export type Acceptor = (record: unknown) => boolean;

type Test = (value: unknown) => boolean;

/** The zod definition fields read here (zod 4's `_zod.def`, which is public for introspection). */
interface Definition {
  type: string;
  checks?: readonly { _zod: { def: CheckDefinition } }[];
  coerce?: boolean;
  innerType?: z.ZodType;
  options?: readonly z.ZodType[];
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
}

interface CheckDefinition {
  check: string;
  value?: unknown;
  inclusive?: boolean;
  minimum?: unknown;
  format?: string;
}

const definitionOf = (schema: z.ZodType): Definition => (schema as unknown as { _zod: { def: Definition } })._zod.def;

/** zod's length is in code points; fewer UTF-16 units than the floor is always short, twice it always enough. */
function codePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i += 1) {
    if ((text.charCodeAt(i) & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      count -= 1;
      i += 1;
    }
  }
  return count;
}

// In stringTest and numberTest, a check's `when` (zod's own skips a length check of what has no length) is not
// read: it can only make zod skip a check, so testing every check is stricter, never looser.
function stringTest(checks: readonly CheckDefinition[]): Test | undefined {
  let minimum = 0;
  for (const check of checks) {
    if (check.check !== 'min_length' || typeof check.minimum !== 'number') return undefined;
    minimum = Math.max(minimum, check.minimum);
  }
  if (minimum === 0) return (value) => typeof value === 'string';
  return (value) => typeof value === 'string' && (value.length >= 2 * minimum || (value.length >= minimum && codePoints(value) >= minimum));
}

function numberTest(checks: readonly CheckDefinition[]): Test | undefined {
  let integer = false;
  const bounds: Test[] = [];
  for (const check of checks) {
    const bound = check.value;
    if (check.check === 'number_format' && check.format === 'safeint') integer = true;
    else if (check.check === 'greater_than' && typeof bound === 'number') bounds.push(check.inclusive === true ? (value) => (value as number) >= bound : (value) => (value as number) > bound);
    else if (check.check === 'less_than' && typeof bound === 'number') bounds.push(check.inclusive === true ? (value) => (value as number) <= bound : (value) => (value as number) < bound);
    else return undefined;
  }
  return (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) return false;
    for (const within of bounds) if (!within(value)) return false;
    return true;
  };
}

const valuesOf = (schema: z.ZodType): ReadonlySet<unknown> | undefined => (schema as unknown as { _zod: { values?: ReadonlySet<unknown> } })._zod.values;

/** The test for one field's schema, or undefined when it is not one this module can answer for. */
function fieldTest(schema: z.ZodType): Test | undefined {
  const definition = definitionOf(schema);
  const checks = (definition.checks ?? []).map((check) => check._zod.def);
  if (definition.coerce === true) return undefined;
  if (definition.type !== 'string' && definition.type !== 'number' && checks.length > 0) return undefined;
  switch (definition.type) {
    case 'string':
      return stringTest(checks);
    case 'number':
      return numberTest(checks);
    case 'boolean':
      return (value) => typeof value === 'boolean';
    case 'unknown':
    case 'any':
      return () => true;
    case 'enum':
    case 'literal': {
      // zod's own set of allowed values: a native enum's entries also hold its reverse mapping, which zod refuses.
      const allowed = valuesOf(schema);
      return allowed === undefined ? undefined : (value) => allowed.has(value);
    }
    case 'union': {
      const tests = (definition.options ?? []).map(fieldTest);
      if (tests.length === 0 || tests.some((test) => test === undefined)) return undefined;
      const options = tests as Test[];
      return (value) => {
        for (const option of options) if (option(value)) return true;
        return false;
      };
    }
    case 'optional':
      // Absence is zod's `optin` (read in acceptor); a value is the inner schema's.
      return definition.innerType === undefined ? undefined : fieldTest(definition.innerType);
    case 'nullable': {
      const inner = definition.innerType === undefined ? undefined : fieldTest(definition.innerType);
      return inner === undefined ? undefined : (value) => value === null || inner(value);
    }
    default:
      return undefined;
  }
}

const NEVER: Acceptor = () => false;

/** Compiles the test for a passthrough object schema whose fields are all primitives; anything else gets NEVER. */
export function acceptor(schema: z.ZodType): Acceptor {
  const definition = definitionOf(schema);
  if (definition.type !== 'object' || definition.shape === undefined || (definition.checks ?? []).length > 0) return NEVER;
  const catchall = definition.catchall === undefined ? undefined : definitionOf(definition.catchall).type;
  if (catchall !== 'unknown' && catchall !== 'any') return NEVER;
  const tests = new Map<string, Test>();
  const required: string[] = [];
  for (const [key, field] of Object.entries(definition.shape)) {
    const test = fieldTest(field);
    // zod reads a field through the prototype chain too: a key every object has ("constructor", "toString")
    // would be read from Object.prototype when the record lacks it.
    if (test === undefined || key in Object.prototype) return NEVER;
    tests.set(key, test);
    // Whether zod lets the key be absent is its own flag: a schema that allows the value undefined
    // (`z.literal(undefined)`) still refuses a missing key unless it is optional.
    if ((field as unknown as { _zod: { optin?: string } })._zod.optin === undefined) required.push(key);
  }
  // A line carries a few of the schema's fields: walking the record's keys is cheaper than walking the schema's.
  return (record) => {
    // A plain object, as JSON.parse makes: zod copies own keys only, so an inherited field would not come through.
    if (typeof record !== 'object' || record === null || Object.getPrototypeOf(record) !== Object.prototype) return false;
    const fields = record as Record<string, unknown>;
    for (const key of required) if (fields[key] === undefined) return false;
    for (const key in fields) {
      const value = fields[key];
      // An own key holding undefined (JSON never makes one) is zod's to judge: `exactOptional` refuses it.
      if (key === '__proto__' || value === undefined) return false;
      const test = tests.get(key);
      if (test !== undefined && !test(value)) return false;
    }
    return true;
  };
}
