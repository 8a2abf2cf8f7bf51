/** A JSON object: not a list, not null. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sets an object's own field. Assigning `__proto__` would set the object's prototype instead, and the field, which
 * JSON and Elasticsearch hold like any other, would be lost.
 */
export function setOwn<T>(object: Record<string, T>, key: string, value: NoInfer<T>): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}
