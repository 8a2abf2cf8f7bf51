import { urlDecode } from './transforms.js';

/** `scheme://authority` before an absolute-form target's path. */
const ABSOLUTE_FORM = /^[a-z][a-z\d+.-]*:\/\/[^/]*/i;

/** What an access log carries of a request: the request line and, when logged, two headers. */
export interface AccessRequest {
  method: string;
  /** As sent: the path and the query, percent-encoded as the client wrote them. */
  uri: string;
  /** `HTTP/1.1` when the log has it. */
  protocol?: string;
  /** Headers: a string when logged, null when the log says the request had none, undefined when the log does not say. */
  userAgent?: string | null;
  referer?: string | null;
  /** The Host header, which proxies log (Traefik's RequestHost). */
  host?: string | null;
  /**
   * A request body, when an application logs it: a JSON body's string and number values become arguments
   * named by their path (`json.user.name`, as ModSecurity's JSON processor names them), a form body's pairs
   * become arguments, as a server's body processor would make them.
   */
  body?: string;
}

export interface Variable {
  /** As ModSecurity names a matched variable: `ARGS:q`, `REQUEST_HEADERS:User-Agent`, `REQUEST_URI`. */
  name: string;
  value: string;
}

/**
 * The collections a rule can read from a log line, built on first use. A collection that is not listed
 * (cookies, bodies, other headers) is one the log does not carry: its rules cannot be judged, see `KNOWN`.
 */
export const KNOWN_COLLECTIONS = new Set([
  'REQUEST_METHOD', 'REQUEST_PROTOCOL', 'REQUEST_LINE', 'REQUEST_URI', 'REQUEST_URI_RAW', 'REQUEST_FILENAME', 'REQUEST_BASENAME',
  'QUERY_STRING', 'ARGS', 'ARGS_NAMES', 'ARGS_GET', 'ARGS_GET_NAMES', 'ARGS_POST', 'ARGS_POST_NAMES', 'ARGS_COMBINED_SIZE',
  'REQUEST_HEADERS', 'REQUEST_HEADERS_NAMES', 'TX', 'MATCHED_VAR', 'MATCHED_VARS', 'MATCHED_VAR_NAME', 'MATCHED_VARS_NAMES',
]);

/** The headers an access log can carry; any other header is unknown, not absent. */
export const LOGGED_HEADERS = new Set(['user-agent', 'referer', 'host']);

/** UTF-8 text as the bytes that came over the wire, one char per byte, as ModSecurity sees them. */
export function toBytes(text: string): string {
  return Buffer.byteLength(text, 'utf8') === text.length ? text : Buffer.from(text, 'utf8').toString('latin1');
}

export class RequestVariables {
  readonly method: string;
  readonly uri: string;
  readonly protocol: string;
  private readonly headers: Variable[] = [];
  /** Headers the log says something about, present or not: only those can be counted. */
  private readonly knownHeaders = new Set<string>();
  private argsCache: Variable[] | undefined;
  private filenameCache: string | undefined;

  private readonly body: string | undefined;

  constructor(request: AccessRequest) {
    this.body = request.body;
    this.method = toBytes(request.method);
    this.uri = toBytes(request.uri);
    this.protocol = request.protocol ?? 'HTTP/1.1';
    for (const [name, value] of [['User-Agent', request.userAgent], ['Referer', request.referer], ['Host', request.host]] as const) {
      if (value === undefined) continue;
      this.knownHeaders.add(name.toLowerCase());
      if (value === null) continue;
      this.headers.push({ name: `REQUEST_HEADERS:${name}`, value: toBytes(value) });
    }
  }

  /**
   * The path, without the query, a fragment, or the scheme and host of an absolute-form target: REQUEST_FILENAME is
   * "the relative request URL" (ModSecurity's reference manual; Apache's ModSecurity takes the parsed path). A cache's
   * log writes every request so (varnishncsa's `GET http://<Host>/path`), and its Host header is not the path.
   */
  get path(): string {
    const query = this.uri.indexOf('?');
    let path = query < 0 ? this.uri : this.uri.slice(0, query);
    if (path.charCodeAt(0) !== 47) path = path.replace(ABSOLUTE_FORM, '');
    const fragment = path.indexOf('#');
    return fragment < 0 ? path : path.slice(0, fragment);
  }

  get query(): string {
    const query = this.uri.indexOf('?');
    if (query < 0) return '';
    const fragment = this.uri.indexOf('#', query);
    return fragment < 0 ? this.uri.slice(query + 1) : this.uri.slice(query + 1, fragment);
  }

