import { compileOperator, operatorRequirement, type Captures, type OperatorTest } from './operators.js';
import { ALL, ALWAYS, analyseRegex, type Formula, type Requirement } from './prefilter.js';
import { convertRegex } from './regex.js';
import { KNOWN_COLLECTIONS, LOGGED_HEADERS, RequestVariables, type AccessRequest, type Variable } from './request.js';
import type { Action, Directive } from './seclang.js';
import { TRANSFORMS, type Transform } from './transforms.js';

/**
 * Runs compiled CRS rules over one request as ModSecurity's rule engine does for phases 1 and 2: in order,
 * chains, captures into TX:0–9, `setvar` with macros, `ctl:ruleRemoveById/ByTag/TargetByTag` and
 * `skipAfter` markers. Transaction variables start from a snapshot taken once (REQUEST-901's defaults).
 */

interface Selector {
  collection: string;
  key: string | RegExp | undefined;
  count: boolean;
}

export interface Rule {
  id: number;
  phase: number;
  file: string;
  msg: string;
  severity: string;
  tags: string[];
  paranoia: number;
  selectors: Selector[];
  exclusions: Selector[];
  transforms: Transform[];
  transformKey: string;
  multiMatch: boolean;
  test: OperatorTest;
  /** An `@rx` rule, whose time on a long value needs a bound (see INSPECTED_BYTES). */
  regex: boolean;
  /** What the operator needs of a value's alphabet (after this rule's transformations could widen it). */
  requirement: Requirement;
  /** The literal strings the operator's matches contain, for `@rx` rules (see prefilter.ts); `@pm` is a phrase automaton already. */
  formula: Formula;
  /** Its transformations make text unlike their input (base64Decode, length …). */
  generative: boolean;
  negated: boolean;
  capture: boolean;
  log: boolean;
  chain: Rule | undefined;
  /** Run when this link matches (a chain's head sets what its links read; the last link usually scores). */
  setvars: string[];
  /** The operator as written, for the loader's analysis of which TX variables rules read. */
  operatorText: string;
  ctls: string[];
  skipAfter: string | undefined;
  marker: string | undefined;
}

export interface Match {
  id: number;
  msg: string;
  severity: string;
  tags: string[];
  paranoia: number;
  /** The matched variable and its value, cut to 100 bytes, as ModSecurity's logdata. */
  variable: string;
  data: string;
}

/** TX keys are case-insensitive; ModSecurity keeps them in lower case. */
export type TxSnapshot = ReadonlyMap<string, string>;

/** Where a transaction reads request variables: a request, or one value alone (the screen's whole-rule verdicts). */
interface VariableSource {
  collection(collection: string, key: string | RegExp | undefined): Variable[] | undefined;
}

const BASE_MATCHES = new WeakMap<TxSnapshot, Map<RegExp, Array<[string, string]>>>();

class Transaction {
  private own: Map<string, string> | undefined;
  removedIds: Set<number> | undefined;
  removedTags: Set<string> | undefined;
  removedTargets: Array<{ tag: string; target: string }> | undefined;
  matched: Variable[] = [];
  /** Per value, its forms per chain of transformations: keyed by the value itself, whose hash a string keeps, not by a new joined key. */
  private readonly transformed = new Map<string, Map<string, string>>();
  /** `%{tx.…}` macros expanded against this transaction: one function per transaction, not one per operator call. */
  readonly expand = (text: string): string => expand(text, this);

  constructor(
    private readonly base: TxSnapshot,
    readonly request: VariableSource,
  ) {}

  /** The forms of `value` made so far, by chain of transformations. */
  formsByChain(value: string): FormsByChain {
    let forms = this.transformed.get(value);
    if (forms === undefined) this.transformed.set(value, (forms = new Map()));
    return forms;
  }

  get(key: string): string | undefined {
    const lower = key.toLowerCase();
    return this.own?.get(lower) ?? this.base.get(lower);
  }

  set(key: string, value: string): void {
    (this.own ??= new Map()).set(key.toLowerCase(), value);
  }

  delete(key: string): void {
    this.set(key, '\u0000deleted');
  }

