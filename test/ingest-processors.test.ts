import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../shared/paths.js';
import { YamlFileError } from '../shared/yaml-file.js';
import { loadUapParser, readRegexesFile, type VersionedName } from '../pipelines/enrich/uap.js';
import { createUserAgent } from '../pipelines/enrich/user-agent.js';
import { createNetworkDirection } from '../pipelines/enrich/network-direction.js';
import { createGeoip } from '../pipelines/enrich/geoip.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

/**
 * uap-core's own test vectors (github.com/ua-parser/uap-core, tag v0.18.0, tests/test_ua.yaml, test_os.yaml,
 * test_device.yaml; Apache-2.0), vendored in test/fixtures/uap-core, against the regexes of the same release
 * (the npm package uap-core 0.18.0).
 */

const parser = loadUapParser(join(packageRoot, 'node_modules', 'uap-core', 'regexes.yaml'));
const fixture = (name: string) => join(packageRoot, 'test', 'fixtures', 'uap-core', name);
type Case = Record<string, string | null> & { user_agent_string: string };
const cases = (text: string) => (parse(text) as { test_cases: Case[] }).test_cases;

function agreement(list: Case[], pick: (c: Case) => VersionedName | undefined, fields: [string, keyof VersionedName][]): { share: number; misses: string[] } {
  const misses: string[] = [];
  for (const c of list) {
    const found = pick(c);
    const ok = fields.every(([theirs, ours]) => (c[theirs] ?? null) === (ours === 'name' ? (found?.name ?? 'Other') : (found?.[ours] ?? null)));
    if (!ok) misses.push(c.user_agent_string);
  }
  return { share: 1 - misses.length / list.length, misses };
}

