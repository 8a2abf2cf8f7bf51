import { addTag, decodeOnce, put, type Json } from '../ecs.js';
import type { Match } from './crs/engine.js';
import { CRS_VERSION, loadCrs, type Crs, type CrsOptions } from './crs/ruleset.js';
import type { AccessRequest } from './crs/request.js';

/**
 * Attack tags for a request, as a WAF running the OWASP Core Rule Set would give them: CRS's request rules
 * (pipelines/enrich/crs/) over what the log holds of the request, scored as CRS scores (critical 5, error 4,
 * warning 3, notice 2, summed up to the paranoia level). Every matched rule is written to `rule.*`, its
 * `attack-*` tag as a Sluice category; `security_alert` only when the score reaches the inbound threshold.
 * A few Sluice signatures cover what CRS has no rule for (admin-console probes, system files and stream
 * wrappers in the path, Log4j lookups without `jndi`, scanners missing from CRS's list); they score as
 * critical CRS rules do. Behaviour over time (brute force, 404 scans) is services/rollup's.
 */

export const CATEGORIES = ['sqli', 'xss', 'traversal', 'command_injection', 'log4shell', 'sensitive_file', 'scanner', 'rfi', 'php_injection', 'java_injection', 'injection', 'session_fixation', 'protocol'] as const;
export type Category = (typeof CATEGORIES)[number];

/** CRS's attack tags as Sluice's categories. */
const ATTACK_CATEGORY: Record<string, Category> = {
  'attack-sqli': 'sqli',
  'attack-xss': 'xss',
  'attack-lfi': 'traversal',
  'attack-rfi': 'rfi',
  'attack-rce': 'command_injection',
  'attack-injection-php': 'php_injection',
  'attack-injection-java': 'java_injection',
  'attack-injection-generic': 'injection',
  'attack-ssrf': 'injection',
  'attack-ssti': 'injection',
  'attack-fixation': 'session_fixation',
  'attack-reputation-scanner': 'scanner',
  'attack-protocol': 'protocol',
  'attack-multipart-header': 'protocol',
  'attack-deprecated-header': 'protocol',
};

/** Rules whose attack tag says less than what they find. */
const RULE_CATEGORY: Record<number, Category> = {
  930130: 'sensitive_file', // restricted files (.env, .git, .htpasswd …)
  920440: 'sensitive_file', // restricted extensions (.bak, .sql, .db …)
  920500: 'sensitive_file', // backup or working files (index.php~)
  944150: 'log4shell',
  944151: 'log4shell',
  944152: 'log4shell',
};

interface Signature {
  id: string;
  name: string;
  category: Category;
  /** Where to look: the decoded path, the decoded URI (path and query), or the user agent as sent. */
  target: 'path' | 'uri' | 'user_agent';
  pattern: RegExp;
}

const SLUICE_RULESET = 'sluice-request-signatures';

