import type { Json } from '../ecs.js';

/** Methods that read a login page rather than submit credentials. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Marks a submitted login (a POST or other write to a path matching `loginPaths`) as an ECS authentication
 * event, so that its outcome (failure from a 4xx/5xx answer) can be counted per source address over time by
 * the brute-force detector. One event alone says nothing about brute force: this only classifies it.
 */
export function createLoginClassifier(loginPaths: RegExp): (document: Json) => void {
  return (document) => {
    const url = document.url as Json | undefined;
    const method = ((document.http as Json | undefined)?.request as Json | undefined)?.method;
    if (typeof url?.path !== 'string' || typeof method !== 'string' || READS.has(method) || !loginPaths.test(url.path)) return;
    const event = document.event as Json;
    const category = Array.isArray(event.category) ? (event.category as string[]) : [];
    if (!category.includes('authentication')) event.category = [...category, 'authentication'];
    const type = Array.isArray(event.type) ? (event.type as string[]) : [];
    if (!type.includes('start')) event.type = [...type, 'start'];
  };
}
