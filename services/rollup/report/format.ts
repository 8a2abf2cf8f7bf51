/** How the renderers and the recommendations write numbers, so that the same figure reads the same everywhere. */

export function percent(share: number | null | undefined, digits = 3): string {
  if (share === null || share === undefined) return 'n/a';
  return `${(share * 100).toFixed(digits)} %`;
}

export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A fractional count (an allowance such as 43.2 events) with one decimal when it has one. */
export function amount(value: number): string {
  return Number.isInteger(value) ? count(value) : value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'n/a';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value >= 100 ? 0 : 1)} ms`;
}

export function ratio(good: number, valid: number): string {
  return `${count(good)} / ${count(valid)}`;
}
