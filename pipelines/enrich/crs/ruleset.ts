import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileRule, evaluate, readsUnknown, RuleError, type Match, type Rule, type TxSnapshot } from './engine.js';
import { RequestVariables, type AccessRequest } from './request.js';
import { readAnalysisCache, writeAnalysisCache, type AnalysisCacheUse } from './analysis-cache.js';
import { createScreen } from './screen.js';
import { parseRuleFile, type Directive } from './seclang.js';

/**
 * CRS's request rules loaded as they are, for what an access log carries. The vendored copy is
 * `third_party/owasp-crs/` (4.28.0); `SLUICE_CRS_DIR` points at another (Debian's modsecurity-crs, a newer
 * release). Rules above the paranoia level and the files' paranoia gates are left out at load, as CRS's
 * own gates would skip them; rules that cannot run here are reported by id, never dropped silently.
 */

export const CRS_VERSION = '4.28.0';

export interface CrsOptions {
  /** 1–4, `SLUICE_CRS_PARANOIA`. */
  paranoia: number;
  /** The inbound anomaly score at which a request is an alert, `SLUICE_CRS_THRESHOLD`. */
  threshold: number;
  dir?: string;
  /** Rule ids left out, as `SecRuleRemoveById` does. */
  exclude?: readonly number[];
  /** crs-setup.conf's `tx.allowed_methods`, space-separated; CRS's own default when absent. */
  allowedMethods?: string;
  /** How many verdicts on requests the engine ran on are remembered (see VERDICT_CACHE_SIZE); 0 for none. */
  rememberedVerdicts?: number;
  /** Where the screen's analyses of the expressions are kept between starts (SLUICE_CACHE_DIR); none when undefined. */
  cacheDir?: string | undefined;
}

export interface SkippedRule {
  id: number;
  file: string;
  reason: string;
}

export interface CrsVerdict {
  /** Frozen: a remembered verdict is shared by every request like it. */
  matches: readonly Match[];
  /** The inbound anomaly score, as REQUEST-949 sums it: every paranoia level up to the configured one. */
  score: number;
}

export interface Crs {
  version: string;
  options: Required<Omit<CrsOptions, 'cacheDir'>>;
  rules: readonly Rule[];
  /** Rules that compiled but read what a log does not carry (cookies, bodies, other headers). */
  blind: readonly SkippedRule[];
  /** Rules that could not be compiled (an expression JavaScript cannot run, an unknown operator). */
  unsupported: readonly SkippedRule[];
  /** `unscreened` runs every rule, for tests that check the screen leaves nothing out. */
  evaluate(request: AccessRequest, options?: { unscreened?: boolean }): CrsVerdict;
  /** Rules that run on every request, past the screen. */
  unscreenable: readonly Rule[];
  /** What became of the analyses' cache (undefined without a cache directory). */
  analysisCache: AnalysisCacheUse | undefined;
}

export function defaultCrsDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  // From the sources (pipelines/enrich/crs) or from dist/pipelines/enrich/crs.
  for (const up of ['../../../', '../../../../']) {
    const dir = join(here, up, 'third_party/owasp-crs/rules');
    if (existsSync(dir)) return dir;
  }
  throw new Error('the vendored CRS rules (third_party/owasp-crs/rules) are missing');
}

/** Files of request rules by their number: 901 gives TX defaults; 911–944 are detection; 949/999 score and exclude. */
function ruleFiles(dir: string): { init: string | undefined; detection: string[] } {
  const files = readdirSync(dir).filter((name) => /^REQUEST-9\d\d-.*\.conf$/.test(name)).sort();
  const number = (name: string): number => Number(name.slice(8, 11));
  return { init: files.find((name) => number(name) === 901), detection: files.filter((name) => number(name) >= 910 && number(name) <= 948) };
}

/** A chain's head and its links compiled together; the ids of the rules that failed, with why. */
function compileFile(directives: Directive[], loadData: (file: string) => string[], unsupported: SkippedRule[], constant?: (name: string) => string | undefined): Rule[] {
  const rules: Rule[] = [];
  for (let at = 0; at < directives.length; ) {
    const head = directives[at] as Directive;
    let end = at + 1;
    for (let link = head; link.actions.some((action) => action.name === 'chain') && end < directives.length; end += 1) link = directives[end] as Directive;
    try {
      rules.push(compileRule(head, directives.slice(at + 1, end), loadData, constant));
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      unsupported.push({ id: error.ruleId, file: head.file, reason: error.message });
    }
    at = end;
  }
  return rules;
}

