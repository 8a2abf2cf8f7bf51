import { readFileSync } from 'node:fs';
import { ProtocolError, Reader, Writer } from './primitives.js';

/**
 * An interpreter of Apache Kafka's own message schemas (clients/src/main/resources/common/message/*.json):
 * every field, its versions, nullable versions, flexible (compact) encodings and tagged fields come from
 * the schema file, so a version is encoded exactly as Kafka encodes it, without hand-written layouts.
 */

export type Value = null | boolean | number | bigint | string | Buffer | Buffer[] | Value[] | Struct;
export interface Struct {
  [key: string]: Value;
}

interface Range {
  min: number;
  max: number;
}

const NONE: Range = { min: 1, max: 0 };

function parseRange(spec: string | undefined): Range | undefined {
  if (spec === undefined) return undefined;
  if (spec === 'none') return NONE;
  const plus = /^(\d+)\+$/.exec(spec);
  if (plus) return { min: Number(plus[1]), max: Infinity };
  const span = /^(\d+)-(\d+)$/.exec(spec);
  if (span) return { min: Number(span[1]), max: Number(span[2]) };
  if (/^\d+$/.test(spec)) return { min: Number(spec), max: Number(spec) };
  throw new Error(`bad version range "${spec}"`);
}

function within(range: Range | undefined, version: number): boolean {
  return range !== undefined && version >= range.min && version <= range.max;
}

/** Kafka refuses strings longer than this, compact ones included (Short.MAX_VALUE). */
const MAX_STRING_BYTES = 32_767;
/** The most elements the emulator reads in one array of a request; a larger count closes the connection. */
export const MAX_ARRAY_ELEMENTS = 100_000;

const PRIMITIVES = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'int64', 'float64', 'string', 'bytes', 'records', 'uuid']);

interface Field {
  name: string;
  key: string;
  type: string;
  /** For arrays: the element type; struct elements have `fields`. */
  element: string | undefined;
  fields: Field[] | undefined;
  versions: Range;
  nullable: Range | undefined;
  tagged: Range | undefined;
  tag: number | undefined;
  /** Overrides the message's flexible versions for this field (RequestHeader's ClientId is never compact). */
  flexible: Range | undefined;
  defaultText: string | undefined;
}

interface RawField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  flexibleVersions?: string;
  default?: string | number | boolean;
  fields?: RawField[];
}

interface RawSchema {
  name: string;
  type: string;
  apiKey?: number;
  validVersions: string;
  flexibleVersions: string;
  fields: RawField[];
  commonStructs?: Array<{ name: string; versions: string; fields: RawField[] }>;
}

export class MessageSchema {
  readonly name: string;
  readonly apiKey: number | undefined;
  readonly validVersions: Range;
  private readonly flexibleVersions: Range;
  private readonly fields: Field[];

  constructor(raw: RawSchema) {
    const common = new Map((raw.commonStructs ?? []).map((struct) => [struct.name, struct.fields]));
    const build = (field: RawField): Field => {
      const isArray = field.type.startsWith('[]');
      const base = isArray ? field.type.slice(2) : field.type;
      const structFields = PRIMITIVES.has(base) ? undefined : (field.fields ?? common.get(base));
      if (!PRIMITIVES.has(base) && structFields === undefined) throw new Error(`${raw.name}: unknown type ${field.type}`);
      return {
        name: field.name,
        key: field.name.charAt(0).toLowerCase() + field.name.slice(1),
        type: isArray ? 'array' : PRIMITIVES.has(base) ? base : 'struct',
        element: isArray ? (PRIMITIVES.has(base) ? base : 'struct') : undefined,
        fields: structFields?.map(build),
        versions: parseRange(field.versions) ?? NONE,
        nullable: parseRange(field.nullableVersions),
        tagged: parseRange(field.taggedVersions),
        tag: field.tag,
        flexible: parseRange(field.flexibleVersions),
        defaultText: field.default === undefined ? undefined : String(field.default),
      };
    };
    this.name = raw.name;
    this.apiKey = raw.apiKey;
    this.validVersions = parseRange(raw.validVersions) ?? NONE;
    this.flexibleVersions = parseRange(raw.flexibleVersions) ?? NONE;
    this.fields = raw.fields.map(build);
  }

  static load(path: string): MessageSchema {
    // The schema files carry comments (licence, version history); only whole-line comments occur.
    const text = readFileSync(path, 'utf8').replace(/^\s*\/\/.*$/gm, '');
    return new MessageSchema(JSON.parse(text) as RawSchema);
  }