  has(key: string): boolean {
    const value = this.get(key);
    return value !== undefined && value !== '\u0000deleted';
  }

  /** TX variables whose name matches: the base's once per expression, then this request's own. */
  matching(pattern: RegExp): Array<[string, string]> {
    let cached = BASE_MATCHES.get(this.base);
    if (cached === undefined) BASE_MATCHES.set(this.base, (cached = new Map()));
    let fromBase = cached.get(pattern);
    if (fromBase === undefined) cached.set(pattern, (fromBase = [...this.base].filter(([name]) => pattern.test(name))));
    if (this.own === undefined) return fromBase;
    const own = this.own;
    const merged = fromBase.filter(([name]) => !own.has(name));
    for (const [name, value] of own) if (value !== '\u0000deleted' && pattern.test(name)) merged.push([name, value]);
    return merged;
  }

  /** Every TX variable, for `TX:/regex/` and `&TX:name`. */
  entries(): Array<[string, string]> {
    const merged = new Map(this.base);
    for (const [key, value] of this.own ?? []) merged.set(key, value);
    return [...merged].filter(([, value]) => value !== '\u0000deleted');
  }

  snapshot(): Map<string, string> {
    return new Map(this.entries());
  }
}

/** A value's forms by chain of transformations: what `transform` reads and writes. */
interface FormsByChain {
  get(chain: string): string | undefined;
  set(chain: string, form: string): void;
}

/**
 * The forms of the one value being judged: the screen asks the rules about one value after another, so a
 * value's forms are kept until the next value, in two short arrays, instead of a map per value.
 */
class LastValueForms implements FormsByChain {
  value: string | undefined;
  private readonly chains: string[] = [];
  private readonly forms: string[] = [];

  reset(value: string): void {
    this.value = value;
    this.chains.length = 0;
    this.forms.length = 0;
  }

  get(chain: string): string | undefined {
    const at = this.chains.indexOf(chain);
    return at < 0 ? undefined : this.forms[at];
  }

  set(chain: string, form: string): void {
    this.chains.push(chain);
    this.forms.push(form);
  }
}

/** The value tester's transaction: one long-lived transaction that judges value after value. */
class ValueTransaction extends Transaction {
  private readonly last = new LastValueForms();

  override formsByChain(value: string): FormsByChain {
    if (this.last.value !== value) this.last.reset(value);
    return this.last;
  }
}

/** `%{tx.name}`, `%{MATCHED_VAR}`, `%{request_headers.host}` … expanded against the transaction. */
function expand(text: string, txn: Transaction): string {
  if (!text.includes('%{')) return text;
  return text.replace(/%\{([^}]+)\}/g, (_match, name: string) => {
    const [collection, ...rest] = name.split('.');
    const key = rest.join('.');
    switch ((collection as string).toUpperCase()) {
      case 'TX':
        return txn.has(key) ? (txn.get(key) as string) : '';
      case 'MATCHED_VAR':
        return txn.matched.at(-1)?.value ?? '';
      case 'MATCHED_VAR_NAME':
        return txn.matched.at(-1)?.name ?? '';
      case 'REQUEST_LINE':
        return txn.request.collection('REQUEST_LINE', undefined)?.[0]?.value ?? '';
      case 'REQUEST_HEADERS':
      case 'ARGS':
        return txn.request.collection((collection as string).toUpperCase(), key)?.[0]?.value ?? '';
      default:
        return '';
    }
  });
}

function parseSelector(text: string): Selector & { exclude: boolean } {
  const exclude = text.startsWith('!');
  const count = text.startsWith('&', exclude ? 1 : 0);
  const body = text.slice((exclude ? 1 : 0) + (count ? 1 : 0));
  const colon = body.indexOf(':');
  const collection = (colon < 0 ? body : body.slice(0, colon)).toUpperCase();
  const rawKey = colon < 0 ? undefined : body.slice(colon + 1);
  const key = rawKey !== undefined && rawKey.length > 1 && rawKey.startsWith('/') && rawKey.endsWith('/') ? new RegExp(rawKey.slice(1, -1), 'i') : rawKey;
  return { collection, key, count, exclude };
}

