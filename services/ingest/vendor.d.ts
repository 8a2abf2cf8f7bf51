// The pure-JavaScript codecs have no published types; only what Sluice calls is declared.
declare module 'snappyjs' {
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  export function compress(uncompressed: Uint8Array): Uint8Array;
}
declare module 'lz4js' {
  export function decompress(source: Uint8Array, maxSize?: number): Uint8Array;
  export function compress(source: Uint8Array, maxSize?: number): Uint8Array;
}
