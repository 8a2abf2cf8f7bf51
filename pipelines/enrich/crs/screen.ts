import { AtomScanner, compileFormula, type FoundAtoms } from './atoms.js';
import { formsOf, valueTester, type Rule, type TxSnapshot } from './engine.js';
import { alphabetOf, atomsOf, classBit, FULL, type Alphabet } from './prefilter.js';
import { LOGGED_HEADERS, toBytes, type AccessRequest, type RequestVariables } from './request.js';
import { urlDecodeUni } from './transforms.js';

/**
 * Most requests are benign and plain; running two hundred rules over each would cost 250 µs. The screen
 * picks, per request, the rules that can fire, and the engine runs only those:
 * - a rule whose verdict depends only on a value ("pure": no TX, no counts, no keyed arguments) is asked
 *   of each distinct value once; its answer is remembered with the value (user agents, paths and parameter
 *   values repeat);
 * - a new value is only offered to the rules whose operator can match its alphabet, and whose expression's
 *   literal strings it contains after the rule's transformations (prefilter.ts, atoms.ts);
 * - other rules (TX, counts, keyed arguments) always run.
 * The engine then evaluates the chosen rules in order, exactly as without the screen.
 */

/** Where a value comes from: a rule reads some of these. */
type Kind = 'method' | 'protocol' | 'line' | 'uri' | 'filename' | 'basename' | 'query' | 'arg' | 'argName' | 'argsSize' | 'headerNames' | `header:${string}` | `count:header:${string}`;

const COLLECTION_KINDS: Record<string, Kind[]> = {
  REQUEST_METHOD: ['method'],
  REQUEST_PROTOCOL: ['protocol'],
  REQUEST_LINE: ['line'],
  REQUEST_URI: ['uri'],
  REQUEST_URI_RAW: ['uri'],
  REQUEST_FILENAME: ['filename'],
  REQUEST_BASENAME: ['basename'],
  QUERY_STRING: ['query'],
  ARGS: ['arg'],
  ARGS_GET: ['arg'],
  ARGS_NAMES: ['argName'],
  ARGS_GET_NAMES: ['argName'],
  ARGS_COMBINED_SIZE: ['argsSize'],
  REQUEST_HEADERS_NAMES: ['headerNames'],
};

/** The collections a log does not carry give no values: reading them changes nothing. */
const EMPTY_COLLECTIONS = /^(ARGS_POST|ARGS_POST_NAMES|REQUEST_COOKIES|REQUEST_COOKIES_NAMES|REQUEST_BODY|XML|FILES|FILES_NAMES|MULTIPART_PART_HEADERS|REQBODY_PROCESSOR|REQUEST_BODY_LENGTH|FILES_COMBINED_SIZE)$/;

/** The kinds a rule's head reads, or undefined when its verdict depends on more than one value. */
function kindsOf(rule: Rule): Set<Kind> | undefined {
  const kinds = new Set<Kind>();
  for (const selector of rule.selectors) {
    // A count of a logged header (920280: no Host) is a value of its own: "0" or "1".
    if (selector.count && selector.collection === 'REQUEST_HEADERS' && typeof selector.key === 'string' && LOGGED_HEADERS.has(selector.key.toLowerCase())) {
      kinds.add(`count:header:${selector.key.toLowerCase()}`);
      continue;
    }
    if (selector.count || selector.collection === 'TX' || selector.collection.startsWith('MATCHED_')) return undefined;
    if (EMPTY_COLLECTIONS.test(selector.collection)) continue;
    if (selector.collection === 'REQUEST_HEADERS') {
      if (selector.key instanceof RegExp) return undefined;
      const headers = selector.key === undefined ? [...LOGGED_HEADERS] : [selector.key.toLowerCase()];
      for (const header of headers) if (LOGGED_HEADERS.has(header)) kinds.add(`header:${header}`);
      continue;
    }
    const collectionKinds = COLLECTION_KINDS[selector.collection];
    if (collectionKinds === undefined || selector.key !== undefined) return undefined;
    collectionKinds.forEach((kind) => kinds.add(kind));
  }
  for (const exclusion of rule.exclusions) {
    if (exclusion.collection !== 'REQUEST_HEADERS' || typeof exclusion.key !== 'string') {
      if (EMPTY_COLLECTIONS.test(exclusion.collection)) continue;
      return undefined;
    }
    kinds.delete(`header:${exclusion.key.toLowerCase()}`);
  }
  return kinds;
}

