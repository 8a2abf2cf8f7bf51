import { decode } from './decode.js';
import { addTag, type Json } from './ecs.js';
import { route } from './route.js';
import { normaliseApp } from './sources/app.js';
import { normaliseCelery } from './sources/celery.js';
import { normaliseFfmpeg } from './sources/ffmpeg.js';
import type { NormaliseContext } from './sources/common.js';
import { normaliseGeneric } from './sources/generic.js';
import { isPostgresText, normalisePostgres } from './sources/postgres.js';
import { normaliseTraefik, normaliseTraefikCommon, normaliseWebServerLine } from './sources/traefik.js';
import { normaliseServerErrorLine } from './sources/web-server-errors.js';
import { isTraefikRuntimeRecord, normaliseTraefikRuntime, normaliseTraefikRuntimeText } from './sources/traefik-runtime.js';
import { normaliseUvicorn } from './sources/uvicorn.js';
import { normaliseGunicorn } from './sources/gunicorn.js';
import { normaliseUwsgi } from './sources/uwsgi.js';
import { isCaddyAccessRecord, isCaddyRecord, normaliseCaddyRecord } from './sources/caddy.js';
import { normaliseHaproxyLine } from './sources/haproxy.js';
import { normalisePythonLine } from './sources/python-logging.js';
import { unwrapLoguru } from './sources/loguru.js';
import { normaliseWorker } from './sources/worker.js';
import { DEFAULT_LIMITS, RejectedError, type Input, type Limits, type Outcome, type Source } from './types.js';

/**
 * A transform after normalisation (GeoIP, user agent, security tags, redaction): it changes the document in
 * place. It is also given the decoded line the document came from (redaction skips a document whose line holds
 * nothing that could need it). `stage` names it in stage timings.
 */
export type Enricher = ((document: Json, line: string) => void) & { stage?: string };

export interface PipelineOptions {
  /** The data stream namespace (`SLUICE_NAMESPACE`). */
  namespace: string;
  /**
   * Namespaces an event may choose with `data_stream.namespace` in its envelope, as Elastic Agent's events
   * carry it (`SLUICE_EVENT_NAMESPACES`): the demo's events go to `demo`. Any other choice is ignored.
   */
  eventNamespaces?: readonly string[];
  /** Topic → source, from configuration. */
  topicSources?: Readonly<Record<string, Source>>;
  /** `sluice process --source`: every input goes to this pipeline. */
  forcedSource?: Source;
  limits?: Limits;
  enrichers?: readonly Enricher[];
  now?: () => number;
  /**
   * When given, the milliseconds spent in each stage (decode, normalise, each enricher) are added to it: an
   * estimate, from one event in STAGE_SAMPLING timed and counted that many times over.
   */
  stageTimes?: Map<string, number>;
}

/**
 * Stage times come from one event in this many: timing every event (nine clock readings and map updates) cost
 * up to 1.5 µs of the 8–15 an event spends in the pipeline over the benchmark's mix (0.1 when sampled), and
 * the totals are what operators read.
 */
export const STAGE_SAMPLING = 16;

/**
 * True for one call in `every`, on average, at gaps drawn uniformly from 1 to 2·every − 1: no period in the
 * input (sources taking turns, a replayed pattern) can line up with the events chosen.
 */
export function sometimes(every: number, random: () => number = Math.random): () => boolean {
  const gap = (): number => 1 + Math.floor(random() * (2 * every - 1));
  let left = gap();
  return () => {
    left -= 1;
    if (left > 0) return false;
    left = gap();
    return true;
  };
}

const DATASETS: Record<Source, string> = { app: 'rendiff.api', traefik: 'rendiff.traefik', worker: 'rendiff.worker', postgres: 'rendiff.postgres', generic: 'sluice.generic' };

/**
 * The text formats of the JSON sources: Traefik's default access log and its own log (and HAProxy's HTTP log, another
 * proxy's), Celery's worker lines and the FFmpeg the workers run,
 * uvicorn's, gunicorn's and uWSGI's lines (a Python API's servers), Python's logging in its usual formats (both services' own
 * modules); undefined for a line of none of them.
 */
function normaliseText(source: Source, line: string, context: NormaliseContext): Json | undefined {
  switch (source) {
    case 'traefik':
      // Another proxy on a proxy's topic: HAProxy's HTTP log is read into the same stream.
      return normaliseTraefikCommon(line, context) ?? normaliseTraefikRuntimeText(line, context) ?? normaliseHaproxyLine(line, context, DATASETS.traefik);
    case 'worker':
      return normaliseCelery(line, context, normaliseWorker) ?? normalisePythonLine(line, context, DATASETS.worker, 'rendiff-worker') ?? normaliseFfmpeg(line, context, DATASETS.worker, 'rendiff-worker', true);
    case 'app':
      return normaliseUvicorn(line, context, DATASETS.app, 'rendiff-api') ?? normaliseGunicorn(line, context, DATASETS.app, 'rendiff-api') ?? normaliseUwsgi(line, context, DATASETS.app, 'rendiff-api') ?? normalisePythonLine(line, context, DATASETS.app, 'rendiff-api');
    default:
      return undefined;
  }
}

