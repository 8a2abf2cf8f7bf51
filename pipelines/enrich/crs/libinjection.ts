import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * libinjection (BSD-3-Clause), CRS's `@detectSQLi` and `@detectXSS`: its unmodified C sources compiled to
 * WebAssembly (`third_party/libinjection/build.sh`), so the fingerprints and the HTML5 tokenizer are its own,
 * not a re-telling. One instance, synchronous calls; a value is copied into its input buffer.
 */
interface Exports {
  memory: { buffer: ArrayBuffer };
  sluice_input(): number;
  sluice_fingerprint(): number;
  sluice_sqli(length: number): number;
  sluice_xss(length: number): number;
}

/** Node has WebAssembly; TypeScript's ES library does not declare it, and only these two calls are used. */
const { WebAssembly: wasm } = globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => { exports: object } };
};

const INPUT_SIZE = 65536;
const wasmPath = fileURLToPath(new URL('../../../../third_party/libinjection/libinjection.wasm', import.meta.url));

let instance: { exports: Exports; input: number; fingerprint: number } | undefined;

function load(): NonNullable<typeof instance> {
  if (instance !== undefined) return instance;
  // From dist/ or from the sources (vitest): the wasm sits at the repository's root either way.
  let bytes: Buffer;
  try {
    bytes = readFileSync(wasmPath);
  } catch {
    bytes = readFileSync(fileURLToPath(new URL('../../../third_party/libinjection/libinjection.wasm', import.meta.url)));
  }
  const exports = new wasm.Instance(new wasm.Module(bytes), {}).exports as unknown as Exports;
  instance = { exports, input: exports.sluice_input(), fingerprint: exports.sluice_fingerprint() };
  return instance;
}

/** A byte string (one char per byte) into the input buffer; longer values are cut, as a WAF's limits would. */
function write(value: string): number {
  const { exports, input } = load();
  const length = Math.min(value.length, INPUT_SIZE);
  new Uint8Array(exports.memory.buffer, input, length).set(Buffer.from(value.length > length ? value.slice(0, length) : value, 'latin1'));
  return length;
}

/** The SQL fingerprint libinjection found, or undefined. */
export function detectSqli(value: string): string | undefined {
  if (value === '') return undefined;
  const length = write(value);
  const { exports, fingerprint } = load();
  if (exports.sluice_sqli(length) === 0) return undefined;
  const bytes = new Uint8Array(exports.memory.buffer, fingerprint, 8);
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.subarray(0, end < 0 ? 8 : end)).toString('latin1');
}

export function detectXss(value: string): boolean {
  if (value === '') return false;
  const length = write(value);
  return load().exports.sluice_xss(length) !== 0;
}