/** The paranoia gates (`SecRule TX:DETECTION_PARANOIA_LEVEL "@lt 2" … skipAfter`) are resolved here, once. */
function isParanoiaGate(rule: Rule): boolean {
  return rule.selectors.length > 0 && rule.selectors.every((selector) => selector.collection === 'TX' && /paranoia_level$/i.test(String(selector.key))) && rule.skipAfter !== undefined;
}

/** `tx.name=+1`, `!tx.name`, `tx.name`: the variable's name, lower case. */
function setvarName(spec: string): string {
  return spec.replace(/^!/, '').split('=')[0]?.replace(/^tx\./i, '').toLowerCase() ?? '';
}

/**
 * Rules that neither log nor score nor control, and set only TX variables no loaded rule reads, change
 * no verdict: REQUEST-921's 921170 counts parameters for a paranoia level 3 rule. They are left out.
 */
function withoutDeadSetters(rules: Rule[]): Rule[] {
  const links = rules.flatMap((rule) => {
    const all: Rule[] = [];
    for (let link: Rule | undefined = rule; link !== undefined; link = link.chain) all.push(link);
    return all;
  });
  const read = (name: string): boolean =>
    /anomaly_score/.test(name) ||
    links.some(
      (link) =>
        link.selectors.some((selector) => selector.collection === 'TX' && (selector.key === undefined || (typeof selector.key === 'string' ? selector.key.toLowerCase() === name : selector.key.test(name)))) ||
        new RegExp(`%\\{tx\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\}`, 'i').test([link.operatorText, ...link.setvars, link.msg].join(' ')),
    );
  return rules.filter((rule) => {
    const heads: Rule[] = [];
    for (let link: Rule | undefined = rule; link !== undefined; link = link.chain) heads.push(link);
    if (rule.log || rule.skipAfter !== undefined || heads.some((link) => link.ctls.length > 0)) return true;
    const names = heads.flatMap((link) => link.setvars.map(setvarName));
    // A name built from a macro (`paramcounter_%{MATCHED_VAR_NAME}`) is read by whatever reads its prefix.
    return names.length === 0 || names.some((name) => read(name.includes('%{') ? `${name.slice(0, name.indexOf('%{'))}x` : name));
  });
}

/**
 * A rule whose head reads only TX variables that stay constant while requests run, and does not match
 * them, never fires: the limits crs-setup.conf leaves unset (920360–920390), the UTF-8 check left off.
 */
function neverFires(rule: Rule, tx: TxSnapshot, setAtRuntime: (name: string | RegExp) => boolean): boolean {
  const constant = (key: string | RegExp | undefined): boolean => (typeof key === 'string' ? !setAtRuntime(key.toLowerCase()) : key instanceof RegExp && !setAtRuntime(key));
  const constantTx = rule.selectors.length > 0 && rule.selectors.every((selector) => selector.collection === 'TX' && constant(selector.key));
  if (!constantTx) return false;
  return evaluate([{ ...rule, chain: undefined, setvars: [], ctls: [], skipAfter: undefined, log: true }], { method: 'GET', uri: '/' }, tx).matches.length === 0;
}

/** All the links of a rule, head first. */
function linksOf(rule: Rule): Rule[] {
  const links: Rule[] = [];
  for (let link: Rule | undefined = rule; link !== undefined; link = link.chain) links.push(link);
  return links;
}

/**
 * A head that reads only constant TX and matches them (920250's "UTF-8 checks are on") always passes to
 * its chain: the chain's first link takes its place, with the head's id, message and tags.
 */
function withoutConstantHead(rule: Rule, tx: TxSnapshot, setAtRuntime: (name: string) => boolean): Rule {
  const chain = rule.chain;
  if (chain === undefined || rule.setvars.length > 0 || rule.ctls.length > 0 || rule.capture) return rule;
  const constantTx = rule.selectors.length > 0 && rule.selectors.every((selector) => selector.collection === 'TX' && typeof selector.key === 'string' && !setAtRuntime(selector.key.toLowerCase()));
  if (!constantTx || evaluate([{ ...rule, chain: undefined, log: true, skipAfter: undefined }], { method: 'GET', uri: '/' }, tx).matches.length === 0) return rule;
  return { ...chain, id: rule.id, phase: rule.phase, file: rule.file, msg: rule.msg, severity: rule.severity, tags: rule.tags, paranoia: rule.paranoia, log: rule.log, skipAfter: rule.skipAfter };
}

