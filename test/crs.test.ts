import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benignRequests } from '../bench/benign-traffic.js';
import { loadRegressionCases, runRegression } from '../bench/crs-regression.js';
import { AtomScanner, compileFormula } from '../pipelines/enrich/crs/atoms.js';
import { detectSqli, detectXss } from '../pipelines/enrich/crs/libinjection.js';
import { compileOperator, operatorRequirement } from '../pipelines/enrich/crs/operators.js';
import { alphabetOf, ALL, type Formula } from '../pipelines/enrich/crs/prefilter.js';
import { convertRegex, RegexConversionError } from '../pipelines/enrich/crs/regex.js';
import type { Match } from '../pipelines/enrich/crs/engine.js';
import { defaultCrsDir, loadCrs, loadCrsInTurns } from '../pipelines/enrich/crs/ruleset.js';
import { parseActions, parseRuleFile } from '../pipelines/enrich/crs/seclang.js';
import { base64Decode, cmdLine, cssDecode, htmlEntityDecode, jsDecode, normalizePath, replaceComments, urlDecode, urlDecodeUni, utf8toUnicode } from '../pipelines/enrich/crs/transforms.js';
import { pino } from 'pino';
import { logCrs } from '../services/ingest/service.js';
import { ConfigError, loadConfig } from '../shared/config.js';
import { packageRoot } from '../shared/paths.js';

/**
 * The CRS evaluator: CRS's own regression tests (what an access log carries of them), libinjection's own
 * test vectors, the screen that skips rules against running every rule, and the benign API traffic.
 */

const REGRESSION = join(packageRoot, 'test', 'fixtures', 'crs', 'regression');
const LIBINJECTION = join(packageRoot, 'test', 'fixtures', 'libinjection');
const cases = loadRegressionCases(REGRESSION);

describe('SecLang', () => {
  it('reads actions with quoted values, commas inside quotes and escaped quotes', () => {
    expect(parseActions("id:942100,phase:2,block,t:none,t:urlDecodeUni,msg:'SQL Injection, via libinjection',setvar:'tx.x=+%{tx.critical_anomaly_score}',tag:'it\\'s'")).toEqual([
      { name: 'id', value: '942100' },
      { name: 'phase', value: '2' },
      { name: 'block', value: '' },
      { name: 't', value: 'none' },
      { name: 't', value: 'urlDecodeUni' },
      { name: 'msg', value: 'SQL Injection, via libinjection' },
      { name: 'setvar', value: 'tx.x=+%{tx.critical_anomaly_score}' },
      { name: 'tag', value: "it's" },
    ]);
  });

  it('joins continued lines and keeps the backslashes of expressions (Apache quoting)', () => {
    const [rule] = parseRuleFile('# comment\nSecRule ARGS "@rx \\d+\\"x" \\\n    "id:1,\\\n    phase:2"\n', 'x.conf');
    expect(rule).toMatchObject({ kind: 'SecRule', variables: 'ARGS', operator: '@rx \\d+"x', line: 2 });
    expect(rule?.actions).toEqual([
      { name: 'id', value: '1' },
      { name: 'phase', value: '2' },
    ]);
  });
});

describe('expressions written for RE2 and PCRE, run by JavaScript', () => {
  const matches = (pattern: string, text: string): boolean => {
    const { source, flags } = convertRegex(pattern);
    return new RegExp(source, flags).test(text);
  };

  it('takes leading flags, also after an anchor, and case-insensitive groups', () => {
    expect(matches('(?i)union', 'UNION')).toBe(true);
    expect(matches('^(?i)up', 'UPDATE')).toBe(true);
    expect(matches('^(?i:file|https?)://x', 'HTTPS://x')).toBe(true);
    expect(matches('a(?i:b)c', 'aBc')).toBe(true);
    expect(matches('a(?i:b)c', 'ABC')).toBe(false);
    expect(matches('(?is)a.b', 'A\nB')).toBe(true);
  });

  it('matches bytes: \\x{hh} is one byte, \\s is PCRE\'s six blanks (not 0xa0, the second byte of "à")', () => {
    expect(matches('\\x{c2}\\x{b4}', '\xc2\xb4')).toBe(true);
    expect(matches('a\\sb', 'a\xa0b')).toBe(false);
    expect(matches('a\\sb', 'a\x0bb')).toBe(true);
    expect(matches('a[\\s]b', 'a\tb')).toBe(true);
    expect(matches('[\\s\\S]', '\xa0')).toBe(true);
    expect(matches('a[^\\S]b', 'a b')).toBe(true);
    expect(matches('a.b', 'a\rb')).toBe(true);
    expect(matches('x\\z', 'x\n')).toBe(false);
    expect(matches('[[:alpha:]]+', '123abc')).toBe(true);
  });

  it('refuses what a byte string cannot express, by name', () => {
    expect(() => convertRegex('\\p{L}+')).toThrow(RegexConversionError);
    expect(() => convertRegex('\\x{263a}')).toThrow(/not a byte/);
  });
});