const PERCENT = classBit('%');
const PLUS = classBit('+');
const AMPERSAND = classBit('&');
const BACKSLASH = classBit('\\');
const HIGH = classBit('\x80');
const BLANK = classBit(' ');
/** `,` `;` (cmdLine) and `*` (replaceComments) can become blanks. */
const SPACE_MAKERS = classBit(',') | classBit(';') | classBit('*');
/** What the five named entities ModSecurity decodes turn into. */
const ENTITY_OUTPUT = alphabetOf('"&<>\xa0');
/**
 * Bytes some transformation acts on (besides case): a value with none of them reads the same to every rule
 * whose transformations make no new text, so its alphabet and its atoms are its own. `/` counts only in
 * `//`, `/.` and `./` (normalizePath), `-` only in `--` (removeCommentsChar).
 */
const TRANSFORMED = classBit('%') | classBit('+') | classBit('&') | classBit('\\') | classBit('"') | classBit("'") | classBit('^') | classBit(',') | classBit(';') | classBit('*') | classBit('#') | BLANK | HIGH;

function inert(value: string, alphabet: Alphabet): boolean {
  return (alphabet & TRANSFORMED) === 0 && !value.includes('--') && !value.includes('//') && !value.includes('/.') && !value.startsWith('./') && !value.startsWith('../');
}

/**
 * The alphabets a value can have after any chain of CRS's transformations, without and with
 * `utf8toUnicode`. URL decoding (repeated) adds what it decodes to; a numeric entity or an escape (`\u`,
 * `\x`, CSS) can decode to any byte; `,` `;` (cmdLine), `/*` (replaceComments) and control characters
 * (compressWhitespace) can become blanks. utf8toUnicode writes a UTF-8 character as `%uHHHH`, which URL
 * decoding then turns into any byte: so a value with bytes above 0x7f has every alphabet for such rules.
 */
export function transformedAlphabets(value: string, own: Alphabet = alphabetOf(value)): { plain: Alphabet; unicode: Alphabet } {
  let alphabet = own;
  const forms = [value];
  if ((alphabet & (PERCENT | PLUS)) !== 0) {
    let decoded = value;
    for (let round = 0; round < 4; round += 1) {
      const next = urlDecodeUni(decoded);
      if (next === decoded) break;
      decoded = next;
      forms.push(decoded);
      alphabet |= alphabetOf(decoded);
    }
  }
  if ((alphabet & BACKSLASH) !== 0) return { plain: FULL, unicode: FULL };
  if ((alphabet & AMPERSAND) !== 0) {
    if (forms.some((form) => form.includes('&#'))) return { plain: FULL, unicode: FULL };
    if (forms.some((form) => /&(?:quot|amp|lt|gt|nbsp);/i.test(form))) alphabet |= ENTITY_OUTPUT;
  }
  if ((alphabet & SPACE_MAKERS) !== 0) alphabet |= BLANK;
  return { plain: alphabet, unicode: (alphabet & HIGH) !== 0 ? FULL : alphabet };
}

/** Values remembered per kind; a kind's memory is emptied when full (real traffic repeats agents, paths and parameters). */
const VALUE_CACHE_SIZE = 20_000;
const NONE: readonly number[] = [];

/**
 * A rule that only logs nothing and removes targets of other rules by tag (941010: "a plain path needs no
 * XSS check") changes nothing when no selected rule has that tag: most requests, every time.
 */
