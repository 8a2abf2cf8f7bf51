/** Bytes as Elasticsearch prints a ByteSizeValue (`512b`, `1.5kb`, `2.0gb`): for `_cat` and the ILM status table. */
export function formatByteSize(bytes: number): string {
  const units = ['b', 'kb', 'mb', 'gb', 'tb'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)}${units[unit]}`;
}