describe('transformations as ModSecurity applies them', () => {
  it('decodes base64 up to the first byte outside its alphabet, each value its own, asked again or in turn', () => {
    // RFC 4648's vectors ("Zm8=" stops at "=", the padding), and text after a byte outside the alphabet left out.
    for (const [value, decoded] of [['Zm9vYmFy', 'foobar'], ['Zm9vYmFy', 'foobar'], ['ZXZhbCgp', 'eval()'], ['ZXZhbCgp!junk', 'eval()'], ['Zm9vYmFy', 'foobar'], ['', ''], ['Zm8=', 'fo'], ['Zm8=', 'fo']] as const) {
      expect(base64Decode(value)).toBe(decoded);
    }
  });

  it('decodes %uHHHH by its low byte and full-width ASCII to ASCII', () => {
    expect(urlDecodeUni('%u0041%uFF1Cscript%uff1e+%2B%zz')).toBe('A<script> +%zz');
  });

  it('keeps the text around escapes, at either end and between adjacent ones, and a cut escape as written', () => {
    expect(urlDecodeUni('%41a+b%2f%2Fc%u00%4')).toBe('Aa b//c%u00%4');
    expect(urlDecodeUni('/api/v1?user=u%40example.com&q=a+b')).toBe('/api/v1?user=u@example.com&q=a b');
    expect(urlDecode('+%u0041%25%%41x%')).toBe(' %u0041%%Ax%');
    expect(urlDecode('plain')).toBe('plain');
  });

  it('decodes entities with or without the semicolon, JavaScript and CSS escapes', () => {
    expect(htmlEntityDecode('&#x3c;&#60&lt;&quot;&amp;&unknown;')).toBe('<<<"&&unknown;');
    expect(jsDecode('\\x3c\\u003cscript\\76\\n\\q')).toBe('<<script>\nq');
    expect(cssDecode('\\3c \\000041\\\nx\\;')).toBe('<Ax;');
  });

  it('undoes shell tricks, comments and path games', () => {
    expect(cmdLine("c^a\\t \"/etc/pass\"'wd' ; X,y")).toBe('cat/etc/passwd x y');
    expect(cmdLine('/Bin/Cat\t(/etc)')).toBe('/bin/cat(/etc)');
    expect(cmdLine('/API/v1/Jobs?ID=7')).toBe('/api/v1/jobs?id=7');
    expect(replaceComments('UNION/**/SELECT/* open')).toBe('UNION SELECT ');
    expect(normalizePath('/a/./b/../../etc//passwd')).toBe('/etc/passwd');
    expect(utf8toUnicode('caf\xc3\xa9')).toBe('caf%u00e9');
  });
});

