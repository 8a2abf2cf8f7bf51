import type { Logger } from './logging.js';

/**
 * What became of a file of SLUICE_CACHE_DIR at a start: whether its contents had to be made (no usable file),
 * whether they were written for the next start, and why a file there was not used or could not be written.
 */
export interface CacheUse {
  file: string;
  made: boolean;
  written: boolean;
  note: string | undefined;
}

/** A cache that cannot be written costs every start its making again: the operator hears why. */
export function logCacheUse(logger: Logger, what: string, use: CacheUse | undefined): void {
  if (use === undefined) return;
  if (use.made && !use.written) logger.warn({ cache: use }, `${what}: made again at this start, and no cache could be written for the next (SLUICE_CACHE_DIR)`);
  else logger.debug({ cache: use }, `${what}: ${use.made ? 'made, and cached' : 'read from the cache'}`);
}