describe('user agents with uap-core, as Elasticsearch\u2019s user_agent processor parses them', () => {
  it.each([
    ['test_ua.yaml', 'agent', [['family', 'name'], ['major', 'major'], ['minor', 'minor'], ['patch', 'patch']]],
    ['test_os.yaml', 'os', [['family', 'name'], ['major', 'major'], ['minor', 'minor'], ['patch', 'patch'], ['patch_minor', 'build']]],
    ['test_device.yaml.gz', 'device', [['family', 'name']]],
  ] as const)('agrees with %s on at least 99 %% of its cases', (file, part, fields) => {
    const raw = readFileSync(fixture(file));
    const list = cases(file.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8'));
    const result = agreement(list, (c) => parser.parse(c.user_agent_string)[part], fields as unknown as [string, keyof VersionedName][]);
    expect(result.share).toBeGreaterThanOrEqual(0.99);
  }, 120_000);
});

describe('the index of uap-core\u2019s patterns (what an agent not seen before is tried against)', () => {
  const path = join(packageRoot, 'node_modules', 'uap-core', 'regexes.yaml');

  it('gives what trying every pattern in order gives, for every agent of uap-core\u2019s test vectors', () => {
    const agents = new Set([
      ...cases(readFileSync(fixture('test_ua.yaml'), 'utf8')),
      ...cases(readFileSync(fixture('test_os.yaml'), 'utf8')),
      ...cases(gunzipSync(readFileSync(fixture('test_device.yaml.gz'))).toString('utf8')),
    ].map((c) => c.user_agent_string));
    const everyPattern = loadUapParser(path, Number.POSITIVE_INFINITY);
    const indexed = loadUapParser(path, 0);
    const differing = [...agents].filter((agent) => JSON.stringify(indexed.parse(agent)) !== JSON.stringify(everyPattern.parse(agent)));
    expect(agents.size).toBeGreaterThan(17_000);
    expect(differing).toEqual([]);
  }, 120_000);

  it.each([
    // The analysis lowers ASCII letters only, as the scanner does: Ü and ü are one letter to the expression alone.
    ['a case-insensitive literal with letters beyond ASCII', "user_agent_parsers:\n  - regex: '(\u00dcn\u00efcode)Test'\n    regex_flag: 'i'\n", '\u00fcn\u00efcodetest/1', '\u00fcn\u00efcode'],
    ['a literal beyond Latin-1', "user_agent_parsers:\n  - regex: '(Prohl\u00ed\u017ee\u010d)/(\\d+)'\n", 'Prohl\u00ed\u017ee\u010d/3 (linux)', 'Prohl\u00ed\u017ee\u010d'],
    ['a case-insensitive pattern', "user_agent_parsers:\n  - regex: '(rendiffcli)/(\\d+)'\n    regex_flag: 'i'\n", 'RENDIFFCLI/3', 'RENDIFFCLI'],
    ['one literal of an alternation', "user_agent_parsers:\n  - regex: '(?:Render|Rendiff)(Bot)/(\\d+)'\n    family_replacement: 'Rendiff $1'\n", 'RendiffBot/3', 'Rendiff Bot'],
    ['an earlier pattern that needs no literal of the later one', "user_agent_parsers:\n  - regex: '^(\\w+)-cli/(\\d+)'\n  - regex: '(rendiff)-cli/(\\d+)'\n    family_replacement: 'later'\n", 'rendiff-cli/3', 'rendiff'],
  ])('finds %s, as trying every pattern does', (_name, text, agent, name) => {
    const file = regexesFileWith(text);
    expect(loadUapParser(file, 0).parse(agent).agent?.name).toBe(name);
    expect(loadUapParser(file, Number.POSITIVE_INFINITY).parse(agent).agent?.name).toBe(name);
  });

  it('is built once the parser has tried every pattern on that many agents, and parses the same before and after', () => {
    const parser = loadUapParser(path, 2);
    const agent = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
    const before = [parser.parse(agent), parser.parse(agent)];
    expect(parser.indexed).toBe(false);
    const after = parser.parse(agent);
    expect(parser.indexed).toBe(true);
    expect(after).toEqual(before[0]);
    expect(after.agent?.name).toBe('Firefox');
    // The enricher's parser waits for INDEX_AFTER agents: a fleet of a few dozen never builds the index.
    const enricherParser = loadUapParser(path);
    for (let i = 0; i < 100; i += 1) enricherParser.parse(`${agent} build/${i}`);
    expect(enricherParser.indexed).toBe(false);
  });
});

describe('the user_agent enricher', () => {
  // The API clients and crawlers ua-parser-js called "Other": each gets its name, and crawlers the device "Spider".
  it.each([
    ['python-requests/2.31.0', { name: 'Python Requests', version: '2.31', device: { name: 'Other' } }],
    ['Go-http-client/1.1', { name: 'Go-http-client', version: '1.1', device: { name: 'Other' } }],
    ['okhttp/4.12.0', { name: 'okhttp', version: '4.12.0', device: { name: 'Other' } }],
    ['curl/8.5.0', { name: 'curl', version: '8.5.0', device: { name: 'Other' } }],
    ['axios/1.7.2', { name: 'axios', version: '1.7.2', device: { name: 'Other' } }],
    ['Wget/1.21.4', { name: 'Wget', version: '1.21.4', device: { name: 'Other' } }],
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', { name: 'Googlebot', version: '2.1', device: { name: 'Spider' } }],
    ['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', { name: 'bingbot', version: '2.0', device: { name: 'Spider' } }],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', { name: 'Chrome', version: '126.0.0.0', os: { name: 'Windows', version: '10', full: 'Windows 10' }, device: { name: 'Other' } }],
  ])('%s', (original, expected) => {
    const enrich = createUserAgent();
    const document: Record<string, unknown> = { user_agent: { original } };
    enrich(document);
    expect(document.user_agent).toEqual({ original, ...expected });
  });

  it('reads another regexes file (SLUICE_UA_REGEXES), as the processor\u2019s regex_file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sluice-uap-')), 'regexes.yaml');
    writeFileSync(file, String.raw`user_agent_parsers:
  - regex: '(RendiffCLI)/(\d+)\.(\d+)'
    family_replacement: 'Rendiff CLI'
`);
    const document: Record<string, unknown> = { user_agent: { original: 'RendiffCLI/3.2 (linux)' } };
    createUserAgent(file)(document);
    expect(document.user_agent).toEqual({ original: 'RendiffCLI/3.2 (linux)', name: 'Rendiff CLI', version: '3.2', device: { name: 'Other' } });
  });

  it('reads uap-core\u2019s file as the yaml package reads it, entry for entry', () => {
    const path = join(packageRoot, 'node_modules', 'uap-core', 'regexes.yaml');
    const file = parse(readFileSync(path, 'utf8')) as Record<string, unknown[]>;
    const read = loadUapParser(path);
    expect(read.patterns).toBe(file.user_agent_parsers!.length + file.os_parsers!.length + file.device_parsers!.length);
    expect(readRegexesFile(path)).toEqual(file);
  });

  it('takes every value of a regexes file as text, as uap-core specifies: an unquoted number is a replacement too', () => {
    const file = regexesFileWith(String.raw`user_agent_parsers:
  - regex: '(RendiffCLI)/(\d+)\.(\d+)'
    v1_replacement: 7
    v2_replacement: 0x10
`);
    expect(loadUapParser(file).parse('RendiffCLI/3.2').agent).toEqual({ name: 'RendiffCLI', major: '7', minor: '0x10', patch: null, build: null });
  });

  it.each([
    ['an entry without its regex', 'user_agent_parsers:\n  - family_replacement: X\n', 'user_agent_parsers.0.regex'],
    ['a regex that is a list', 'os_parsers:\n  - regex: [a, b]\n', 'os_parsers.0.regex'],
    ['a list of text', 'device_parsers: [a]\n', 'device_parsers.0'],
    ['no lists at all', 'hello\n', '(file)'],
    ['lists with no entry', 'user_agent_parsers: []\n', '(file)'],
  ])('names what is wrong with a regexes file, as Sluice\u2019s own YAML files: %s', (_name, text, where) => {
    const file = regexesFileWith(text);
    const error = rejectionOf(file);
    expect(error.message.startsWith(`invalid uap-core regexes file ${file}:\n  ${where}: `)).toBe(true);
  });

  it('names a regexes file that is not YAML by the line where reading stopped', () => {
    const file = regexesFileWith("user_agent_parsers:\n  - regex: 'unclosed\n");
    const error = rejectionOf(file);
    // js-yaml stops at the end of the third line, where the quoted scalar is still open.
    expect(error.message).toBe(`invalid uap-core regexes file ${file}:\n  line 3: deficient indentation`);
  });
});

