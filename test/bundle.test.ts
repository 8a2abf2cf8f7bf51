import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asciiOnly, locatedModuleText } from '../bin/bundle.js';
import { packageRoot } from '../shared/paths.js';
import { runSluice } from './support/process.js';

const BUNDLE_DIR = '/app/dist/cli';

/** Runs a module's bundled text as the bundle would, its chunk in BUNDLE_DIR: what the module read as its location. */
function evaluated(text: string): unknown {
  const chunk = pathToFileURL(join(BUNDLE_DIR, 'chunk-ABC.js'));
  const located = (path: string) => new URL(path, chunk);
  const module = { exports: undefined as unknown };
  // A CommonJS module's wrapper, with the banner's two names.
  new Function('__sluiceLocated', '__sluiceRequire', 'module', text)(located, createRequire(import.meta.url), module);
  return module.exports;
}

describe('the command line bundle (bin/bundle.ts)', () => {
  it('gives a bundled module the location it was compiled to, relative to the bundle', () => {
    const text = locatedModuleText('module.exports = new URL("rules/", import.meta.url).href;', '/app/dist/pipelines/enrich/crs/ruleset.js', BUNDLE_DIR);
    expect(text).toContain('"../pipelines/enrich/crs/ruleset.js"');
    expect(evaluated(text)).toBe('file:///app/dist/pipelines/enrich/crs/rules/');
  });

  it("gives CommonJS its __dirname and __filename (pdfkit's fonts), after a hashbang, unless the module declares them", () => {
    const fonts = locatedModuleText('#!/usr/bin/env node\nmodule.exports = [__dirname + "/data/Helvetica.afm", __filename];', '/app/node_modules/pdfkit/js/pdfkit.js', BUNDLE_DIR);
    expect(fonts.startsWith('#!/usr/bin/env node\nvar __filename')).toBe(true);
    expect(evaluated(fonts.slice(fonts.indexOf('\n') + 1))).toEqual(['/app/node_modules/pdfkit/js/data/Helvetica.afm', '/app/node_modules/pdfkit/js/pdfkit.js']);
    const own = 'const __dirname = "/elsewhere"; module.exports = __dirname;';
    expect(locatedModuleText(own, '/app/node_modules/x/index.js', BUNDLE_DIR)).toBe(own);
    const none = 'module.exports = 1;';
    expect(locatedModuleText(none, '/app/node_modules/x/index.js', BUNDLE_DIR)).toBe(none);
  });

  it('is what `sluice` runs: no module of the compiled tree is loaded on its own', async () => {
    // Node's own debug log names each module it loads.
    const result = await runSluice(['--version'], { NODE_DEBUG: 'esm' });
    expect(result.code, result.stderr).toBe(0);
    const dist = pathToFileURL(join(packageRoot, 'dist')).href;
    const loaded = [...new Set([...result.stderr.matchAll(/Storing (file:\S+)/g)].map((match) => match[1] as string))].filter((url) => url.startsWith(dist));
    expect(loaded).toContain(`${dist}/bin/sluice.js`);
    expect(loaded.filter((url) => url.startsWith(`${dist}/cli/`)).length).toBeGreaterThan(1);
    expect(loaded.filter((url) => url !== `${dist}/bin/sluice.js` && !url.startsWith(`${dist}/cli/`))).toEqual([]);
  });

  it('replaces non-ASCII in comments only, so that V8 holds a chunk in one byte a character; elsewhere it leaves the chunk as it is', async () => {
    // Same length: the source map's columns hold.
    expect(await asciiOnly('const a = 1; // response’s type\nconst o = { /* — */ b: 2 };')).toBe('const a = 1; // response?s type\nconst o = { /* ? */ b: 2 };');
    expect(await asciiOnly('/*! (c) Cédric */\nexport const x = 1;')).toBe('/*! (c) C?dric */\nexport const x = 1;');
    // A regular expression, a raw template and a string each read otherwise with `?`.
    for (const kept of ['const r = /µs|’/u;', 'const t = String.raw`é`;', 'const s = "é";']) expect(await asciiOnly(kept)).toBeUndefined();
  });

  it('is ASCII in every chunk', () => {
    const dir = join(packageRoot, 'dist', 'cli');
    const chunks = readdirSync(dir).filter((name) => name.endsWith('.js'));
    expect(chunks.length).toBeGreaterThan(1);
    const nonAscii = chunks.flatMap((name) => [...readFileSync(join(dir, name), 'utf8').matchAll(/.{0,40}[^\x00-\x7f].{0,20}/g)].map((match) => `${name}: ${match[0]}`));
    expect(nonAscii).toEqual([]);
  });

  it("maps back to the TypeScript sources through tsc's maps, for stack traces read with --enable-source-maps", () => {
    const map = JSON.parse(readFileSync(join(packageRoot, 'dist', 'cli', 'sluice.js.map'), 'utf8')) as { sources: string[] };
    expect(map.sources).toContain('../../bin/cli.ts');
  });
});
