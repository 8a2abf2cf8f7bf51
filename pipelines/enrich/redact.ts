import { getCountrySpecifications, isValidIBAN } from 'ibantools';
import { REDACTION_RULES, type RedactionRule } from '../../shared/config.js';
import { memoized } from '../../shared/memo.js';
import { maskUrlPasswords } from '../../shared/url-password.js';
import type { Json } from '../ecs.js';

/**
 * JSON fields whose whole value is a secret, whatever it looks like (compared in lower case): these, and every name
 * SECRET_NAME or SECRET_CAMEL below matches (`password`, `client_secret`, `access_token`, `api_key`, …).
 */
const SECRET_KEYS = new Set(['pwd', 'pass', 'passphrase', 'sig', 'accountkey', 'sharedaccesskey', 'api-key', 'x-api-key', 'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'session', 'sessionid', 'private_key', 'credit_card', 'card_number', 'cvv']);

/**
 * Also percent-encoded (`%40`), as addresses appear in logged query strings. The lookbehind starts a match
 * only where a run of local-part characters starts: without it every position of a long run is tried again.
 */
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}/g;
/**
 * An HTTP credential after its scheme (RFC 6750's bearer, RFC 7617's basic, Django REST framework's token), in the
 * cases it is written in. The credential must look like one (a digit, a capital inside it, `+` or `/`): the words
 * "token", "basic" and "bearer" in prose ("token refreshed", "basic authentication", "/oauth/token grant_type=…")
 * lost the word after them.
 */
const TOKEN = /\b(Bearer|bearer|BEARER|Basic|basic|BASIC|Token|token|TOKEN)(\s+|%20|\+)(?=[A-Za-z._~-]*(?:\d|[a-z][A-Z]|[+/]))[A-Za-z0-9._~+/=-]{8,}/g;
/**
 * Credentials known by their shape whatever name they go under (the providers' documented formats, as secret
 * scanners such as gitleaks list them): AWS access key ids, Google API keys, GitHub and GitLab tokens, Slack tokens
 * and incoming-webhook URLs, Stripe secret and restricted keys (live and test), SendGrid, OpenAI and Anthropic API
 * keys, npm and Hugging Face access tokens, Microsoft Entra (Azure AD) client secrets.
 */
const PROVIDER_KEY = new RegExp([
  String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
  String.raw`\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])`,
  String.raw`\bgh[pousr]_[0-9A-Za-z]{36}\b`,
  String.raw`\bgithub_pat_\w{82}\b`,
  String.raw`\bglpat-[0-9A-Za-z_-]{20}(?![0-9A-Za-z_-])`,
  String.raw`\bxox[abprs]-[0-9A-Za-z-]{10,}`,
  String.raw`(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}`,
  String.raw`\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}\b`,
  String.raw`\bSG\.[\w-]{22}\.[\w-]{43}(?![\w-])`,
  // OpenAI's keys carry "openai" in base64 (T3BlbkFJ) between two random parts.
  String.raw`\bsk-[\w-]{20,}T3BlbkFJ[\w-]{20,}`,
  String.raw`\bsk-ant-[a-z]+\d\d-[\w-]{40,}`,
  String.raw`\bnpm_[0-9A-Za-z]{36}\b`,
  String.raw`\bhf_[A-Za-z]{34}\b`,
  String.raw`(?<![\w~.-])[\w~.]{3}\dQ~[\w~.-]{31,34}(?![\w~.-])`,
].join('|'), 'g');
/**
 * `key=value` (or `key="value"`, `"key":"value"`, Python's `'key': 'value'`, `key: value`) where the key is named
 * for a secret: `auth`, `pwd`, `pass`, `session`, `sig` (an Azure shared access signature's, only before `=` as a
 * query string carries it: "killed by sig: 9" stays), or any name ending in password, passphrase, secret, token,
 * API key, signature or credential (`oauth_token`, `X-Amz-Signature`, `X-Amz-Security-Token`, `private_token`), as
 * query strings carry them, and Azure connection strings' `AccountKey` and `SharedAccessKey` (their value ends at
 * the `;`). The key starts where no word character or hyphen precedes it, so each key is tried once.
 */
const SECRET_PAIR = /(?<![\w-])([\w-]{0,64}?(?:password|passwd|passphrase|secret|token|api[_-]?key|apikey|signature|credential|secret[_-]?(?:access[_-]?)?key|private[_-]?key|accountkey|sharedaccesskey)|pwd|pass|auth|session(?:id)?|sig(?==|%3D))(=\s*["']|=|%3D|"\s*:\s*"|'\s*:\s*'|:\s*)([^&\s"',;]+)/gi;
/**
 * A password in SQL as PostgreSQL logs the statement (`log_statement`, an error's STATEMENT line): `CREATE ROLE …
 * PASSWORD '…'`, `ALTER USER … WITH ENCRYPTED PASSWORD '…'`; the literal with its doubled quotes. PostgreSQL's
 * documentation warns that such a password may be logged; it does not hide it.
 */
const SQL_PASSWORD = /\b(PASSWORD\s+)'(?:[^']|'')*'/gi;
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;
/** A PEM private key, its whole block; one cut off at the end of a line up to that end. */
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
/** An IBAN's shape, in its electronic or its printed form (groups of four); ibantools then checks its country's format and checksum. */
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;
/** Each IBAN country's length in characters (ibantools' registry). */
const IBAN_LENGTHS = new Map(Object.entries(getCountrySpecifications()).flatMap(([country, spec]) => (spec.chars === undefined || spec.chars === null ? [] : [[country, spec.chars] as const])));

/**
 * An IBAN at the start of a match of IBAN: its country's number of characters, spaces between them allowed, then
 * the checksum. The match may run on into what follows the IBAN (` 2026`, ` SENT`, another IBAN), which is read again.
 */
function redactIban(match: string): string {
  const length = IBAN_LENGTHS.get(match.slice(0, 2));
  if (length === undefined) return match;
  let taken = 0;
  let end = 0;
  for (; end < match.length && taken < length; end += 1) if (match[end] !== ' ') taken += 1;
  return taken === length && isValidIBAN(match.slice(0, end).replaceAll(' ', '')) ? `[REDACTED:iban]${match.slice(end).replace(IBAN, redactIban)}` : match;
}

/**
 * A payment card number: 13 to 19 digits, an issuer's first digits, and the Luhn checksum. The first digit is
 * ISO/IEC 7812's major industry identifier: cards are issued under 3 (Amex, Diners, JCB), 4 (Visa), 5
 * (Mastercard, Maestro) and 6 (Discover, UnionPay, Maestro), and Mastercard's 2-series is 2221-2720. Without
 * the issuer test, a tenth of all 13-digit millisecond timestamps (1…) passed as cards, since Luhn alone
 * accepts one number in ten.
 */
export function cardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  const first = digits.charCodeAt(0) - 48;
  const issued = (first >= 3 && first <= 6) || (first === 2 && Number(digits.slice(0, 4)) >= 2221 && Number(digits.slice(0, 4)) <= 2720);
  return issued && luhn(digits);
}