  isFlexible(version: number): boolean {
    return within(this.flexibleVersions, version);
  }

  decode(reader: Reader, version: number): Struct {
    return this.readStruct(reader, this.fields, version, this.isFlexible(version));
  }

  encode(writer: Writer, value: Struct, version: number): void {
    this.writeStruct(writer, this.fields, value, version, this.isFlexible(version));
  }

  /** Does the message have this top-level field in this version? */
  has(key: string, version: number): boolean {
    return this.fields.some((field) => field.key === key && within(field.versions, version));
  }

  // ---- decoding --------------------------------------------------------------------------------

  private readStruct(reader: Reader, fields: Field[], version: number, flexible: boolean): Struct {
    const struct: Struct = {};
    for (const field of fields) {
      struct[field.key] =
        within(field.versions, version) && !within(field.tagged, version)
          ? this.readValue(reader, field, field.type, version, flexible)
          : defaultValue(field, version);
    }
    if (flexible) {
      const count = reader.uvarint();
      for (let i = 0; i < count; i += 1) {
        const tag = reader.uvarint();
        const size = reader.uvarint();
        const field = fields.find((candidate) => candidate.tag === tag && within(candidate.tagged, version));
        const body = new Reader(reader.buffer, reader.offset, reader.offset + size);
        reader.bytes(size);
        if (field !== undefined) struct[field.key] = this.readValue(body, field, field.type, version, flexible);
      }
    }
    return struct;
  }

  private readValue(reader: Reader, field: Field, type: string, version: number, messageFlexible: boolean): Value {
    const flexible = messageFlexible && !(field.flexible !== undefined && !within(field.flexible, version));
    switch (type) {
      case 'bool':
        return reader.bool();
      case 'int8':
        return reader.int8();
      case 'int16':
        return reader.int16();
      case 'uint16':
        return reader.uint16();
      case 'int32':
        return reader.int32();
      case 'int64':
        return reader.int64();
      case 'float64':
        return reader.float64();
      case 'uuid':
        return reader.uuid();
      case 'string': {
        const length = flexible ? reader.uvarint() - 1 : reader.int16();
        if (length < 0) return this.nullOrFail(field, version);
        if (length > MAX_STRING_BYTES) throw new ProtocolError(`${this.name}.${field.name}: string of ${length} bytes, longer than ${MAX_STRING_BYTES}`);
        return reader.bytes(length).toString('utf8');
      }
      case 'bytes':
      case 'records': {
        const length = flexible ? reader.uvarint() - 1 : reader.int32();
        if (length < 0) return this.nullOrFail(field, version, type === 'records');
        return reader.bytes(length);
      }
      case 'array': {
        const count = flexible ? reader.uvarint() - 1 : reader.int32();
        if (count < 0) return this.nullOrFail(field, version);
        if (count > reader.remaining) throw new ProtocolError(`${this.name}.${field.name}: ${count} elements cannot fit in ${reader.remaining} bytes`);
        if (count > MAX_ARRAY_ELEMENTS) throw new ProtocolError(`${this.name}.${field.name}: ${count} elements, more than the ${MAX_ARRAY_ELEMENTS} the emulator reads`);
        const items: Value[] = new Array<Value>(count);
        for (let i = 0; i < count; i += 1) {
          items[i] =
            field.element === 'struct'
              ? this.readStruct(reader, field.fields ?? [], version, messageFlexible)
              : this.readValue(reader, field, field.element ?? '', version, messageFlexible);
        }
        return items;
      }
      case 'struct': {
        if (within(field.nullable, version) && reader.int8() < 0) return null;
        return this.readStruct(reader, field.fields ?? [], version, messageFlexible);
      }
      default:
        throw new Error(`${this.name}: cannot read type ${type}`);
    }
  }

  private nullOrFail(field: Field, version: number, recordsAllowNull = false): null {
    if (recordsAllowNull || within(field.nullable, version)) return null;
    throw new ProtocolError(`${this.name}.${field.name} is null, which version ${version} does not allow`);
  }

  // ---- encoding --------------------------------------------------------------------------------