function withoutIdleControls(selected: Rule[]): Rule[] {
  return selected.filter((rule) => {
    if (rule.log || rule.setvars.length > 0 || rule.chain !== undefined || rule.ctls.length === 0) return true;
    return !rule.ctls.every((ctl) => {
      const byTag = /^ruleRemoveTargetByTag=([^;]+);/.exec(ctl);
      return byTag !== null && !selected.some((other) => other.tags.includes(byTag[1] as string));
    });
  });
}

/** The rules a request line's values matched, per URI; a URI sent with another method or protocol is a next answer. */
interface LineAnswer {
  method: string;
  protocol: string;
  rules: readonly number[];
  next: LineAnswer | undefined;
}

interface KindEntry {
  /** The pure rules that read the kind. */
  readers: number[];
  /** Their candidates per alphabet (plain, then with utf8toUnicode). */
  byAlphabet: Map<number, Map<number, number[]>>;
  /** The rules each value matched. */
  values: Map<string, readonly number[]>;
}

export interface Screen {
  /** The rules to run for this request, in order; `variables` builds the request's variables when a value is new. */
  select(request: AccessRequest, variables: () => RequestVariables): Rule[];
  /** Rules that run on every request (their verdict needs more than one value). */
  always: readonly Rule[];
}

/**
 * `selfContained` says which chained rules read, past their head, only what the head matched and TX
 * variables the rule sets itself: their whole verdict is asked of each value (920450's header names).
 */
export function createScreen(rules: readonly Rule[], base: TxSnapshot, selfContained: (rule: Rule) => boolean = () => false): Screen {
  return new RequestScreen(rules, base, selfContained);
}

/** A form of a value, as the second cut saw it. */
interface ScannedForm {
  alphabet: Alphabet;
  atoms: FoundAtoms | undefined;
}

/** The kinds whose entry the screen looks up per value. */
const VALUE_KINDS = ['method', 'protocol', 'line', 'uri', 'filename', 'basename', 'query', 'arg', 'argName', 'argsSize', 'headerNames'] as const;

class RequestScreen implements Screen {
  readonly always: readonly Rule[];
  private readonly whole: boolean[];
  private readonly tester: ReturnType<typeof valueTester>;
  private readonly scanner: AtomScanner;
  private readonly atomTests: ReturnType<typeof compileFormula>[];
  /** Per kind: the pure rules that read it, their candidates per alphabet, and the verdicts per value. */
  private readonly byKind = new Map<Kind, KindEntry>();
  /** Each kind's entry looked up once, not per value. */
  private readonly entries: Record<(typeof VALUE_KINDS)[number], KindEntry | undefined>;
  private readonly alwaysIndices: number[];
  /** Each rule's chain of transformations as a key: rules with the same chain see the same forms of a value. */
  private readonly chainKeys: string[];
  /** Which rules the request being screened chose, and their indices, to visit only those (most requests choose none). */
  private readonly chosen: Uint8Array;
  private readonly picked: number[] = [];
  /**
   * The values made from the request line (method, URI, protocol, the line, the path and its base name, the
   * query and its arguments) are a function of those three: per URI as sent, and per method and protocol within
   * it, the rules they matched are remembered as one answer, so a repeated URI costs one lookup, not ten.
   */
  private readonly lineAnswers = new Map<string, LineAnswer>();
  private readonly userAgent: (value: string | null | undefined) => void;
  private readonly referer: (value: string | null | undefined) => void;
  private readonly host: (value: string | null | undefined) => void;