/** The Luhn checksum, so that an order number or a timestamp is not taken for a card. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * A cheap test first: most strings hold none of the characters or words a secret needs. (An "=" alone is
 * not one: a secret pair needs its key word, which is listed.) One pass finds which families of hints a
 * string holds (a JWT's start, a key word, a run of digits), so that each rule's own, dearer expression runs
 * only where its hint is; "@" is looked for with `includes`, several times faster than an expression.
 */
const JWT_START = 'eyJ';
const KEY_WORDS = 'earer|asic|oken|pass|pwd|secret|api.?key|auth|sess|ignature|redential|private.?key|cc(?:ount|ess)key|sig(?:=|%3d)';
const DIGIT_RUN = '\\d{12}|\\d[ -]\\d{4}';
const PROVIDER_START = 'AKIA|ASIA|AIza|gh[pousr]_|github_pat_|glpat-|xox[abprs]-|hooks\\.slack\\.com|k_(?:live|test)_|SG\\.|T3BlbkFJ|sk-ant-|npm_|hf_|Q~';
const HINTS = new RegExp(`(${JWT_START})|(${KEY_WORDS})|(${DIGIT_RUN})|(${PROVIDER_START})`, 'gi');
const JWT_HINT = 1;
const WORD_HINT = 2;
const DIGITS_HINT = 4;
const PROVIDER_HINT = 8;
const EVERY_HINT = JWT_HINT | WORD_HINT | DIGITS_HINT | PROVIDER_HINT;