/** Variables separated by "|", where a `/regex/` key may itself hold a "|". */
function splitVariables(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let inRegex = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (char === '/' && (current.endsWith(':') || inRegex) && text[i - 1] !== '\\') inRegex = !inRegex || current.endsWith(':');
    if (char === '|' && !inRegex) {
      parts.push(current);
      current = '';
    } else current += char;
    if (inRegex && char === '/' && !current.endsWith(':/')) inRegex = false;
  }
  if (current !== '') parts.push(current);
  return parts;
}

function actionValues(actions: Action[], name: string): string[] {
  return actions.filter((action) => action.name === name).map((action) => action.value);
}

export class RuleError extends Error {
  constructor(
    readonly ruleId: number,
    message: string,
  ) {
    super(message);
  }
}

/** Transformations whose output shares nothing with their input's alphabet. */
const GENERATIVE = new Set(['base64decode', 'base64decodeext', 'length', 'sha1', 'md5', 'hexencode', 'hexdecode']);

/**
 * A directive into a rule; `chained` are the directives that follow a `chain` action. `constant` gives the
 * value of a TX variable no rule sets while a request runs (`allowed_methods` …): an operator argument that
 * reads only such variables is expanded once, here.
 */
export function compileRule(directive: Directive, chained: Directive[], loadData: (file: string) => string[], constant: (name: string) => string | undefined = () => undefined): Rule {
  const actions = directive.actions;
  const id = Number(actionValues(actions, 'id')[0] ?? 0);
  const transforms: Transform[] = [];
  const names: string[] = [];
  for (const name of actionValues(actions, 't')) {
    if (name === 'none') {
      transforms.length = 0;
      names.length = 0;
      continue;
    }
    const transform = TRANSFORMS[name.toLowerCase()];
    if (transform === undefined) throw new RuleError(id, `transformation t:${name}`);
    transforms.push(transform);
    names.push(name.toLowerCase());
  }
  let test: OperatorTest = () => [''];
  let negated = false;
  let regex = false;
  let requirement = ALWAYS;
  let formula: Formula = ALL;
  let generative = false;
  const selectors: Selector[] = [];
  const exclusions: Selector[] = [];
  if (directive.kind === 'SecRule') {
    const operator = /^(!?)@(\w+)\s?([\s\S]*)$/.exec(directive.operator);
    negated = operator === null ? directive.operator.startsWith('!') : operator[1] === '!';
    const [name, written] = operator === null ? ['rx', directive.operator.replace(/^!/, '')] : [operator[2] as string, operator[3] as string];
    const argument = written.replace(/%\{tx\.([^}]+)\}/gi, (macro, variable: string) => constant(variable.toLowerCase()) ?? macro);
    regex = name === 'rx';
    generative = names.some((step) => GENERATIVE.has(step));
    try {
      // A negated operator matches what it does not find: nothing to require.
      if (regex && !negated) {
        const { source, flags } = convertRegex(argument);
        ({ requirement, formula } = analyseRegex(source, flags));
      } else if (!negated) requirement = operatorRequirement(name, argument, loadData);
      test = compileOperator(name, argument, loadData);
    } catch (error) {
      throw new RuleError(id, `@${name}: ${(error as Error).message}`);
    }
    for (const text of splitVariables(directive.variables)) {
      const selector = parseSelector(text);
      (selector.exclude ? exclusions : selectors).push(selector);
    }
  }
  const tags = actionValues(actions, 'tag');
  const paranoia = Number(/^paranoia-level\/(\d)$/.exec(tags.find((tag) => tag.startsWith('paranoia-level/')) ?? '')?.[1] ?? 0);
  const [next, ...rest] = chained;
  let chain: Rule | undefined;
  try {
    chain = actions.some((action) => action.name === 'chain') && next !== undefined ? compileRule(next, rest, loadData, constant) : undefined;
  } catch (error) {
    throw error instanceof RuleError ? new RuleError(id, error.message) : error;
  }
  return {
    id,
    phase: Number(actionValues(actions, 'phase')[0] ?? 2),
    file: directive.file,
    msg: actionValues(actions, 'msg')[0] ?? '',
    severity: (actionValues(actions, 'severity')[0] ?? '').toUpperCase(),
    tags,
    paranoia,
    selectors,
    exclusions,
    transforms,
    transformKey: names.join(','),
    multiMatch: actions.some((action) => action.name === 'multiMatch'),
    test,
    regex,
    requirement,
    formula,
    generative,
    negated,
    capture: actions.some((action) => action.name === 'capture'),
    log: !actions.some((action) => action.name === 'nolog'),
    chain,
    setvars: actionValues(actions, 'setvar'),
    operatorText: directive.operator,
    ctls: actionValues(actions, 'ctl'),
    skipAfter: actionValues(actions, 'skipAfter')[0],
    marker: directive.kind === 'SecMarker' ? directive.marker : undefined,
  };
}