/** Another web server's, HAProxy's or uWSGI's access line, or a web server's error line, on the generic source: a document of the generic stream. */
function webServerLine(line: string, context: NormaliseContext): Json | undefined {
  return normaliseWebServerLine(line, context, DATASETS.generic) ?? normaliseHaproxyLine(line, context, DATASETS.generic) ?? normaliseUwsgi(line, context, DATASETS.generic, undefined) ?? normaliseServerErrorLine(line, context, DATASETS.generic);
}

function normalise(source: Source, written: Json | string, context: NormaliseContext, forced: boolean): Json {
  if (source === 'postgres') {
    // What else a PostgreSQL container writes (its image's entrypoint: "PostgreSQL init process complete; …") stays in
    // the stream, whole and tagged, as a JSON source's plain lines do; only a pipeline the user forced refuses it.
    if (typeof written !== 'string' || forced || isPostgresText(written)) return normalisePostgres(written, context);
    const document = normaliseGeneric(written, context, DATASETS.postgres);
    addTag(document, 'not_postgres_log');
    return document;
  }
  const record = typeof written === 'string' ? written : unwrapLoguru(written);
  // Another web server's access line is an access document of the generic stream; on a source's own topic, a line
  // that is not the source's stays whole (below).
  if (source === 'generic') return (typeof record === 'string' ? webServerLine(record, context) : undefined) ?? normaliseGeneric(record, context);
  if (typeof record === 'string') {
    const text = normaliseText(source, record, context);
    if (text !== undefined) return text;
    // A plain line from a JSON source (a stack trace, a start-up banner) stays in its stream, whole and tagged;
    // only a pipeline the user forced refuses it.
    if (forced) throw new RejectedError('validate', `the ${source} pipeline expects a JSON record, got a plain text line`);
    const document = normaliseGeneric(record, context, DATASETS[source]);
    addTag(document, 'not_json');
    return document;
  }
  if (source === 'traefik') {
    // Another proxy on a proxy's topic: Caddy's access records are read into the same stream, its own log as any logger's.
    if (isCaddyAccessRecord(record)) return normaliseCaddyRecord(record, context, DATASETS.traefik);
    if (isCaddyRecord(record)) return normaliseGeneric(record, context, DATASETS.traefik);
    return isTraefikRuntimeRecord(record) ? normaliseTraefikRuntime(record, context) : normaliseTraefik(record, context);
  }
  if (source === 'worker') return normaliseWorker(record, context);
  return normaliseApp(record, context);
}

/**
 * The whole pipeline as one pure function of an input (Vector's source → transforms): decode, route,
 * validate and normalise to ECS, then the enrichers in order. Never throws for bad input: a line that
 * cannot become a valid event comes back as a rejection with its stage and reason.
 */
export function createPipeline(options: PipelineOptions): (input: Input) => Outcome {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const now = options.now ?? Date.now;
  const topicSources = options.topicSources ?? {};
  const enrichers = options.enrichers ?? [];
  const times = options.stageTimes;
  const chosen = new Set(options.eventNamespaces ?? []);
  const namespaceOf = (envelope: Json | undefined): string => {
    const wanted = (envelope?.data_stream as Json | undefined)?.namespace;
    return typeof wanted === 'string' && chosen.has(wanted) ? wanted : options.namespace;
  };
  const timeThisOne = sometimes(STAGE_SAMPLING);
  let timing = false;
  let mark = 0;
  const lap = (stage: string): void => {
    if (!timing || times === undefined) return;
    const at = performance.now();
    times.set(stage, (times.get(stage) ?? 0) + (at - mark) * STAGE_SAMPLING);
    mark = at;
  };
  return (input) => {
    timing = times !== undefined && timeThisOne();
    if (timing) mark = performance.now();
    try {
      const decoded = decode(input, limits);
      const source = route(decoded.record, decoded.envelope, { forced: options.forcedSource, topic: input.topic, topicSources });
      lap('decode');
      const document = normalise(source, decoded.record, { namespace: namespaceOf(decoded.envelope), now: now(), envelope: decoded.envelope, tags: decoded.tags }, options.forcedSource !== undefined);
      lap('normalise');
      for (const enrich of enrichers) {
        enrich(document, decoded.text);
        lap(enrich.stage ?? 'enrich');
      }
      return { ok: true, source, document };
    } catch (error) {
      if (error instanceof RejectedError) return { ok: false, stage: error.stage, reason: error.message };
      throw error;
    }
  };
}