function hintsOf(value: string): number {
  let found = 0;
  HINTS.lastIndex = 0;
  for (let match = HINTS.exec(value); match !== null && found !== EVERY_HINT; match = HINTS.exec(value)) {
    found |= match[1] !== undefined ? JWT_HINT : match[2] !== undefined ? WORD_HINT : match[3] !== undefined ? DIGITS_HINT : PROVIDER_HINT;
  }
  return found;
}

/**
 * What a whole input line must contain for anything in its document to need redaction: a hint above, a secret
 * field name, or anything decoding could turn into a hint (a percent sign, a JSON \u escape, a non-ASCII
 * character that changes under case mapping). A line with none of them (a worker's "transcode finished", most
 * database lines) skips the walk of its document.
 */
const LINE_WORDS = new RegExp(`${JWT_START}|${KEY_WORDS}|cookie|cvv|card|private|${DIGIT_RUN}|${PROVIDER_START}|[^\\x00-\\x7f]`, 'i');
const lineMaybe = (line: string): boolean => line.includes('@') || line.includes('%') || line.includes('\\u') || LINE_WORDS.test(line);

/** Fields Sluice itself writes from timestamps, names and numbers: they never hold personal data. */
const SAFE_KEYS = new Set(['@timestamp', 'ingested', 'dataset', 'namespace', 'version', 'outcome', 'kind', 'level', 'route', 'method', 'status_code', 'country_iso_code', 'city_name', 'region_name', 'ip']);

/** What a field's name says about its value: none of the names is both safe and secret. */
const enum KeyKind {
  Text,
  Safe,
  Secret,
}

/** A field named for a secret: `password`, `oauth_token`, `X-Amz-Security-Token`, `sessionToken`, `clientSecret`. */
const SECRET_NAME = /(?:^|[_.-])(?:token|secret|password|passwd|api_?key|signature|secret_?(?:access_?)?key|private_?key|credentials?)$/;
const SECRET_CAMEL = /[a-z0-9](?:Token|Secret|Password|ApiKey|Signature|SecretKey|SecretAccessKey|PrivateKey|Credentials?)$/;
/** Traefik logs a kept header as `request_<Name>`, `origin_<Name>` or `downstream_<Name>` (`request_Cookie`). */
const HEADER_PREFIX = /^(?:request|origin|downstream)_/;
const secretName = (key: string, lower: string): boolean =>
  SECRET_KEYS.has(lower) || SECRET_KEYS.has(lower.replace(HEADER_PREFIX, '')) || SECRET_NAME.test(lower) || SECRET_CAMEL.test(key);

/** Documents repeat a few hundred field names: each is judged (and lower-cased) once. */
const kindOf = memoized(10_000, (key): KeyKind => (SAFE_KEYS.has(key) ? KeyKind.Safe : secretName(key, key.toLowerCase()) ? KeyKind.Secret : KeyKind.Text));

/**
 * Objects whose every value Sluice (or Filebeat's own configuration) writes, from enumerations and enrichment
 * databases, by where they sit in an ECS document: `ecs`, `data_stream`, `event`, `rule`, `service`, `agent`
 * and `tags` at the top, geo and AS answers under `source`/`client`, parsed user-agent parts. They are not walked at all (a third of redaction's cost).
 * Only these paths: a record's own fields (under the custom namespaces) are walked whatever their names.
 */
