import { readFileSync } from 'node:fs';
import { FAILSAFE_SCHEMA, load, YAMLException } from 'js-yaml';
import { z } from 'zod';
import { issuePath, YamlFileError } from '../../shared/yaml-file.js';

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

function first(patterns: Subpattern[], agent: string): VersionedName | undefined {
  for (const pattern of patterns) {
    const found = match(pattern, agent);
    if (found !== undefined) return found;
  }
  return undefined;
}

export interface UserAgentParts {
  agent: VersionedName | undefined;
  os: VersionedName | undefined;
  device: VersionedName | undefined;
}

export interface UapParser {
  parse(agent: string): UserAgentParts;
  patterns: number;
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

export function loadUapParser(path: string): UapParser {
  const file = readRegexesFile(path);
  const agents = compile(file.user_agent_parsers, ['family_replacement', 'v1_replacement', 'v2_replacement', 'v3_replacement', 'v4_replacement']);
  const systems = compile(file.os_parsers, ['os_replacement', 'os_v1_replacement', 'os_v2_replacement', 'os_v3_replacement', 'os_v4_replacement']);
  const devices = compile(file.device_parsers, ['device_replacement']);
  return {
    patterns: agents.length + systems.length + devices.length,
    parse: (agent) => ({ agent: first(agents, agent), os: first(systems, agent), device: first(devices, agent) }),
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