describe('operators', () => {
  it('@pm finds the phrase that ends first, ignoring ASCII case only (as C\'s tolower), and captures it as listed', () => {
    const expand = (text: string): string => text;
    const pm = compileOperator('pm', 'select Union passwd \xe9t\xe9', () => []);
    expect(pm('1 UNION SELECT 2', expand)).toEqual(['Union']);
    expect(pm('/ETC/PASSWD', expand)).toEqual(['passwd']);
    expect(pm('nothing here', expand)).toBeUndefined();
    // Bytes above 0x7f are compared as they are: "\xc9t\xc9" is not "\xe9t\xe9".
    expect(pm('\xc9t\xc9', expand)).toBeUndefined();
    expect(pm('l\xe9t\xe9', expand)).toEqual(['\xe9t\xe9']);
  });

  it("the screen's atom scan lists every atom a text holds once, overlapping and repeated ones too, and scans afresh each time", () => {
    const scanner = new AtomScanner(['/', 'ab', 'b', 'abc', 'x']);
    const atoms = (text: string): string[] => [...scanner.ids].filter(([, id]) => scanner.scan(text).includes(id)).map(([atom]) => atom);
    expect(scanner.scan('/AB/ab/Abc/')).toHaveLength(4);
    expect(atoms('/AB/ab/Abc/')).toEqual(['/', 'ab', 'b', 'abc']);
    expect(atoms('zzz')).toEqual([]);
    expect(atoms('xb')).toEqual(['b', 'x']);
  });

  it('the atom scanner agrees with a plain search on CRS phrase lists: every atom a text holds, and the one ending first (the longest there)', () => {
    const rules = defaultCrsDir();
    let seed = 19;
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    for (const file of ['lfi-os-files.data', 'unix-shell.data', 'scanners-user-agents.data']) {
      const phrases = readFileSync(join(rules, file), 'utf8').split('\n').filter((line) => /^[\x20-\x7e]+$/.test(line) && !line.startsWith('#')).map((line) => line.toLowerCase());
      const scanner = new AtomScanner(phrases);
      const atomOf = new Map([...scanner.ids].map(([atom, id]) => [id, atom]));
      for (let round = 0; round < 2_000; round += 1) {
        // Pieces of phrases (their ends or their starts, some in upper case) joined by any printable character.
        let text = '';
        for (let piece = 0; piece < 1 + Math.floor(random() * 4); piece += 1) {
          const phrase = phrases[Math.floor(random() * phrases.length)] as string;
          const cut = Math.floor(random() * phrase.length);
          text += (random() < 0.5 ? phrase.slice(cut) : phrase.slice(0, cut + 1).toUpperCase()) + String.fromCharCode(32 + Math.floor(random() * 95));
        }
        const lower = text.toLowerCase();
        const held = [...scanner.ids.keys()].filter((atom) => lower.includes(atom));
        expect(scanner.scan(text).map((id) => atomOf.get(id)).sort(), text).toEqual(held.sort());
        const end = (atom: string): number => lower.indexOf(atom) + atom.length;
        const first = held.sort((a, b) => end(a) - end(b) || b.length - a.length)[0];
        expect(atomOf.get(scanner.first(text)), text).toBe(first);
      }
    }
  });

  it("a rule's formula over the atoms found: nested and and or, with none of its atoms found, and with nothing to require", () => {
    const scanner = new AtomScanner(['union', 'select', 'sleep', '(', 'x', 'y']);
    const atom = (name: string): Formula => ({ op: 'atom', atom: name });
    const test = (formula: Formula, text: string): boolean | undefined => compileFormula(formula, scanner.ids)?.(scanner.scan(text));
    // ("union" and "select") or ("sleep" and "(")
    const sql: Formula = { op: 'or', of: [{ op: 'and', of: [atom('union'), atom('select')] }, { op: 'and', of: [atom('sleep'), atom('(')] }] };
    expect(test(sql, '1 UNION SELECT 2')).toBe(true);
    expect(test(sql, 'sleep(5)')).toBe(true);
    expect(test(sql, 'union all')).toBe(false);
    expect(test(sql, 'sleep well')).toBe(false);
    expect(test(sql, 'x and y only')).toBe(false);
    expect(test(sql, '')).toBe(false);
    // A part that requires nothing holds with no atom found: "x" or (anything and anything).
    const loose: Formula = { op: 'and', of: [{ op: 'or', of: [atom('x'), { op: 'and', of: [ALL, ALL] }] }, ALL] };
    expect(test(loose, 'nothing known')).toBe(true);
    expect(test(loose, 'x')).toBe(true);
    expect(compileFormula({ op: 'or', of: [atom('x'), ALL] }, scanner.ids)).toBeUndefined();
  });
});