/** Past its head, the rule reads only what its head matched and TX variables that only it sets (or constants). */
function selfContained(rule: Rule, rules: readonly Rule[], setAtRuntime: (name: string) => boolean): boolean {
  const own = linksOf(rule).flatMap((link) => link.setvars.map(setvarName));
  const others = rules.filter((other) => other !== rule).flatMap((other) => linksOf(other).flatMap((link) => link.setvars.map(setvarName)));
  const ownOnly = (matches: (name: string) => boolean): boolean => !others.some((name) => matches(name.includes('%{') ? name.slice(0, name.indexOf('%{')) : name));
  // A macro that reads the request (931130's %{request_headers.host}) is more than the head's value.
  const readsRequest = (text: string): boolean => [...text.matchAll(/%\{([^}.]+)/g)].some((macro) => !/^(tx|matched_var|matched_var_name)$/i.test(macro[1] as string));
  return linksOf(rule)
    .slice(1)
    .every((link) =>
      !readsRequest([link.operatorText, ...link.setvars].join(' ')) &&
      link.selectors.every((selector) => {
        if (selector.collection.startsWith('MATCHED_')) return true;
        if (selector.collection !== 'TX' || selector.count) return false;
        const key = selector.key;
        if (typeof key === 'string') return !setAtRuntime(key.toLowerCase()) || (own.includes(key.toLowerCase()) && ownOnly((name) => name === key.toLowerCase()));
        return key instanceof RegExp && ownOnly((name) => key.test(name) || key.test(`${name}x`));
      }),
    );
}

/**
 * Verdicts on requests the screen sent to the engine, by everything the request holds: the engine keeps
 * nothing from one request to the next, so an identical request (a scanner's payload sent to every host, a
 * botnet's exploit from many addresses) gets the identical verdict. Requests with a logged body are not kept.
 */
const VERDICT_CACHE_SIZE = 5_000;

/** The request's values, each length-prefixed (no separator can be confused with a value); undefined when it has a body. */
function requestKey(request: AccessRequest): string | undefined {
  if (request.body !== undefined && request.body !== '') return undefined;
  const part = (value: string | null | undefined): string => (value === undefined ? '-' : value === null ? '0' : `${value.length}:${value}`);
  return `${part(request.method)}|${part(request.protocol)}|${part(request.uri)}|${part(request.userAgent)}|${part(request.referer)}|${part(request.host)}`;
}

const NO_MATCH: CrsVerdict = { matches: [], score: 0 };

export function loadCrs(options: CrsOptions): Crs {
  const steps = loading(options);
  for (let step = steps.next(); ; step = steps.next()) if (step.done === true) return step.value;
}

/**
 * The same load with the event loop turning between rule files (the whole load is half a second of work, more
 * on a busy machine): `turn` waits for a turn, and may throw to stop the load (a start interrupted by Ctrl-C).
 */
export async function loadCrsInTurns(options: CrsOptions, turn: () => Promise<void>): Promise<Crs> {
  const steps = loading(options);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done === true) return step.value;
    await turn();
  }
}

