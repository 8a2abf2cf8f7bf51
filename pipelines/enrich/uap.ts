import { readFileSync } from 'node:fs';
import { FAILSAFE_SCHEMA, load, YAMLException } from 'js-yaml';
import { z } from 'zod';
import { issuePath, YamlFileError } from '../../shared/yaml-file.js';
import { AtomScanner, type FoundAtoms } from './crs/atoms.js';
import { regexAnalysis, type Formula } from './crs/prefilter.js';

/**
 * User agents parsed with uap-core's `regexes.yaml`, the expressions of Elasticsearch's `user_agent` ingest
 * processor, with its rules (UserAgentParser.java): the first pattern that matches and yields a name wins,
 * the fields are name, major, minor, patch, build, and a device is only its name. Replacements substitute
 * `$1` … `$9` as uap-core's specification says: Elasticsearch's parser substitutes `$1` in names only, which
 * its own older copy of the expressions needs, but uap-core 0.18 writes `$2` in versions and devices too
 * (taken literally, "Windows $1" would come out). Written here because no maintained npm parser reads
 * uap-core's file (ua-parser-js has its own expressions and names most API clients "Other").
 */

export interface VersionedName {
  name: string;
  major: string | null;
  minor: string | null;
  patch: string | null;
  build: string | null;
}

interface Subpattern {
  regex: RegExp;
  name: string | undefined;
  v1: string | undefined;
  v2: string | undefined;
  v3: string | undefined;
  v4: string | undefined;
}

/** A regexes file as uap-core's specification writes it: lists of entries, each a `regex` and its replacements. */
const regexEntry = z.object({ regex: z.string() }).catchall(z.string());
const entryList = z.array(regexEntry).optional();
const regexesFile = z
  .object({ user_agent_parsers: entryList, os_parsers: entryList, device_parsers: entryList })
  .refine((file) => (file.user_agent_parsers?.length ?? 0) + (file.os_parsers?.length ?? 0) + (file.device_parsers?.length ?? 0) > 0, 'no user_agent_parsers, os_parsers or device_parsers');

type Entry = z.output<typeof regexEntry>;

const WHAT = 'uap-core regexes file';

function compile(entries: Entry[] | undefined, keys: [string, string?, string?, string?, string?]): Subpattern[] {
  return (entries ?? []).map((entry) => ({
    regex: new RegExp(entry.regex, entry.regex_flag === 'i' ? 'i' : ''),
    name: entry[keys[0]],
    v1: keys[1] === undefined ? undefined : entry[keys[1]],
    v2: keys[2] === undefined ? undefined : entry[keys[2]],
    v3: keys[3] === undefined ? undefined : entry[keys[3]],
    v4: keys[4] === undefined ? undefined : entry[keys[4]],
  }));
}

function match(pattern: Subpattern, agent: string): VersionedName | undefined {
  const found = pattern.regex.exec(agent);
  if (found === null) return undefined;
  const group = (n: number): string | null => {
    const value = found[n]?.trim();
    return value === undefined || value === '' ? null : value;
  };
  // A replacement takes $1 … $9 from the groups (uap-core's specification); blank is absent.
  const field = (replacement: string | undefined, n: number): string | null => {
    if (replacement === undefined) return group(n);
    const value = replacement.replace(/\$(\d)/g, (_all, i: string) => found[Number(i)] ?? '').trim();
    return value === '' ? null : value;
  };
  const name = field(pattern.name, 1);
  if (name === null) return undefined;
  return { name, major: field(pattern.v1, 2), minor: field(pattern.v2, 3), patch: field(pattern.v3, 4), build: field(pattern.v4, 5) };
}

