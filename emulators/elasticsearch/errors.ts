/** An error as Elasticsearch reports it: HTTP status, `type`, `reason` and any extra fields, in its JSON body shape. */
export class EsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly reason: string,
    readonly extra: Record<string, unknown> = {},
    readonly causedBy?: { type: string; reason: string },
    /** Where the real cause lies deeper (a shard failure), Elasticsearch reports that as the root cause. */
    readonly rootCause?: Array<Record<string, unknown>>,
  ) {
    super(reason);
    this.name = 'EsError';
  }

  /** The id Elasticsearch had generated for the document when it failed (its bulk item reports it). */
  generatedId?: string;

  /** The `error` object of a response body, as also used inside bulk items. */
  toError(): Record<string, unknown> {
    const cause = { type: this.type, reason: this.reason, ...this.extra };
    return { root_cause: this.rootCause ?? [cause], ...cause, ...(this.causedBy ? { caused_by: this.causedBy } : {}) };
  }

  toBody(): Record<string, unknown> {
    return { error: this.toError(), status: this.status };
  }
}

export function indexNotFound(name: string): EsError {
  return new EsError(404, 'index_not_found_exception', `no such index [${name}]`, { 'resource.type': 'index_or_alias', 'resource.id': name, index_uuid: '_na_', index: name });
}

export function badRequest(reason: string): EsError {
  return new EsError(400, 'illegal_argument_exception', reason);
}

export function parsingError(reason: string): EsError {
  return new EsError(400, 'parsing_exception', reason, { line: 1, col: 1 });
}

export function resourceNotFound(reason: string): EsError {
  return new EsError(404, 'resource_not_found_exception', reason);
}

/**
 * An error raised while a shard builds or runs the query (a value that does not parse for its field, a
 * sort on an unmapped field): the search wraps it in `search_phase_execution_exception`, as Elasticsearch does.
 */
export class ShardLevelError extends EsError {}

export function queryShardError(reason: string, cause?: { type: string; reason: string }): ShardLevelError {
  return new ShardLevelError(400, 'query_shard_exception', `failed to create query: ${reason}`, { index_uuid: '_na_', index: '_na_' }, cause);
}