/** Only what CRS has no rule for; each scores as a critical CRS rule (5). */
const SIGNATURES: Signature[] = [
  { id: 'PROBE-002', name: 'Admin console or framework probe', category: 'sensitive_file', target: 'path', pattern: /\/(wp-admin|wp-login\.php|xmlrpc\.php|wlwmanifest\.xml|phpmyadmin|pma|adminer(\.php)?|cgi-bin|server-status|server-info|actuator(\/\w+)?|solr\/admin|jmx-console|manager\/(html|text)|jenkins\/script|druid\/index\.html|console\/login|_profiler|telescope|debug\/default\/view|vendor\/phpunit|boaform|hnap1)\b/i },
  // Endpoints of known exploits (each CVE's advisory) that internet-wide scanners try on every host, whatever it runs.
  {
    id: 'PROBE-003',
    name: 'Probe for a known exploit',
    category: 'scanner',
    target: 'path',
    // Laravel Ignition CVE-2021-3129, GPON routers CVE-2018-10561, F5 BIG-IP CVE-2022-1388, Liferay CVE-2020-7961,
    // Telerik UI CVE-2019-18935, Cisco ASA's WebVPN login page (fingerprinted for its CVEs), Linksys's tmUnblock.cgi
    // (TheMoon), TBK DVRs CVE-2018-9995, Exchange's OWA and ECP (ProxyLogon CVE-2021-26855, and version fingerprints),
    // Nacos CVE-2021-29441, WordPress's File Manager plugin CVE-2020-25213, Struts 2's showcase application (its OGNL
    // injections), an exposed Docker Engine API.
    pattern: /\/(_ignition\/execute-solution|gponform\/diag_form|mgmt\/tm\/util\/bash|api\/jsonws\/invoke|telerik\.web\.ui\.webresource\.axd|\+cscoe\+\/|tmunblock\.cgi|device\.rsp|owa\/auth\/|nacos\/v1\/auth\/|wp-file-manager\/lib\/php\/connector|struts2-showcase\/|containers\/json)|^\/ecp\//i,
  },
  // ThinkPHP 5's remote code execution CVE-2018-20062 (its route in the `s` argument), Drupal's CVE-2018-7600 (its form
  // element in `element_parents`) and Xdebug's remote debugger.
  { id: 'PROBE-004', name: 'Probe for a known exploit in the query', category: 'scanner', target: 'uri', pattern: /\\think\\app\/invokefunction|[?&]element_parents=account\/mail\/#value|[?&]xdebug_session_start=/i },
  // CRS looks for OS files and wrappers in arguments (930120, 931), not in the path itself.
  { id: 'LFI-002', name: 'System file in the path', category: 'traversal', target: 'path', pattern: /\/etc\/(passwd|shadow|hosts|group|issue|os-release)\b|\/proc\/self\/(environ|cmdline|fd|maps)|c:[/\\]windows|win\.ini|boot\.ini|\/root\/\./i },
  { id: 'LFI-003', name: 'File or stream wrapper in the path', category: 'traversal', target: 'path', pattern: /\b(php|file|expect|zip|phar|data|glob|jar):\/\//i },
  // CRS's 944150 wants "${jndi"; these lookups leak secrets without it.
  { id: 'L4J-002', name: 'Log4j lookup of environment or system properties', category: 'log4shell', target: 'user_agent', pattern: /\$\{[^}]*\$\{|\$\{(env|sys|java|base64|date|ctx|main|bundle|spring|k8s|docker):/i },
  // Scanners CRS's scanners-user-agents.data does not list (httpx is left out: it is also python-httpx, an HTTP library).
  { id: 'SCAN-001', name: 'Known scanner not in CRS\'s list', category: 'scanner', target: 'user_agent', pattern: /\b(nuclei|zgrab|gobuster|ffuf|feroxbuster|jaeles|xsstrike|commix|dirsearch|wpscan|whatweb|l9explore|censysinspect|fuzz faster u fool)\b/i },
];

const SIGNATURE_SCORE = 5;

/** Per user agent and per URI, which signatures they match (as many as the CRS screen remembers per kind). */
const SIGNATURE_CACHE_SIZE = 20_000;

/** `find`'s answers remembered per key, emptied when full: agents and URIs repeat. */
function remembered(find: (key: string) => Signature[]): (key: string) => Signature[] {
  const answers = new Map<string, Signature[]>();
  return (key) => {
    let found = answers.get(key);
    if (found === undefined) {
      found = find(key);
      if (answers.size >= SIGNATURE_CACHE_SIZE) answers.clear();
      answers.set(key, found);
    }
    return found;
  };
}

export interface SecurityVerdict {
  matches: readonly Match[];
  signatures: Signature[];
  score: number;
  alert: boolean;
}

export interface SecurityTagger {
  (document: Json): void;
  crs: Crs;
  /** The verdict on one request, as the enricher computes it. */
  inspect(request: AccessRequest): SecurityVerdict;
}

/** An object field of a document, or undefined. */
function objectIn(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null ? (value as Json) : undefined;
}

/** `HTTP/1.1` from `1.1`, made once per version. */
const PROTOCOLS = new Map<string, string>();

/**
 * The request as the document holds it: url.original as sent, or the path and the query. Each field is read
 * at its own site: documents come in many shapes, and one shared reader made every read a slow, megamorphic one.
 */
export function requestOf(document: Json): AccessRequest | undefined {
  const url = objectIn(document.url);
  if (url === undefined) return undefined;
  const original = url.original;
  let uri: string;
  if (typeof original === 'string') uri = original;
  else {
    const path = url.path;
    if (typeof path !== 'string') return undefined;
    const query = url.query;
    uri = typeof query === 'string' ? `${path}?${query}` : path;
  }
  const http = objectIn(document.http);
  const httpRequest = objectIn(http?.request);
  const method = httpRequest?.method;
  const version = http?.version;
  let protocol: string | undefined;
  if (typeof version === 'string') {
    protocol = PROTOCOLS.get(version);
    if (protocol === undefined) PROTOCOLS.set(version, (protocol = `HTTP/${version}`));
  }
  const agent = objectIn(document.user_agent)?.original;
  const referrer = httpRequest?.referrer;
  const body = objectIn(httpRequest?.body)?.content;
  const host = url.domain;
  // Every field set, undefined when the document lacks it: one object shape for every request.
  const request: AccessRequest = {
    method: typeof method === 'string' ? method : 'GET',
    uri,
    protocol,
    userAgent: typeof agent === 'string' ? agent : undefined,
    referer: typeof referrer === 'string' ? referrer : undefined,
    host: typeof host === 'string' ? host : undefined,
    body: typeof body === 'string' ? body : undefined,
  };
  return request;
}

/**
 * CRS allows GET, HEAD, POST and OPTIONS unless crs-setup.conf says more; a REST API (the seed platform's
 * uploads, jobs and webhooks) also uses PUT, PATCH and DELETE, as crs-setup.conf.example suggests for one.
 */
export const DEFAULT_ALLOWED_METHODS = 'GET HEAD POST OPTIONS PUT PATCH DELETE';

/** Options as the configuration gives them (`dir` undefined for the vendored rules). */
export interface SecurityOptions {
  paranoia?: number;
  threshold?: number;
  dir?: string | undefined;
  exclude?: readonly number[];
  allowedMethods?: string;
  rememberedVerdicts?: number;
}

/** The rules' settings from the configuration's, with Sluice's defaults. */
export function crsOptionsOf(options: SecurityOptions): CrsOptions {
  const settings: CrsOptions = { paranoia: options.paranoia ?? 1, threshold: options.threshold ?? 5, exclude: options.exclude ?? [], allowedMethods: options.allowedMethods ?? DEFAULT_ALLOWED_METHODS };
  if (options.dir !== undefined) settings.dir = options.dir;
  if (options.rememberedVerdicts !== undefined) settings.rememberedVerdicts = options.rememberedVerdicts;
  return settings;
}

/** `crs` when the rules were loaded already (in turns, by the ingest start). */
export function createSecurityTagger(options: SecurityOptions = {}, crs: Crs = loadCrs(crsOptionsOf(options))): SecurityTagger {
  const agentSignatures = remembered((agent) => SIGNATURES.filter((signature) => signature.target === 'user_agent' && signature.pattern.test(agent)));
  // Per URI as sent, not per path: the URI's hash is already computed by the CRS screen.
  const uriSignatures = remembered((uri) => {
    const question = uri.indexOf('?');
    const path = decodeOnce(question < 0 ? uri : uri.slice(0, question)).value;
    const whole = question < 0 ? path : decodeOnce(uri).value;
    return SIGNATURES.filter((signature) => (signature.target === 'path' ? signature.pattern.test(path) : signature.target === 'uri' && signature.pattern.test(whole)));
  });
  const inspect = (request: AccessRequest): SecurityVerdict => {
    const { matches, score } = crs.evaluate(request);
    // The remembered lists are shared, never changed: joined only when both found something.
    const fromUri = uriSignatures(request.uri);
    const fromAgent = typeof request.userAgent === 'string' ? agentSignatures(request.userAgent) : [];
    const signatures = fromAgent.length === 0 ? fromUri : fromUri.length === 0 ? fromAgent : [...fromUri, ...fromAgent];
    const total = score + SIGNATURE_SCORE * signatures.length;
    return { matches, signatures, score: total, alert: total >= crs.options.threshold };
  };
  const tagger = (document: Json): void => {
    const request = requestOf(document);
    if (request === undefined) return;
    const verdict = inspect(request);
    if (verdict.matches.length === 0 && verdict.signatures.length === 0) return;
    writeVerdict(document, verdict);
  };
  return Object.assign(tagger, { crs, inspect });
}

export function categoriesOf(verdict: Pick<SecurityVerdict, 'matches' | 'signatures'>): Category[] {
  const categories = new Set<Category>();
  for (const match of verdict.matches) {
    const byRule = RULE_CATEGORY[match.id];
    if (byRule !== undefined) categories.add(byRule);
    else for (const tag of match.tags) if (ATTACK_CATEGORY[tag] !== undefined) categories.add(ATTACK_CATEGORY[tag] as Category);
  }
  for (const signature of verdict.signatures) categories.add(signature.category);
  return [...categories];
}

/** ECS: every rule to rule.*, categories to tags and rule.category, the anomaly score to event.risk_score. */
function writeVerdict(document: Json, verdict: SecurityVerdict): void {
  const categories = categoriesOf(verdict);
  if (verdict.alert) {
    addTag(document, 'security_alert');
    put(document, 'event.kind', 'alert');
  }
  for (const category of categories) addTag(document, category);
  put(document, 'rule.id', [...verdict.matches.map((match) => String(match.id)), ...verdict.signatures.map((signature) => signature.id)]);
  put(document, 'rule.name', [...verdict.matches.map((match) => match.msg), ...verdict.signatures.map((signature) => signature.name)]);
  put(document, 'rule.category', categories);
  const rulesets = [...(verdict.matches.length > 0 ? [`OWASP CRS ${CRS_VERSION}`] : []), ...(verdict.signatures.length > 0 ? [SLUICE_RULESET] : [])];
  put(document, 'rule.ruleset', rulesets.length === 1 ? rulesets[0] : rulesets);
  put(document, 'event.risk_score', verdict.score);
}

let defaultTagger: SecurityTagger | undefined;

/** The enricher with CRS's defaults (paranoia level 1, threshold 5), loaded on first use. */
export function tagSecurity(document: Json): void {
  (defaultTagger ??= createSecurityTagger())(document);
}