  constructor(
    private readonly rules: readonly Rule[],
    base: TxSnapshot,
    selfContained: (rule: Rule) => boolean,
  ) {
    const kinds = rules.map(kindsOf);
    this.whole = rules.map((rule) => rule.chain !== undefined && selfContained(rule));
    this.tester = valueTester(base);
    const atoms = new Set<string>();
    for (const rule of rules) atomsOf(rule.formula, atoms);
    this.scanner = new AtomScanner(atoms);
    this.atomTests = rules.map((rule) => compileFormula(rule.formula, this.scanner.ids));
    kinds.forEach((ruleKinds, index) =>
      ruleKinds?.forEach((kind) => {
        const entry: KindEntry = this.byKind.get(kind) ?? { readers: [], byAlphabet: new Map(), values: new Map() };
        entry.readers.push(index);
        this.byKind.set(kind, entry);
      }),
    );
    this.always = rules.filter((_rule, index) => kinds[index] === undefined);
    this.alwaysIndices = rules.flatMap((_rule, index) => (kinds[index] === undefined ? [index] : []));
    this.chosen = new Uint8Array(rules.length);
    this.chainKeys = rules.map((rule) => (rule.multiMatch ? `${rule.transformKey}+multi` : rule.transformKey));
    this.entries = Object.fromEntries(VALUE_KINDS.map((kind) => [kind, this.byKind.get(kind)])) as RequestScreen['entries'];
    this.userAgent = this.headerScreen('user-agent', 'User-Agent');
    this.referer = this.headerScreen('referer', 'Referer');
    this.host = this.headerScreen('host', 'Host');
  }

  select(request: AccessRequest, variables: () => RequestVariables): Rule[] {
    // A logged body's arguments are not part of the request line: such a request is screened value by value.
    if (request.body === undefined || request.body === '') this.choose(this.lineMatches(request, variables));
    else this.requestValues(variables(), (matched) => this.choose(matched), true);
    this.userAgent(request.userAgent);
    this.referer(request.referer);
    this.host(request.host);
    const picked = this.picked;
    if (picked.length === 0 && this.always.length === 0) return [];
    for (const index of picked) this.chosen[index] = 0;
    picked.push(...this.alwaysIndices);
    const selected = picked.sort((a, b) => a - b).map((index) => this.rules[index] as Rule);
    picked.length = 0;
    return withoutIdleControls(selected);
  }

  /** First cut: the readers whose operator can match what any transformation could make of the value. */
  private candidates(entry: KindEntry, plain: Alphabet, unicode: Alphabet): number[] {
    let byUnicode = entry.byAlphabet.get(plain);
    if (byUnicode === undefined) entry.byAlphabet.set(plain, (byUnicode = new Map()));
    let list = byUnicode.get(unicode);
    if (list === undefined) {
      list = entry.readers.filter((index) => {
        const rule = this.rules[index] as Rule;
        return rule.generative || rule.requirement(rule.transformKey.includes('utf8tounicode') ? unicode : plain);
      });
      byUnicode.set(unicode, list);
    }
    return list;
  }

  /** Whether a candidate's operator can match one of the forms it will see: their alphabets and their atoms. */
  private anyFormPossible(index: number, forms: readonly string[], scanned: Map<string, ScannedForm>): boolean {
    const rule = this.rules[index] as Rule;
    const atomTest = this.atomTests[index];
    for (const form of forms) {
      let seen = scanned.get(form);
      if (seen === undefined) scanned.set(form, (seen = { alphabet: alphabetOf(form), atoms: undefined }));
      if (!rule.requirement(seen.alphabet)) continue;
      if (atomTest === undefined) return true;
      seen.atoms ??= this.scanner.scan(form);
      if (atomTest(seen.atoms)) return true;
    }
    return false;
  }

  /** Second cut, on what a candidate's operator will see: its alphabet and its atoms; then the rule itself. */
  private verdicts(list: readonly number[], value: string, alphabet: Alphabet): number[] {
    const plain = inert(value, alphabet);
    let ownAtoms: FoundAtoms | undefined;
    // Made only for a value some candidate transforms (most plain values need neither).
    let scanned: Map<string, ScannedForm> | undefined;
    let formsByChain: Map<string, string[]> | undefined;
    const found: number[] = [];
    for (const index of list) {
      const rule = this.rules[index] as Rule;
      let possible: boolean;
      if (plain && !rule.generative) {
        const atomTest = this.atomTests[index];
        possible = atomTest === undefined || atomTest((ownAtoms ??= this.scanner.scan(value)));
      } else {
        const chain = this.chainKeys[index] as string;
        formsByChain ??= new Map();
        let forms = formsByChain.get(chain);
        if (forms === undefined) formsByChain.set(chain, (forms = formsOf(rule, value)));
        possible = this.anyFormPossible(index, forms, (scanned ??= new Map()));
      }
      if (possible && this.tester(rule, value, this.whole[index] === true)) found.push(index);
    }
    return found;
  }