/** The load, pausing after each rule file and before the screen is built. */
function* loading(options: CrsOptions): Generator<void, Crs> {
  const dir = options.dir ?? defaultCrsDir();
  const settings: Crs['options'] = { paranoia: options.paranoia, threshold: options.threshold, dir, exclude: options.exclude ?? [], allowedMethods: options.allowedMethods ?? 'GET HEAD POST OPTIONS', rememberedVerdicts: options.rememberedVerdicts ?? VERDICT_CACHE_SIZE };
  const cacheRead = options.cacheDir === undefined ? undefined : readAnalysisCache(options.cacheDir);
  const dataCache = new Map<string, string[]>();
  const loadData = (file: string): string[] => {
    let lines = dataCache.get(file);
    if (lines === undefined) {
      lines = readFileSync(join(dir, file), 'latin1').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
      dataCache.set(file, lines);
    }
    return lines;
  };
  const { init, detection } = ruleFiles(dir);
  const unsupported: SkippedRule[] = [];
  const parsed = new Map<string, Directive[]>();
  const directivesOf = (file: string): Directive[] => {
    let directives = parsed.get(file);
    if (directives === undefined) parsed.set(file, (directives = parseRuleFile(readFileSync(join(dir, file), 'latin1'), file)));
    return directives;
  };
  const compiled = (file: string, constant?: (name: string) => string | undefined): Rule[] => compileFile(directivesOf(file), loadData, unsupported, constant);
  const byPhase = (rules: Rule[]): Rule[] => [...rules.filter((rule) => rule.phase <= 1), ...rules.filter((rule) => rule.phase === 2)];

  // The transaction's defaults: what crs-setup.conf would set, then REQUEST-901's rules over an empty request.
  const preset = new Map<string, string>([
    ['crs_setup_version', CRS_VERSION.replaceAll('.', '')],
    ['blocking_paranoia_level', String(settings.paranoia)],
    ['detection_paranoia_level', String(settings.paranoia)],
    ['inbound_anomaly_score_threshold', String(settings.threshold)],
    ['allowed_methods', settings.allowedMethods],
  ]);
  const tx: TxSnapshot = init === undefined ? preset : evaluate(byPhase(compiled(init)), { method: 'GET', uri: '/' }, preset).snapshot();

  // TX variables the detection rules set while a request runs; the others are constants of the load.
  const runtime = detection.flatMap((file) => directivesOf(file).flatMap((directive) => directive.actions.filter((action) => action.name === 'setvar').map((action) => setvarName(action.value))));
  const setAtRuntime = (name: string): boolean => runtime.some((written) => written === name || (written.includes('%{') && name.startsWith(written.slice(0, written.indexOf('%{')))));
  /** The same question asked of the rules that loaded (a name pattern: any name it matches). */
  const setByLoaded = (name: string | RegExp): boolean =>
    loaded.some((rule) =>
      linksOf(rule).some((link) =>
        link.setvars.map(setvarName).some((written) => {
          const prefix = written.includes('%{') ? written.slice(0, written.indexOf('%{')) : undefined;
          if (typeof name === 'string') return written === name || (prefix !== undefined && name.startsWith(prefix));
          return name.test(written) || (prefix !== undefined && (name.test(prefix) || name.test(`${prefix}x`)));
        }),
      ),
    );
  const constant = (name: string): string | undefined => (setAtRuntime(name) ? undefined : tx.get(name));

  const excluded = new Set(settings.exclude);
  const blind: SkippedRule[] = [];
  const loaded: Rule[] = [];
  for (const file of detection) {
    for (const rule of compiled(file, constant)) {
      if (excluded.has(rule.id) || rule.paranoia > settings.paranoia || isParanoiaGate(rule)) continue;
      const unknown = readsUnknown(rule);
      if (unknown !== undefined) {
        if (rule.paranoia > 0) blind.push({ id: rule.id, file, reason: `reads ${unknown}, which an access log does not carry` });
        continue;
      }
      loaded.push(rule);
    }
    yield;
  }
  const rules = withoutDeadSetters(loaded)
    .filter((rule) => !neverFires(rule, tx, setByLoaded))
    .map((rule) => withoutConstantHead(rule, tx, setAtRuntime));
  const ordered = byPhase(rules);
  yield;
  const screen = createScreen(ordered, tx, (rule) => selfContained(rule, rules, setAtRuntime));
  const analysisCache = cacheRead === undefined ? undefined : writeAnalysisCache(cacheRead);
  const verdicts = new Map<string, CrsVerdict>();
  const levels = Array.from({ length: settings.paranoia }, (_unused, index) => `inbound_anomaly_score_pl${index + 1}`);
  return {
    version: CRS_VERSION,
    options: settings,
    rules: ordered,
    blind,
    unsupported: unsupported.filter((rule) => !excluded.has(rule.id)),
    unscreenable: screen.always,
    analysisCache,
    evaluate(request, options = {}) {
      let built: RequestVariables | undefined;
      const variables = (): RequestVariables => (built ??= new RequestVariables(request));
      const unscreened = options.unscreened === true;
      const selected = unscreened ? ordered : screen.select(request, variables);
      if (selected.length === 0) return NO_MATCH;
      const key = unscreened || settings.rememberedVerdicts === 0 ? undefined : requestKey(request);
      const known = key === undefined ? undefined : verdicts.get(key);
      if (known !== undefined) return known;
      const verdict = evaluate(selected, variables(), tx);
      const score = levels.reduce((sum, name) => sum + (Number(verdict.tx(name)) || 0), 0);
      const answer: CrsVerdict = Object.freeze({ matches: Object.freeze(verdict.matches), score });
      if (key !== undefined) {
        if (verdicts.size >= settings.rememberedVerdicts) verdicts.clear();
        verdicts.set(key, answer);
      }
      return answer;
    },
  };
}

/** Every detection rule's paranoia level, from its tag, whether or not it compiles here. */
export function ruleParanoia(dir: string = defaultCrsDir()): Map<number, number> {
  const levels = new Map<number, number>();
  for (const file of ruleFiles(dir).detection) {
    for (const directive of parseRuleFile(readFileSync(join(dir, file), 'latin1'), file)) {
      const id = Number(directive.actions.find((action) => action.name === 'id')?.value ?? 0);
      const tag = directive.actions.find((action) => action.name === 'tag' && action.value.startsWith('paranoia-level/'));
      if (id > 0 && tag !== undefined) levels.set(id, Number(tag.value.slice(15)));
    }
  }
  return levels;
}
