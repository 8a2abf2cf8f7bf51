import type { Json } from './ecs.js';

export const SOURCES = ['app', 'traefik', 'worker', 'postgres', 'generic'] as const;
export type Source = (typeof SOURCES)[number];

/** One Kafka message value or one stdin line, with where it came from. */
export interface Input {
  value: string | Buffer;
  topic?: string;
  partition?: number;
  offset?: string | number;
}

export type Stage = 'decode' | 'route' | 'validate' | 'normalise' | 'enrich';

/** A line that cannot become a valid event: which stage refused it and exactly why. */
export interface Rejection {
  ok: false;
  stage: Stage;
  reason: string;
}

export interface Accepted {
  ok: true;
  source: Source;
  document: Json;
}

export type Outcome = Accepted | Rejection;

/** What decoding found: the Filebeat envelope (if any) and the log line itself, parsed when it is JSON. */
export interface Decoded {
  envelope: Json | undefined;
  /** The log record: a parsed JSON object, or the text of a plain line. */
  record: Json | string;
  tags: string[];
  /** The whole input as text (UTF-8 decoded, trimmed): what every value of the document was made from. */
  text: string;
}

export interface Limits {
  maxBytes: number;
  maxDepth: number;
  maxFields: number;
}

export const DEFAULT_LIMITS: Limits = { maxBytes: 1024 * 1024, maxDepth: 20, maxFields: 1000 };

export class RejectedError extends Error {
  constructor(
    readonly stage: Stage,
    reason: string,
  ) {
    super(reason);
    this.name = 'RejectedError';
  }
}