/** Whether a rule reads only what a log carries; one that counts or tests an unknown variable cannot be judged. */
export function readsUnknown(rule: Rule): string | undefined {
  for (let link: Rule | undefined = rule; link !== undefined; link = link.chain) {
    for (const selector of link.selectors) {
      const header = selector.collection === 'REQUEST_HEADERS' && typeof selector.key === 'string' && !LOGGED_HEADERS.has(selector.key.toLowerCase());
      if (!KNOWN_COLLECTIONS.has(selector.collection) || header) {
        // A rule over several collections still sees the ones a log has; a count or a lone unknown is blind.
        const onlyUnknown = link.selectors.every((other) => other === selector || !KNOWN_COLLECTIONS.has(other.collection) || (other.collection === 'REQUEST_HEADERS' && typeof other.key === 'string' && !LOGGED_HEADERS.has(other.key.toLowerCase())));
        if (selector.count || onlyUnknown) return `${selector.count ? '&' : ''}${selector.collection}${typeof selector.key === 'string' ? `:${selector.key}` : ''}`;
      }
    }
  }
  return undefined;
}

function excluded(variable: Variable, exclusions: Selector[]): boolean {
  for (const exclusion of exclusions) {
    const [collection, key] = [variable.name.slice(0, variable.name.indexOf(':')), variable.name.slice(variable.name.indexOf(':') + 1)];
    if (exclusion.collection !== collection) continue;
    if (exclusion.key === undefined) return true;
    if (typeof exclusion.key === 'string' ? exclusion.key.toLowerCase() === key.toLowerCase() : exclusion.key.test(key)) return true;
  }
  return false;
}

function collect(rule: Rule, txn: Transaction): Variable[] {
  const values: Variable[] = [];
  for (const selector of rule.selectors) {
    let found: Variable[];
    if (selector.collection === 'TX' && typeof selector.key === 'string') {
      const value = txn.has(selector.key) ? txn.get(selector.key) : undefined;
      found = value === undefined ? [] : [{ name: `TX:${selector.key.toLowerCase()}`, value }];
    } else if (selector.collection === 'TX' && selector.key instanceof RegExp) {
      found = txn.matching(selector.key).map(([name, value]) => ({ name: `TX:${name}`, value }));
    } else if (selector.collection === 'TX') {
      found = txn.entries().map(([name, value]) => ({ name: `TX:${name}`, value }));
    } else if (selector.collection === 'MATCHED_VARS' || selector.collection === 'MATCHED_VAR') {
      found = selector.collection === 'MATCHED_VAR' ? txn.matched.slice(-1) : txn.matched;
    } else if (selector.collection === 'MATCHED_VARS_NAMES' || selector.collection === 'MATCHED_VAR_NAME') {
      found = (selector.collection === 'MATCHED_VAR_NAME' ? txn.matched.slice(-1) : txn.matched).map((variable) => ({ name: selector.collection, value: variable.name }));
    } else {
      const known = txn.request.collection(selector.collection, selector.key);
      // Counting a header the log does not record would count a header the request may well have had.
      if (known === undefined && selector.count) return [];
      found = known ?? [];
    }
    if (selector.count) values.push({ name: selector.collection, value: String(found.length) });
    else for (const variable of found) if (!excluded(variable, rule.exclusions) && !targetRemoved(rule, variable, txn)) values.push(...(rule.regex ? inspected(variable) : [variable]));
  }
  return values;
}