/** A regexes file with this text, in a directory of its own. */
function regexesFileWith(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sluice-uap-')), 'regexes.yaml');
  writeFileSync(file, text);
  return file;
}

/** What loading a bad regexes file throws: the error `sluice` prints before a usage exit (as for slo.yaml), not a stack trace. */
function rejectionOf(file: string): YamlFileError {
  try {
    loadUapParser(file);
  } catch (error) {
    expect(error).toBeInstanceOf(YamlFileError);
    return error as YamlFileError;
  }
  throw new Error('the file was accepted');
}

describe('network.direction, as the network_direction processor sets it', () => {
  it.each([
    ['an outside client to the platform', { source: { ip: '8.8.8.8' } }, 'inbound'],
    ['an inside client to the platform', { source: { ip: '10.1.2.3' } }, 'internal'],
    ['IPv6 unique-local to an inside destination', { source: { ip: 'fd00::5' }, destination: { ip: '192.168.1.1' } }, 'internal'],
    ['an inside host to the outside', { source: { ip: '172.16.0.9' }, destination: { ip: '1.1.1.1' } }, 'outbound'],
    ['outside to outside', { source: { ip: '8.8.8.8' }, destination: { ip: '1.1.1.1' } }, 'external'],
    ['an IPv4-mapped inside address', { source: { ip: '::ffff:192.168.7.7' } }, 'internal'],
  ])('%s', (_name, document, direction) => {
    const doc = structuredClone(document) as Record<string, unknown>;
    createNetworkDirection()(doc);
    expect((doc.network as { direction: string }).direction).toBe(direction);
  });

  it('with SLUICE_INTERNAL_NETWORKS, only those networks are inside', () => {
    const doc: Record<string, unknown> = { source: { ip: '10.1.2.3' } };
    createNetworkDirection(['192.168.0.0/16'])(doc);
    expect(doc.network).toEqual({ direction: 'inbound' });
  });
});

describe('GeoIP: the geoip processor\u2019s default properties, from both database schemas', () => {
  // The processor writes continent_name, country_iso_code, country_name, region_iso_code, region_name,
  // city_name and location from a city database, as.number and as.organization.name from an ASN one. The
  // known answers are those of test/fixtures/geoip/SOURCE.md (MaxMind's test databases, GeoIP2 schema).
  const DEFAULTS = ['continent_name', 'country_iso_code', 'country_name', 'region_iso_code', 'region_name', 'city_name', 'location'];
  it.each([
    ['81.2.69.142', 'GB', 'London', 'GB-ENG', { lat: 51.5142, lon: -0.0931 }],
    ['89.160.20.128', 'SE', 'Linköping', 'SE-E', { lat: 58.4167, lon: 15.6167 }],
    ['216.160.83.56', 'US', 'Milton', 'US-WA', { lat: 47.2513, lon: -122.3149 }],
    ['175.16.199.1', 'CN', 'Changchun', 'CN-22', { lat: 43.88, lon: 125.3228 }],
    ['2.125.160.216', 'GB', 'Boxford', 'GB-ENG', { lat: 51.75, lon: -1.25 }],
    ['2001:480:10::1', 'US', 'San Diego', 'US-CA', { lat: 32.7203, lon: -117.1552 }],
  ])('%s: every default property, with the known answers', async (ip, country, city, region, location) => {
    const geoip = await createGeoip({ cityDb: join(packageRoot, 'test', 'fixtures', 'geoip', 'GeoIP2-City-Test.mmdb') });
    try {
      const found = geoip.lookup(ip) as { geo: Record<string, unknown> };
      for (const property of DEFAULTS) expect(found.geo[property], `${ip} ${property}`).toBeDefined();
      expect(found.geo).toMatchObject({ country_iso_code: country, city_name: city, region_iso_code: region, location });
    } finally {
      geoip.close();
    }
  });

  it('the shipped DB-IP database (its own schema) gives the same properties, names derived where it has none', async () => {
    const geoip = await createGeoip();
    try {
      const found = geoip.lookup('8.8.8.8') as { geo: Record<string, unknown>; as: Record<string, unknown> };
      for (const property of ['continent_name', 'country_iso_code', 'country_name', 'location']) expect(found.geo[property], property).toBeDefined();
      expect(found.as).toMatchObject({ number: 15169, organization: { name: 'Google LLC' } });
    } finally {
      geoip.close();
    }
  });
});
