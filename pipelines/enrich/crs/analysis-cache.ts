import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { CacheUse } from '../../../shared/cache-use.js';
import { replaceFile } from '../../../shared/replace-file.js';
import { ANALYSER, analysesMade, heldAnalyses, knowAnalyses, type RegexAnalysis } from './prefilter.js';

/**
 * The screen's analyses of CRS's expressions (what each requires of a value's alphabet, which literal atoms
 * each match contains) kept between starts. Parsing some 240 expressions into byte sets and working out both
 * analyses was about 0.2 CPU-seconds of each start, and V8 compiling that code on its helper threads about as
 * much again. The file holds the analyses with a digest of the module that made them (prefilter's own text):
 * analyses made by other code are never used, since a wrong one would make the screen skip a rule.
 */

const FORMAT = 'sluice-crs-analyses/1';
const FILE = 'crs-analyses.json';

/**
 * The file: a header line (this format, the analyser's digest, the digest of the rest), then the analyses as
 * JSON. The rest is checked by its digest rather than by a schema: it is what this code wrote, and zod walking
 * its trees took 60 ms, most of what the cache saves on the main thread.
 */
const header = z.object({ format: z.literal(FORMAT), analyser: z.string(), body: z.string() });

const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/** What became of the cache at a load, and how many analyses were read from it and made. */
export interface AnalysisCacheUse extends CacheUse {
  read: number;
  analysed: number;
}

let digest: string | undefined;

/** The analysing module's text, digested once per process. */
function analyserDigest(): string {
  digest ??= sha256(readFileSync(fileURLToPath(ANALYSER)));
  return digest;
}

interface CacheRead {
  file: string;
  read: number;
  note: string | undefined;
  /** The process's count of analyses made when the file was read. */
  madeBefore: number;
}

/** Reads the cache into prefilter's analyses; returns how many it held, or why none were used. */
export function readAnalysisCache(dir: string): CacheRead {
  const file = join(dir, FILE);
  const madeBefore = analysesMade();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { file, read: 0, madeBefore, note: (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : `cannot read it: ${(error as Error).message}` };
  }
  const newline = text.indexOf('\n');
  let parsed: ReturnType<typeof header.safeParse>;
  try {
    parsed = header.safeParse(JSON.parse(text.slice(0, newline)));
  } catch {
    return { file, read: 0, madeBefore, note: 'it is not a cache of analyses' };
  }
  if (!parsed.success) return { file, read: 0, madeBefore, note: 'it is not a cache of analyses of this format' };
  if (parsed.data.analyser !== analyserDigest()) return { file, read: 0, madeBefore, note: 'it was made by another version of the analyser' };
  const body = text.slice(newline + 1);
  if (sha256(body) !== parsed.data.body) return { file, read: 0, madeBefore, note: 'its analyses do not match their digest (cut short or written over)' };
  const analyses = JSON.parse(body) as Array<[string, RegexAnalysis]>;
  knowAnalyses(analyses);
  return { file, read: analyses.length, madeBefore, note: undefined };
}

/** Writes every analysis the process holds, when this load made any. */
export function writeAnalysisCache({ file, read, note, madeBefore }: CacheRead): AnalysisCacheUse {
  const analysed = analysesMade() - madeBefore;
  const use = { file, read, analysed, made: analysed > 0, written: false, note };
  if (analysed === 0) return use;
  try {
    const body = JSON.stringify([...heldAnalyses()]);
    replaceFile(file, `${JSON.stringify({ format: FORMAT, analyser: analyserDigest(), body: sha256(body) })}\n${body}`);
    return { ...use, written: true };
  } catch (error) {
    return { ...use, note: `${note === undefined ? '' : `${note}; `}cannot write it: ${(error as Error).message}` };
  }
}