/**
 * JavaScript's backtracking engine has no match limit (ModSecurity's PCRE gives up, RE2 is linear), and some
 * CRS expressions are quadratic: 64 KB of digits took 14 s over the PL2 rules, 2 KB takes 15–70 ms. A longer
 * value is matched against a rule's expression by its first and its last kilobyte, where padding would
 * push a payload; lengths and byte ranges still see all of it.
 */
export const INSPECTED_BYTES = 2048;

function inspected(variable: Variable): Variable[] {
  if (variable.value.length <= INSPECTED_BYTES) return [variable];
  const half = INSPECTED_BYTES / 2;
  return [
    { name: variable.name, value: variable.value.slice(0, half) },
    { name: variable.name, value: variable.value.slice(-half) },
  ];
}

function targetRemoved(rule: Rule, variable: Variable, txn: Transaction): boolean {
  if (txn.removedTargets === undefined) return false;
  return txn.removedTargets.some((removal) => rule.tags.includes(removal.tag) && (variable.name === removal.target || variable.name.startsWith(`${removal.target}:`)));
}

/** The value after the rule's transformations, computed once per request for each distinct chain. */
function transform(rule: Rule, value: string, txn: Transaction): string {
  if (rule.transforms.length === 0) return value;
  const forms = txn.formsByChain(value);
  const cached = forms.get(rule.transformKey);
  if (cached !== undefined) return cached;
  let out = value;
  for (const step of rule.transforms) out = step(out);
  forms.set(rule.transformKey, out);
  return out;
}

/** The operator's verdict on a value; a match gives its captures and the value as transformed (MATCHED_VAR). */
function test(rule: Rule, value: string, txn: Transaction): { captures: Captures; value: string } | undefined {
  if (!rule.multiMatch) {
    const transformed = transform(rule, value, txn);
    const captures = rule.test(transformed, txn.expand);
    return (captures !== undefined) !== rule.negated ? { captures: captures ?? [], value: transformed } : undefined;
  }
  // multiMatch: the operator sees the value before and after every transformation that changed it.
  let current = value;
  for (let step = -1; step < rule.transforms.length; step += 1) {
    if (step >= 0) {
      const next = (rule.transforms[step] as Transform)(current);
      if (next === current) continue;
      current = next;
    }
    const captures = rule.test(current, txn.expand);
    if ((captures !== undefined) !== rule.negated) return { captures: captures ?? [], value: current };
  }
  return undefined;
}

/**
 * A rule's own verdict on one value, outside any request: for the screen, which asks it of each new value
 * once. Only for rules whose verdict depends on nothing but the value (see screen.ts).
 */
export function valueTester(base: TxSnapshot): (rule: Rule, value: string, whole: boolean) => boolean {
  const txn = new ValueTransaction(base, new RequestVariables({ method: 'GET', uri: '/' }));
  const headMatches = (rule: Rule, value: string): boolean => {
    if (!rule.regex || value.length <= INSPECTED_BYTES) return test(rule, value, txn) !== undefined;
    for (const piece of inspected({ name: '', value })) if (test(rule, piece.value, txn) !== undefined) return true;
    return false;
  };
  return (rule, value, whole) => {
    if (!whole) return headMatches(rule, value);
    // A chain goes on only where its head matched, and the head reads this value alone (a count reads its
    // number instead): a head that does not match spares the transaction the whole chain needs.
    if (!rule.selectors.some((selector) => selector.count) && !headMatches(rule, value)) return false;
    return wholeRuleMatches(rule, value, base);
  };
}

/** A rule and its chain as if the request held this one value wherever the head reads: for chains that read nothing else. */
function wholeRuleMatches(rule: Rule, value: string, base: TxSnapshot): boolean {
  const heads = new Set(rule.selectors.map((selector) => selector.collection));
  const txn = new Transaction(base, { collection: (collection) => (heads.has(collection) ? [{ name: collection, value }] : []) });
  return evaluateLink(rule, txn);
}

