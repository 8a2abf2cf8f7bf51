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

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };

/** A byte size as Elasticsearch writes one (`512kb`, `5mb`, `1gb`; units of 1024), in bytes. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(b|kb|mb|gb|tb)$/i.exec(text.trim());
  return match ? Math.round(Number(match[1]) * (UNITS[(match[2] as string).toLowerCase()] as number)) : undefined;
}