/** The first pattern of the list that matches and yields a name; with `candidates`, of those it marks. */
function first(patterns: Subpattern[], agent: string, candidates?: Uint8Array): VersionedName | undefined {
  for (let i = 0; i < patterns.length; i += 1) {
    if (candidates !== undefined && candidates[i] === 0) continue;
    const found = match(patterns[i] as Subpattern, agent);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Characters of a literal kept as its key: any part of a literal a match needs is needed too, and short keys keep the scanner small. */
const KEY_CHARS = 8;

/**
 * Texts one of which every match of the formula contains (lower case), or undefined when a match may contain
 * none of them. Of the parts a match needs all of, one is enough to look for: the one with the fewest and
 * longest keys. A key is the longest run of ASCII in its literal: the analysis and the scanner lower ASCII
 * letters only, and a case-insensitive expression's Ü matches an agent's ü.
 */
function keysOf(formula: Formula): string[] | undefined {
  switch (formula.op) {
    case 'all':
      return undefined;
    case 'atom': {
      const ascii = formula.atom.split(/[^\x00-\x7f]+/).reduce((longest, run) => (run.length > longest.length ? run : longest), '');
      return ascii.length >= 2 ? [ascii.slice(0, KEY_CHARS)] : undefined;
    }
    case 'or': {
      const keys: string[] = [];
      for (const part of formula.of) {
        const partKeys = keysOf(part);
        if (partKeys === undefined) return undefined;
        keys.push(...partKeys);
      }
      return keys;
    }
    case 'and': {
      const selectivity = (keys: string[]) => Math.min(...keys.map((key) => key.length)) / keys.length;
      let best: string[] | undefined;
      for (const part of formula.of) {
        const partKeys = keysOf(part);
        if (partKeys !== undefined && (best === undefined || selectivity(partKeys) > selectivity(best))) best = partKeys;
      }
      return best;
    }
  }
}

/**
 * Which patterns of each list can match an agent: those whose literal text (what every match of the expression
 * contains, from the CRS screen's analysis of expressions) the agent holds, found in one pass of an
 * Aho-Corasick scanner, and those that need none. Tried in their order, so the first that matches is the one
 * the whole list would give. Trying every expression of uap-core took 100-230 µs per agent not seen before,
 * the index 10-14: a client that sends a new agent with every request costs that much per event.
 */
class PatternIndex {
  private readonly scanner: AtomScanner;
  /** Per list: the patterns each key's id leads to; 1 for the patterns that need no key; the marks of one agent. */
  private readonly byKey: Array<Map<number, number[]>>;
  private readonly always: Uint8Array[];
  private readonly marks: Uint8Array[];

  constructor(lists: ReadonlyArray<readonly Subpattern[]>) {
    const keys = lists.map((patterns) => patterns.map((pattern) => keysOf(regexAnalysis(pattern.regex.source, pattern.regex.flags).formula)));
    this.scanner = new AtomScanner(keys.flat().flatMap((found) => found ?? []));
    this.always = keys.map((list) => Uint8Array.from(list, (found) => (found === undefined ? 1 : 0)));
    this.marks = keys.map((list) => new Uint8Array(list.length));
    this.byKey = keys.map((list) => {
      const byKey = new Map<number, number[]>();
      list.forEach((found, index) => {
        for (const key of new Set(found)) {
          const id = this.scanner.ids.get(key) as number;
          const patterns = byKey.get(id);
          if (patterns === undefined) byKey.set(id, [index]);
          else patterns.push(index);
        }
      });
      return byKey;
    });
  }

  /** The keys an agent holds. */
  scan(agent: string): FoundAtoms {
    return this.scanner.scan(agent);
  }

  /**
   * The patterns of list `list` that can match an agent holding `found`, marked 1 by their place in the list (no
   * allocation per agent: the marks are the list's own, valid until its next call).
   */
  candidates(list: number, found: FoundAtoms): Uint8Array {
    const marks = this.marks[list] as Uint8Array;
    marks.set(this.always[list] as Uint8Array);
    const byKey = this.byKey[list] as Map<number, number[]>;
    for (const id of found) {
      const patterns = byKey.get(id);
      if (patterns !== undefined) for (const index of patterns) marks[index] = 1;
    }
    return marks;
  }
}

/**
 * Agents parsed by trying every pattern before the patterns are indexed (the enricher asks only for agents not in
 * its cache: distinct ones). Indexing uap-core's (analysing its 1 175 expressions, building the scanner) took
 * about 150 ms, as long as trying every pattern on 700 to 1 400 agents; a fleet of a few dozen agents never needs it, and an idle worker does not hold it.
 */
const INDEX_AFTER = 1000;

export interface UserAgentParts {
  agent: VersionedName | undefined;
  os: VersionedName | undefined;
  device: VersionedName | undefined;
}

export interface UapParser {
  parse(agent: string): UserAgentParts;
  patterns: number;
  /** Whether the patterns are indexed yet (INDEX_AFTER). */
  readonly indexed: boolean;
}

/**
 * A regexes file, read with js-yaml and every scalar taken as a string (its failsafe schema: uap-core's fields
 * are all strings, and an unquoted `v1_replacement: 6` stays "6"). The `yaml` package, which reads Sluice's
 * own YAML files with line numbers for every error, took about 0.45 CPU-seconds of each worker's start for
 * uap-core's 200 KB (most of it compiling its parser on V8's helper threads); js-yaml about 0.13. Its mistakes
 * are reported as those files' are (YamlFileError: `sluice` prints them and exits), by line when the YAML
 * breaks and by path when an entry does.
 */
export function readRegexesFile(path: string): z.output<typeof regexesFile> {
  const text = readFileSync(path, 'utf8');
  let read: unknown;
  try {
    read = load(text, { schema: FAILSAFE_SCHEMA });
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    throw new YamlFileError(path, [`line ${(error.mark?.line ?? 0) + 1}: ${error.reason}`], WHAT);
  }
  const checked = regexesFile.safeParse(read);
  if (checked.success) return checked.data;
  throw new YamlFileError(path, checked.error.issues.map((issue) => `${issuePath(issue)}: ${issue.message}`), WHAT);
}

/** `indexAfter`: agents parsed before the patterns are indexed (INDEX_AFTER; 0 at once). */
export function loadUapParser(path: string, indexAfter = INDEX_AFTER): UapParser {
  const file = readRegexesFile(path);
  const agents = compile(file.user_agent_parsers, ['family_replacement', 'v1_replacement', 'v2_replacement', 'v3_replacement', 'v4_replacement']);
  const systems = compile(file.os_parsers, ['os_replacement', 'os_v1_replacement', 'os_v2_replacement', 'os_v3_replacement', 'os_v4_replacement']);
  const devices = compile(file.device_parsers, ['device_replacement']);
  let index: PatternIndex | undefined;
  let parsed = 0;
  return {
    patterns: agents.length + systems.length + devices.length,
    get indexed() {
      return index !== undefined;
    },
    parse: (agent) => {
      if (index === undefined && parsed++ >= indexAfter) index = new PatternIndex([agents, systems, devices]);
      if (index === undefined) return { agent: first(agents, agent), os: first(systems, agent), device: first(devices, agent) };
      const found = index.scan(agent);
      return { agent: first(agents, agent, index.candidates(0, found)), os: first(systems, agent, index.candidates(1, found)), device: first(devices, agent, index.candidates(2, found)) };
    },
  };
}

/** A version as the processor writes it: major, then .minor, .patch, .build while each is there. */
export function versionText(name: VersionedName | undefined): string | undefined {
  if (name?.major == null) return undefined;
  let text = name.major;
  if (name.minor != null) {
    text += `.${name.minor}`;
    if (name.patch != null) {
      text += `.${name.patch}`;
      if (name.build != null) text += `.${name.build}`;
    }
  }
  return text;
}