describe('libinjection, compiled from its C sources, against its own test vectors', () => {
  /** tests/test-sqli-*.txt: the expected fingerprint, or nothing for input that is not SQL injection. */
  it('gives the fingerprint of every test-sqli case', () => {
    const files = readdirSync(join(LIBINJECTION, 'tests')).filter((name) => name.startsWith('test-sqli-'));
    expect(files.length).toBeGreaterThanOrEqual(40);
    for (const file of files) {
      const text = readFileSync(join(LIBINJECTION, 'tests', file), 'latin1');
      const input = (/--INPUT--\n([\s\S]*?)\n--EXPECTED--/.exec(text)?.[1] ?? '').replace(/\n$/, '');
      const expected = (/--EXPECTED--\n([\s\S]*)$/.exec(text)?.[1] ?? '').trim();
      expect(detectSqli(input) ?? '', `${file}: ${input}`).toBe(expected);
    }
  });

  /** data/: as its reader does (URL-decoded lines), with its limits: at most 18 misses, at most 21 false positives. */
  const samples = (prefix: string): string[] =>
    readdirSync(join(LIBINJECTION, 'data'))
      .filter((name) => name.startsWith(prefix))
      .flatMap((name) => readFileSync(join(LIBINJECTION, 'data', name), 'latin1').split('\n'))
      .map((line) => line.replace(/[ \n\t\r]+$/, ''))
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16))));

  it('detects the SQL injection samples and passes the known false positives, within upstream limits', () => {
    const attacks = samples('sqli-');
    expect(attacks.length).toBeGreaterThan(1000);
    expect(attacks.filter((line) => detectSqli(line) === undefined).length).toBeLessThanOrEqual(18);
    const benign = samples('false_');
    expect(benign.filter((line) => detectSqli(line) !== undefined).length).toBeLessThanOrEqual(21);
  });

  it('detects the XSS samples within upstream limits', () => {
    const attacks = samples('xss');
    expect(attacks.length).toBeGreaterThan(300);
    expect(attacks.filter((line) => !detectXss(line)).length).toBeLessThanOrEqual(18);
  });

  it('finds nothing where the screen says it cannot (letters, digits and "_"; no blank, quote, "=" or "<" for XSS)', () => {
    let seed = 11;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const words = ['union', 'select', 'or', 'and', '1', 'sleep', 'from', 'where', 'null', 'drop', 'exec', 'char', 'version', 'onerror', 'onload', 'script', 'alert', 'javascript', 'img', 'svg', 'eval', 'href', 'src', 'iframe'];
    const word = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';
    const notXss = `${word}!#$%&()*+,-./:;?@[\\]^{|}~`;
    const sqliNeeds = operatorRequirement('detectSQLi', '', () => []);
    const xssNeeds = operatorRequirement('detectXSS', '', () => []);
    for (let i = 0; i < 20_000; i += 1) {
      const build = (alphabet: string) => Array.from({ length: 1 + random(8) }, () => (random(3) === 0 ? words[random(words.length)] : alphabet[random(alphabet.length)])).join('');
      const sqli = build(word);
      const xss = build(notXss);
      expect(sqliNeeds(alphabetOf(sqli)), sqli).toBe(false);
      expect(detectSqli(sqli), sqli).toBeUndefined();
      expect(xssNeeds(alphabetOf(xss)), xss).toBe(false);
      expect(detectXss(xss), xss).toBe(false);
    }
  });
  it("lets through every value an operator other than @rx, @pm or libinjection's matches (each of the vendored rules' own)", () => {
    const operators = [
      ...new Set(
        readdirSync(defaultCrsDir())
          .filter((file) => file.endsWith('.conf'))
          .flatMap((file) => [...readFileSync(join(defaultCrsDir(), file), 'utf8').matchAll(/"@(validateByteRange|validateUrlEncoding|validateUtf8Encoding|contains|containsWord|beginsWith|endsWith|streq)(?: ([^"%]*))?"/g)].map((match) => `${match[1]} ${match[2] ?? ''}`)),
      ),
    ];
    expect(operators.length).toBeGreaterThan(12);
    let seed = 29;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const excluded = new Map<string, number>();
    for (const operator of operators) {
      const [name, argument] = [operator.slice(0, operator.indexOf(' ')), operator.slice(operator.indexOf(' ') + 1)];
      const test = compileOperator(name, argument, () => []);
      const needs = operatorRequirement(name, argument, () => []);
      for (let i = 0; i < 3_000; i += 1) {
        // Bytes of every class, the argument itself now and then, escapes half made, UTF-8 whole and broken.
        const parts = Array.from({ length: random(12) }, () => {
          const kind = random(6);
          if (kind === 0) return argument;
          if (kind === 1) return ['%', '%4', '%41', '%zz', '\xc3\xa9', '\xc3', '\xff', '#', ' '][random(9)] as string;
          return String.fromCharCode(kind === 2 ? random(256) : 0x20 + random(95));
        });
        const value = parts.join('');
        const matched = test(value, (text) => text) !== undefined;
        if (matched) expect(needs(alphabetOf(value)), `@${operator} on ${JSON.stringify(value)}`).toBe(true);
        else if (!needs(alphabetOf(value))) excluded.set(name, (excluded.get(name) ?? 0) + 1);
      }
    }
    // And the screen gains by it: plain values are left out of each kind of operator.
    for (const name of ['validateByteRange', 'validateUrlEncoding', 'validateUtf8Encoding', 'contains', 'endsWith', 'streq']) expect(excluded.get(name) ?? 0, name).toBeGreaterThan(100);
  });
});