  private writeStruct(writer: Writer, fields: Field[], struct: Struct, version: number, flexible: boolean): void {
    const tagged: Field[] = [];
    for (const field of fields) {
      if (!within(field.versions, version)) continue;
      if (within(field.tagged, version)) {
        const value = struct[field.key];
        if (value !== undefined && !isDefault(field, version, value)) tagged.push(field);
        continue;
      }
      const value = struct[field.key];
      this.writeValue(writer, field, field.type, value === undefined ? defaultValue(field, version) : value, version, flexible);
    }
    if (flexible) {
      tagged.sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0));
      writer.uvarint(tagged.length);
      for (const field of tagged) {
        const body = new Writer();
        this.writeValue(body, field, field.type, struct[field.key] as Value, version, flexible);
        writer.uvarint(field.tag ?? 0).uvarint(body.length);
        for (const chunk of body.toChunks()) writer.bytes(chunk);
      }
    }
  }

  private writeValue(writer: Writer, field: Field, type: string, value: Value, version: number, messageFlexible: boolean): void {
    const flexible = messageFlexible && !(field.flexible !== undefined && !within(field.flexible, version));
    switch (type) {
      case 'bool':
        writer.bool(value === true);
        return;
      case 'int8':
        writer.int8(value as number);
        return;
      case 'int16':
        writer.int16(value as number);
        return;
      case 'uint16':
        writer.uint16(value as number);
        return;
      case 'int32':
        writer.int32(value as number);
        return;
      case 'int64':
        writer.int64(typeof value === 'bigint' ? value : BigInt(value as number));
        return;
      case 'float64':
        writer.float64(value as number);
        return;
      case 'uuid':
        writer.bytes(value instanceof Buffer ? value : Buffer.alloc(16));
        return;
      case 'string': {
        if (value === null) {
          if (flexible) writer.uvarint(0);
          else writer.int16(-1);
          return;
        }
        const bytes = Buffer.from(value as string, 'utf8');
        if (flexible) writer.uvarint(bytes.length + 1);
        else writer.int16(bytes.length);
        writer.bytes(bytes);
        return;
      }
      case 'bytes':
      case 'records': {
        if (value === null) {
          if (flexible) writer.uvarint(0);
          else writer.int32(-1);
          return;
        }
        // Records may be given as the list of stored batches, written back to back without copying.
        const parts = Array.isArray(value) ? (value as Buffer[]) : [value as Buffer];
        const length = parts.reduce((sum, part) => sum + part.length, 0);
        if (flexible) writer.uvarint(length + 1);
        else writer.int32(length);
        for (const part of parts) writer.bytes(part);
        return;
      }
      case 'array': {
        if (value === null) {
          if (flexible) writer.uvarint(0);
          else writer.int32(-1);
          return;
        }
        const items = value as Value[];
        if (flexible) writer.uvarint(items.length + 1);
        else writer.int32(items.length);
        for (const item of items) {
          if (field.element === 'struct') this.writeStruct(writer, field.fields ?? [], item as Struct, version, messageFlexible);
          else this.writeValue(writer, field, field.element ?? '', item, version, messageFlexible);
        }
        return;
      }
      case 'struct': {
        if (within(field.nullable, version)) {
          writer.int8(value === null ? -1 : 1);
          if (value === null) return;
        }
        this.writeStruct(writer, field.fields ?? [], (value ?? {}) as Struct, version, messageFlexible);
        return;
      }
      default:
        throw new Error(`${this.name}: cannot write type ${type}`);
    }
  }
}

function defaultValue(field: Field, version: number): Value {
  const text = field.defaultText;
  if (text === 'null' && within(field.nullable, version)) return null;
  switch (field.type) {
    case 'bool':
      return text === 'true';
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'float64':
      return text === undefined ? 0 : Number(text);
    case 'int64':
      return text === undefined ? 0n : BigInt(text);
    case 'string':
      return text === undefined || text === 'null' ? '' : text;
    case 'bytes':
    case 'records':
      return within(field.nullable, version) || field.type === 'records' ? null : Buffer.alloc(0);
    case 'uuid':
      return Buffer.alloc(16);
    case 'array':
      return [];
    default: {
      const struct: Struct = {};
      for (const child of field.fields ?? []) struct[child.key] = defaultValue(child, version);
      return struct;
    }
  }
}

function isDefault(field: Field, version: number, value: Value): boolean {
  const fallback = defaultValue(field, version);
  if (Array.isArray(value)) return value.length === 0;
  if (value instanceof Buffer) return fallback instanceof Buffer && value.equals(fallback);
  if (typeof value === 'object' && value !== null) return false;
  return value === fallback;
}
