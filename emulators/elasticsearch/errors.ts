/** An error as Elasticsearch reports it: HTTP status, `type`, `reason` and any extra fields, in its JSON body shape. */
export class EsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly reason: string,
    readonly extra: Record<string, unknown> = {},
    readonly causedBy?: { type: string; reason: string },
  ) {
    super(reason);
    this.name = 'EsError';
  }

  /** The `error` object of a response body, as also used inside bulk items. */
  toError(): Record<string, unknown> {
    const cause = { type: this.type, reason: this.reason, ...this.extra };
    return { root_cause: [cause], ...cause, ...(this.causedBy ? { caused_by: this.causedBy } : {}) };
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