describe.each([1, 2])("CRS's regression tests at paranoia level %i, as an access log carries them", (paranoia) => {
  const crs = loadCrs({ paranoia, threshold: 5 });
  const result = runRegression(crs, cases);

  it('runs hundreds of tests of every detection file and passes at least 95 %', () => {
    expect(result.run).toBeGreaterThan(paranoia === 1 ? 1400 : 2200);
    for (const file of ['REQUEST-913', 'REQUEST-920', 'REQUEST-930', 'REQUEST-932', 'REQUEST-941', 'REQUEST-942', 'REQUEST-944']) expect([...result.files.keys()].some((name) => name.startsWith(file))).toBe(true);
    expect(result.passed / result.run).toBeGreaterThanOrEqual(0.95);
  });

  it('the screen leaves out no rule that fires: every carried test gives the same rule ids with and without it', () => {
    const differences = cases
      .filter((test) => test.notCarried === undefined)
      .filter((test) => crs.evaluate(test.request).matches.map((match) => match.id).join() !== crs.evaluate(test.request, { unscreened: true }).matches.map((match) => match.id).join());
    expect(differences.map((test) => test.testId)).toEqual([]);
  });
});

describe('rules, options and the rule directory', () => {
  it('converts every expression of the vendored rules; the rules an access log cannot feed are listed with the variable', () => {
    const crs = loadCrs({ paranoia: 2, threshold: 5 });
    expect(crs.unsupported).toEqual([]);
    expect(crs.blind.length).toBeGreaterThan(20);
    expect(crs.blind.every((rule) => /^reads \S+, which an access log does not carry$/.test(rule.reason))).toBe(true);
    expect(crs.blind.map((rule) => rule.id)).toContain(920160);
  });

  it('paranoia level 2 loads more rules than level 1; an excluded rule id no longer fires', () => {
    const one = loadCrs({ paranoia: 1, threshold: 5 });
    const two = loadCrs({ paranoia: 2, threshold: 5 });
    expect(two.rules.length).toBeGreaterThan(one.rules.length + 50);
    const attack = { method: 'GET', uri: "/api/v1/jobs?id=1'%20OR%20'1'='1" };
    expect(one.evaluate(attack).matches.map((match) => match.id)).toContain(942100);
    const without = loadCrs({ paranoia: 1, threshold: 5, exclude: [942100] });
    expect(without.evaluate(attack).matches.map((match) => match.id)).not.toContain(942100);
    expect(without.evaluate(attack).score).toBe(one.evaluate(attack).score - 5);
  });

  it('loads in turns for the ingest start: the same rules as at once, a turn per rule file, and a turn that throws stops it', async () => {
    const options = { paranoia: 1, threshold: 5 };
    let turns = 0;
    const inTurns = await loadCrsInTurns(options, async () => {
      turns += 1;
    });
    expect(inTurns.rules.map((rule) => rule.id)).toEqual(loadCrs(options).rules.map((rule) => rule.id));
    expect(turns).toBeGreaterThan(10);
    await expect(loadCrsInTurns(options, () => Promise.reject(new Error('start interrupted')))).rejects.toThrow('start interrupted');
  });

  it('remembers the verdict on a request the rules ran on, for the identical request only', () => {
    const crs = loadCrs({ paranoia: 1, threshold: 5 });
    const ids = (verdict: { matches: ReadonlyArray<{ id: number }> }): number[] => verdict.matches.map((match) => match.id);
    const attack = { method: 'GET', uri: "/api/v1/jobs?id=1'%20OR%20'1'='1", protocol: 'HTTP/1.1', userAgent: 'curl/8.5.0' };
    const first = crs.evaluate(attack);
    expect(ids(first)).toContain(942100);
    expect(crs.evaluate({ ...attack })).toBe(first);
    // Shared by every request like it, so frozen (the type says so too; the freeze is what holds at run time).
    expect(() => (first.matches as Match[]).push(first.matches[0] as Match)).toThrow();
    // Any value of the request makes it another request: the user agent, a header the log says is missing, the method.
    expect(ids(crs.evaluate({ ...attack, userAgent: 'sqlmap/1.7.2#stable (https://sqlmap.org)' }))).toContain(913100);
    expect(ids(first)).not.toContain(913100);
    expect(ids(crs.evaluate({ ...attack, host: null }))).toContain(920280);
    expect(ids(first)).not.toContain(920280);
    expect(ids(crs.evaluate({ ...attack, method: 'TRACE' }))).toContain(911100);
    expect(crs.evaluate({ ...attack }).score).toBe(first.score);
    const forgetful = loadCrs({ paranoia: 1, threshold: 5, rememberedVerdicts: 0 });
    const again = forgetful.evaluate(attack);
    expect(forgetful.evaluate(attack)).not.toBe(again);
    expect(forgetful.evaluate(attack)).toEqual(first);
  });

  it('judges each new value on its own transformed forms, whatever value came before it', () => {
    // The screen keeps only the last value's forms: an attack between two benign values of the same shape,
    // with the same rules' transformations (URL decoding), must not lend its forms to the next one.
    const crs = loadCrs({ paranoia: 1, threshold: 5, rememberedVerdicts: 0 });
    const ids = (uri: string): number[] => crs.evaluate({ method: 'GET', uri }).matches.map((match) => match.id);
    const unscreened = (uri: string): number[] => crs.evaluate({ method: 'GET', uri }, { unscreened: true }).matches.map((match) => match.id);
    const uris = ['/api/v1/jobs?id=1%27%20OR%201%3D1--', '/api/v1/jobs?id=12%20items', '/api/v1/jobs?id=%3Cscript%3Ealert(1)%3C/script%3E', '/api/v1/jobs?id=13%20items'];
    for (const uri of uris) expect(ids(uri)).toEqual(unscreened(uri));
    expect(ids(uris[0] as string)).toContain(942100);
    expect(ids(uris[1] as string)).toEqual([]);
    expect(ids(uris[3] as string)).toEqual([]);
  });

  it('SLUICE_CRS_DIR reads another copy of the rules: a copy without the SQL injection file finds no SQL injection', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-crs-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(defaultCrsDir(), dir, { recursive: true });
    rmSync(join(dir, 'REQUEST-942-APPLICATION-ATTACK-SQLI.conf'));
    const config = loadConfig({ SLUICE_CRS_DIR: dir });
    const crs = loadCrs({ paranoia: 1, threshold: 5, dir: config.crs.dir as string });
    expect(crs.evaluate({ method: 'GET', uri: "/api/v1/jobs?id=1'%20OR%20'1'='1" }).matches.filter((match) => String(match.id).startsWith('942'))).toEqual([]);
  });

  it('reports a rule it cannot run by id and reason, at load and in the start-up log, and runs the others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-crs-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(defaultCrsDir(), dir, { recursive: true });
    // A Unicode property class: a rule of a newer CRS that JavaScript cannot run on byte strings.
    const file = join(dir, 'REQUEST-932-APPLICATION-ATTACK-RCE.conf');
    writeFileSync(file, `${readFileSync(file, 'latin1')}\nSecRule ARGS "@rx \\p{L}+" "id:932999,phase:2,block,t:none,msg:'letters',tag:'paranoia-level/1',severity:'CRITICAL'"\n`, 'latin1');
    const crs = loadCrs({ paranoia: 1, threshold: 5, dir });
    expect(crs.unsupported).toEqual([expect.objectContaining({ id: 932999, reason: expect.stringMatching(/p\{L\}|property/) })]);
    expect(crs.evaluate({ method: 'GET', uri: "/api/v1/jobs?id=1'%20OR%20'1'='1" }).matches.map((match) => match.id)).toContain(942100);
    const lines: string[] = [];
    logCrs(pino({}, { write: (line: string) => lines.push(line) }), crs);
    const warning = lines.map((line) => JSON.parse(line) as { msg: string; level: number; crs?: { unsupported?: Array<{ id: number; reason: string }> } }).find((entry) => entry.msg === 'CRS rules that cannot run here');
    expect(warning?.level).toBe(40);
    expect(warning?.crs?.unsupported?.map((rule) => rule.id)).toEqual([932999]);
  });

  it('validates the settings at start, naming the bad one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-crs-exclude-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'exclude.conf'), '# local exclusions\nSecRuleRemoveById 942100\n920300-920302 932250\n');
    expect(loadConfig({ SLUICE_CRS_EXCLUDE: '913100', SLUICE_CRS_EXCLUDE_FILE: join(dir, 'exclude.conf') }).crs.exclude).toEqual([913100, 942100, 920300, 920301, 920302, 932250]);
    expect(loadConfig({}).crs).toEqual({ paranoia: 1, threshold: 5, dir: undefined, exclude: [], allowedMethods: 'GET HEAD POST OPTIONS PUT PATCH DELETE' });
    expect(() => loadConfig({ SLUICE_CRS_PARANOIA: '5' })).toThrow(/SLUICE_CRS_PARANOIA.*from 1 to 4/);
    expect(() => loadConfig({ SLUICE_CRS_EXCLUDE: '942100, abc' })).toThrow(/SLUICE_CRS_EXCLUDE.*not one: abc/);
    expect(() => loadConfig({ SLUICE_CRS_DIR: dir })).toThrow(ConfigError);
    expect(() => loadConfig({ SLUICE_CRS_DIR: dir })).toThrow(/SLUICE_CRS_DIR.*REQUEST-9xx/);
    expect(() => loadConfig({ SLUICE_CRS_ALLOWED_METHODS: 'get post' })).toThrow(/SLUICE_CRS_ALLOWED_METHODS/);
  });
});