/** What a rule's operator sees of a value: the transformed value, or with multiMatch every form on the way. */
export function formsOf(rule: Rule, value: string): string[] {
  let out = value;
  const forms = rule.multiMatch ? [value] : [];
  for (const step of rule.transforms) {
    const next = step(out);
    if (rule.multiMatch && next !== out) forms.push(next);
    out = next;
  }
  return rule.multiMatch ? forms : [out];
}

/** One rule of a chain over its variables; its matches become MATCHED_VARS for the next link. */
function evaluateLink(rule: Rule, txn: Transaction): boolean {
  const matched: Variable[] = [];
  for (const variable of collect(rule, txn)) {
    const match = test(rule, variable.value, txn);
    if (match === undefined) continue;
    if (rule.capture) match.captures.slice(0, 10).forEach((capture, index) => txn.set(String(index), capture ?? ''));
    matched.push({ name: variable.name, value: match.value });
  }
  if (matched.length === 0) return false;
  txn.matched = matched;
  for (const setvar of rule.setvars) runSetvar(setvar, txn);
  for (const ctl of rule.ctls) runCtl(ctl, txn);
  return rule.chain === undefined || evaluateLink(rule.chain, txn);
}

function runSetvar(text: string, txn: Transaction): void {
  const spec = expand(text, txn);
  if (spec.startsWith('!')) {
    txn.delete(spec.slice(1).replace(/^tx\./i, ''));
    return;
  }
  const equals = spec.indexOf('=');
  const name = (equals < 0 ? spec : spec.slice(0, equals)).replace(/^tx\./i, '');
  const value = equals < 0 ? '1' : spec.slice(equals + 1);
  if (value.startsWith('+') || value.startsWith('-')) {
    const current = Number(txn.get(name) ?? 0) || 0;
    txn.set(name, String(current + (value.startsWith('+') ? 1 : -1) * (Number(value.slice(1)) || 0)));
  } else txn.set(name, value);
}

function runCtl(text: string, txn: Transaction): void {
  const [name, value = ''] = text.split('=');
  if (name === 'ruleRemoveById') {
    for (const part of value.split(/[\s,]+/)) {
      const [from, to] = part.split('-').map(Number);
      for (let id = from as number; id <= (to ?? from) ; id += 1) (txn.removedIds ??= new Set()).add(id);
    }
  } else if (name === 'ruleRemoveByTag') (txn.removedTags ??= new Set()).add(value);
  else if (name === 'ruleRemoveTargetByTag') {
    const [tag, target] = value.split(';');
    (txn.removedTargets ??= []).push({ tag: tag as string, target: (target as string).toUpperCase() });
  }
  // Other controls (audit log, body processors) change what a server records or parses, not this request's verdict.
}

export interface Verdict {
  matches: Match[];
  /** A transaction variable after the rules ran. */
  tx(name: string): string | undefined;
  /** Every transaction variable (REQUEST-901's defaults are read this way, once). */
  snapshot(): Map<string, string>;
}

/** Runs `rules` (phase 1 first, then phase 2, each in file order) over one request. */
export function evaluate(rules: readonly Rule[], request: AccessRequest | RequestVariables, base: TxSnapshot): Verdict {
  const txn = new Transaction(base, request instanceof RequestVariables ? request : new RequestVariables(request));
  const matches: Match[] = [];
  let skipTo: string | undefined;
  for (const rule of rules) {
    if (skipTo !== undefined) {
      if (rule.marker === skipTo) skipTo = undefined;
      continue;
    }
    if (rule.marker !== undefined) continue;
    if (txn.removedIds?.has(rule.id) === true) continue;
    if (txn.removedTags !== undefined && rule.tags.some((tag) => txn.removedTags?.has(tag) === true)) continue;
    if (!evaluateLink(rule, txn)) continue;
    const last = txn.matched.at(-1) as Variable;
    if (rule.log) matches.push({ id: rule.id, msg: expand(rule.msg, txn), severity: rule.severity, tags: rule.tags, paranoia: rule.paranoia, variable: last.name, data: last.value.slice(0, 100) });
    if (rule.skipAfter !== undefined) skipTo = rule.skipAfter;
  }
  return { matches, tx: (name) => (txn.has(name) ? txn.get(name) : undefined), snapshot: () => txn.snapshot() };
}