  /** The pure rules of a kind that match a value, remembered; `raw` values (headers as logged) become bytes first. */
  private matching(entry: KindEntry | undefined, value: string, raw = false, remember = true): readonly number[] {
    if (entry === undefined) return NONE;
    let matched = remember ? entry.values.get(value) : undefined;
    if (matched === undefined) {
      const bytes = raw ? toBytes(value) : value;
      const alphabet = alphabetOf(bytes);
      const { plain, unicode } = transformedAlphabets(bytes, alphabet);
      const found = this.verdicts(this.candidates(entry, plain, unicode), bytes, alphabet);
      matched = found.length === 0 ? NONE : found;
      if (remember) {
        if (entry.values.size >= VALUE_CACHE_SIZE) entry.values.clear();
        entry.values.set(value, matched);
      }
    }
    return matched;
  }

  /**
   * The rules each value of the request line and the arguments matched (a logged body's among them). The URI
   * and the line are remembered per value only when `perValue`: the request-line memo remembers them otherwise,
   * and remembering a value costs more than judging it when, as with ids in paths, it never comes again.
   */
  private requestValues(v: RequestVariables, take: (matched: readonly number[]) => void, perValue: boolean): void {
    const entries = this.entries;
    for (const kind of ['method', 'protocol', 'filename', 'basename', 'query', 'argsSize'] as const) take(this.matching(entries[kind], v[kind]));
    take(this.matching(entries.uri, v.uri, false, perValue));
    if (entries.line !== undefined) take(this.matching(entries.line, `${v.method} ${v.uri} ${v.protocol}`, false, perValue));
    for (const arg of v.args) {
      take(this.matching(entries.arg, arg.value));
      take(this.matching(entries.argName, arg.name));
    }
  }

  private lineMatches(request: AccessRequest, variables: () => RequestVariables): readonly number[] {
    const protocol = request.protocol ?? '';
    const first = this.lineAnswers.get(request.uri);
    for (let known = first; known !== undefined; known = known.next) if (known.method === request.method && known.protocol === protocol) return known.rules;
    const found = new Set<number>();
    this.requestValues(
      variables(),
      (matched) => {
        for (const index of matched) found.add(index);
      },
      false,
    );
    const rules = found.size === 0 ? NONE : [...found];
    let next = first;
    if (this.lineAnswers.size >= VALUE_CACHE_SIZE) {
      this.lineAnswers.clear();
      next = undefined;
    }
    this.lineAnswers.set(request.uri, { method: request.method, protocol, rules, next });
    return rules;
  }

  private choose(matched: readonly number[]): void {
    for (let i = 0; i < matched.length; i += 1) {
      const index = matched[i] as number;
      if (this.chosen[index] === 0) {
        this.chosen[index] = 1;
        this.picked.push(index);
      }
    }
  }

  /** A logged header's screen: its entries, and the verdict on its name (a constant), found once. */
  private headerScreen(name: string, plainName: string): (value: string | null | undefined) => void {
    const count = this.byKind.get(`count:header:${name}`);
    const values = this.byKind.get(`header:${name}`);
    let names: readonly number[] | undefined;
    return (value) => {
      if (value === undefined) return;
      this.choose(this.matching(count, value === null ? '0' : '1'));
      if (value === null) return;
      this.choose(this.matching(values, value, true));
      this.choose((names ??= this.matching(this.entries.headerNames, plainName)));
    };
  }
}