describe('false positives on benign API traffic', () => {
  const requests = benignRequests();

  it('has at least 2 000 requests of many shapes, user agents and odd values', () => {
    expect(requests.length).toBeGreaterThanOrEqual(2000);
    expect(new Set(requests.map((request) => request.uri.split('?')[0]?.replace(/[0-9a-f-]{36}|\d{6}/g, ':id'))).size).toBeGreaterThan(30);
    expect(new Set(requests.map((request) => request.userAgent)).size).toBeGreaterThan(30);
    expect(requests.some((request) => /%27|'/.test(request.uri))).toBe(true);
    expect(requests.some((request) => /eyJ/.test(request.uri))).toBe(true);
  });

  it('at paranoia level 1, at most 0.5 % reach the threshold', async () => {
    const { createSecurityTagger } = await import('../pipelines/enrich/security.js');
    const tagger = createSecurityTagger({ paranoia: 1 });
    const alerted = requests.filter((request) => tagger.inspect(request).alert);
    expect(alerted.length / requests.length).toBeLessThanOrEqual(0.005);
  });

  it('the screen leaves out no rule that fires on them either, at paranoia level 2', () => {
    const crs = loadCrs({ paranoia: 2, threshold: 5 });
    const differences = requests.filter((request) => crs.evaluate(request).matches.map((match) => match.id).join() !== crs.evaluate(request, { unscreened: true }).matches.map((match) => match.id).join());
    expect(differences).toEqual([]);
  });
});