  /** REQUEST_FILENAME: the path, URL-decoded once ("+" stays: it is a space only in a query). */
  get filename(): string {
    return (this.filenameCache ??= urlDecode(this.path.replaceAll('+', '%2b')));
  }

  get basename(): string {
    const path = this.filename;
    return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  }

  get argsSize(): string {
    return String(this.args.reduce((sum, arg) => sum + arg.name.length + arg.value.length, 0));
  }

  /** Query arguments, names and values URL-decoded, in order; `a` alone is an argument with an empty value. */
  get args(): Variable[] {
    if (this.argsCache !== undefined) return this.argsCache;
    const args = formPairs(this.query);
    if (this.body !== undefined && this.body !== '') args.push(...bodyArguments(this.body));
    this.argsCache = args;
    return args;
  }

  /** The values of a known collection (the key already applied), or undefined for one the log does not carry. */
  collection(collection: string, key: string | RegExp | undefined): Variable[] | undefined {
    switch (collection) {
      case 'REQUEST_METHOD':
        return [{ name: collection, value: this.method }];
      case 'REQUEST_PROTOCOL':
        return [{ name: collection, value: this.protocol }];
      case 'REQUEST_LINE':
        return [{ name: collection, value: `${this.method} ${this.uri} ${this.protocol}` }];
      case 'REQUEST_URI':
      case 'REQUEST_URI_RAW':
        return [{ name: collection, value: this.uri }];
      case 'REQUEST_FILENAME':
        return [{ name: collection, value: this.filename }];
      case 'REQUEST_BASENAME':
        return [{ name: collection, value: this.basename }];
      case 'QUERY_STRING':
        return [{ name: collection, value: this.query }];
      case 'ARGS':
      case 'ARGS_GET':
        return this.args.filter((arg) => keyed(arg.name, key)).map((arg) => ({ name: `${collection}:${arg.name}`, value: arg.value }));
      case 'ARGS_NAMES':
      case 'ARGS_GET_NAMES':
        return this.args.filter((arg) => keyed(arg.name, key)).map((arg) => ({ name: `${collection}:${arg.name}`, value: arg.name }));
      case 'ARGS_POST':
      case 'ARGS_POST_NAMES':
        return [];
      case 'ARGS_COMBINED_SIZE':
        return [{ name: collection, value: this.argsSize }];
      case 'REQUEST_HEADERS':
        if (typeof key === 'string' && !this.knownHeaders.has(key.toLowerCase())) return undefined;
        return this.headers.filter((header) => keyed(header.name.slice(16), key));
      case 'REQUEST_HEADERS_NAMES':
        return this.headers.filter((header) => keyed(header.name.slice(16), key)).map((header) => ({ name: header.name, value: header.name.slice(16) }));
      default:
        return undefined;
    }
  }
}

/** A collection key: a name (case-insensitive) or a regular expression, as `ARGS:q` or `ARGS:/^id_/`. */
function keyed(name: string, key: string | RegExp | undefined): boolean {
  if (key === undefined) return true;
  if (typeof key === 'string') return name.toLowerCase() === key.toLowerCase();
  return key.test(name);
}

/** A logged body as arguments: JSON values by path, or form pairs; other bodies give none. */
function bodyArguments(body: string): Variable[] {
  const trimmed = body.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      return [];
    }
    const out: Variable[] = [];
    const walk = (node: unknown, path: string): void => {
      if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean') out.push({ name: path, value: toBytes(String(node)) });
      else if (Array.isArray(node)) node.forEach((item, index) => walk(item, `${path}.array_${index}`));
      else if (typeof node === 'object' && node !== null) for (const [key, value] of Object.entries(node)) walk(value, `${path}.${key}`);
    };
    walk(parsed, 'json');
    return out;
  }
  return /^[^=&\s]+=/.test(trimmed) ? formPairs(toBytes(trimmed)) : [];
}

/** `a=1&b&c=%20`: names and values URL-decoded, in order; `b` alone is an argument with an empty value. */
function formPairs(text: string): Variable[] {
  const pairs: Variable[] = [];
  if (text === '') return pairs;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    pairs.push({ name: urlDecode(equals < 0 ? pair : pair.slice(0, equals)), value: equals < 0 ? '' : urlDecode(pair.slice(equals + 1)) });
  }
  return pairs;
}