const SAFE_OBJECTS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['', new Set(['ecs', 'data_stream', 'event', 'rule', 'service', 'agent', 'tags'])],
  ['source', new Set(['geo', 'as'])],
  ['client', new Set(['geo', 'as'])],
  ['user_agent', new Set(['os', 'device'])],
]);
const NOTHING_SAFE: ReadonlySet<string> = new Set();
const TOP = SAFE_OBJECTS.get('') as ReadonlySet<string>;
/** The top-level objects redaction does not walk: a record's free text must not be placed in them (ecs-fields.ts). */
export const UNREDACTED_ROOTS: ReadonlySet<string> = TOP;

export function createRedactor(rules: readonly RedactionRule[] = REDACTION_RULES): { text(value: string): string; document(document: Json, line?: string): void } {
  const on = new Set(rules);
  const [jwt, token, secret, email, card, iban] = [on.has('jwt'), on.has('token'), on.has('secret'), on.has('email'), on.has('card'), on.has('iban')];
  const text = (value: string): string => {
    const address = value.includes('@') || value.includes('%40');
    const hints = hintsOf(value);
    if (!address && hints === 0) return value;
    let out = value;
    if (jwt && (hints & JWT_HINT) !== 0) out = out.replace(JWT, '[REDACTED:jwt]');
    if (token && (hints & PROVIDER_HINT) !== 0) out = out.replace(PROVIDER_KEY, '[REDACTED:token]');
    if ((hints & WORD_HINT) !== 0) {
      if (secret) out = out.replace(PRIVATE_KEY, '[REDACTED:secret]');
      if (token) out = out.replace(TOKEN, (_match, scheme: string, gap: string) => `${scheme}${gap}[REDACTED:token]`);
      if (secret) out = out.replace(SQL_PASSWORD, "$1'[REDACTED:secret]'");
      if (secret) out = out.replace(SECRET_PAIR, (_match, key: string, separator: string) => `${key}${separator}[REDACTED:secret]`);
    }
    // Before the addresses: a URL's password and host look like one (`pw@db.example.com`).
    if (secret && address && out.includes('://')) out = maskUrlPasswords(out, '[REDACTED:secret]');
    if (email && address) out = out.replace(EMAIL, '[REDACTED:email]');
    if ((hints & DIGITS_HINT) !== 0) {
      // The IBAN first: its account number may pass as a card's, and would leave the country and checksum behind.
      if (iban) out = out.replace(IBAN, redactIban);
      if (card) out = out.replace(CARD, (match) => (cardNumber(match.replace(/[ -]/g, '')) ? '[REDACTED:card]' : match));
    }
    return out;
  };
  const walk = (node: Json, safe: ReadonlySet<string>): void => {
    for (const key in node) {
      const value = node[key];
      if (typeof value === 'string') {
        const kind = kindOf(key);
        if (kind === KeyKind.Safe) continue;
        if (kind === KeyKind.Secret && secret) node[key] = '[REDACTED:secret]';
        else {
          // Written back only when changed: most are not, and a store to each would be wasted.
          const redacted = text(value);
          if (redacted !== value) node[key] = redacted;
        }
      } else if (Array.isArray(value)) {
        if (safe.has(key)) continue;
        // In place: most arrays hold nothing to redact, and a copy of each would be garbage.
        for (let i = 0; i < value.length; i += 1) {
          const item: unknown = value[i];
          if (typeof item === 'string') {
            const redacted = text(item);
            if (redacted !== item) value[i] = redacted;
          } else if (typeof item === 'object' && item !== null) walk(item as Json, NOTHING_SAFE);
        }
      } else if (typeof value === 'object' && value !== null) {
        // Below the top level only the named children of source, client and user_agent are skipped.
        if (!safe.has(key)) walk(value as Json, safe === TOP ? (SAFE_OBJECTS.get(key) ?? NOTHING_SAFE) : NOTHING_SAFE);
      } else if (secret && value !== undefined && value !== null && kindOf(key) === KeyKind.Secret) node[key] = '[REDACTED:secret]';
    }
  };
  return {
    text,
    document: (document, line) => {
      if (line === undefined || lineMaybe(line)) walk(document, TOP);
    },
  };
}
