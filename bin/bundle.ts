import { build, transform, type Plugin } from 'esbuild';
import { readFile, writeFile } from 'node:fs/promises';
import { readdirSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../shared/paths.js';

/**
 * The last step of `npm run build`: the command line compiled by tsc (dist/bin/cli.js) and every module it loads,
 * bundled into dist/cli/ and split at its dynamic imports, so that a verb loads its own code in a few files.
 * dist/bin/sluice.js imports the bundle. The compiled tree stays as it is: tests import its modules, worker
 * threads start from its files, and the bundle finds its data through it (below).
 */
const ENTRY = join(packageRoot, 'dist', 'bin', 'cli.js');
const BUNDLE_DIR = join(packageRoot, 'dist', 'cli');

/**
 * Defined at the top of every file of the bundle. `require` for the CommonJS code that asks for Node's own
 * modules at run time (under a second name for the lines below: a module may declare its own `require`);
 * `__sluiceLocated` turns a path relative to the bundle's folder into a URL.
 */
const BANNER = [
  "import { createRequire as __sluiceCreateRequire } from 'node:module';",
  'const __sluiceRequire = __sluiceCreateRequire(import.meta.url);',
  'const require = __sluiceRequire;',
  'const __sluiceLocated = (path) => new URL(path, import.meta.url);',
].join('\n');

const DECLARES_OWN_LOCATION = /\b(?:var|let|const|function)\s+__(?:dirname|filename)\b/;

/**
 * A module's text as it goes into the bundle. A module that reads its own location (`import.meta.url`; in
 * CommonJS `__dirname` and `__filename`) is given the file it was compiled to, as a path relative to the bundle's
 * folder so that the tree can move: Sluice finds the CRS rules and libinjection's wasm beside its modules, pdfkit
 * its fonts, swagger-ui its page, thread-stream its worker. Bundled as they are, each would read the bundle's own
 * file instead.
 */
export function locatedModuleText(text: string, file: string, bundleDir: string): string {
  const path = relative(bundleDir, file).split(sep).join('/');
  let located = text.replaceAll('import.meta.url', `__sluiceLocated(${JSON.stringify(path)}).href`);
  if (/\b__(?:dirname|filename)\b/.test(located) && !DECLARES_OWN_LOCATION.test(located)) {
    const declaration = `var __filename = __sluiceRequire('node:url').fileURLToPath(__sluiceLocated(${JSON.stringify(path)})), __dirname = __sluiceRequire('node:path').dirname(__filename);\n`;
    // After a hashbang line, which must stay first.
    const start = located.startsWith('#!') ? located.indexOf('\n') + 1 : 0;
    located = `${located.slice(0, start)}${declaration}${located.slice(start)}`;
  }
  return located;
}

const keepLocations: Plugin = {
  name: 'keep-locations',
  setup(plugin) {
    plugin.onLoad({ filter: /\.(?:js|mjs|cjs)$/ }, async ({ path }) => ({ contents: locatedModuleText(await readFile(path, 'utf8'), path, BUNDLE_DIR), loader: 'js' }));
  },
};

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * A chunk's text with every non-ASCII character of its comments replaced by `?`, or undefined when one lies
 * elsewhere. V8 keeps a module's source for as long as the module lives, in one byte per character only when every
 * character fits in Latin-1: one `’` in a comment and a chunk of 2.5 MB (the Elasticsearch client's, with undici's
 * comments) is held as 5 MB. esbuild writes strings, templates and identifiers in ASCII (its default `charset`),
 * but keeps comments as they are (those it preserves, inside expressions, and legal ones), and regular expressions
 * too. The replacement is kept only when esbuild reads the same program in both texts: without their comments
 * (minified whitespace, no legal comments), they must be the same. Each UTF-16 unit is replaced by one character,
 * so the source map's columns still hold.
 */
export async function asciiOnly(text: string): Promise<string | undefined> {
  if (!NON_ASCII.test(text)) return text;
  const ascii = text.replace(/[^\x00-\x7f]/g, '?');
  const [before, after] = await Promise.all([text, ascii].map((code) => transform(code, { loader: 'js', minifyWhitespace: true, legalComments: 'none', logLevel: 'silent' })));
  return before?.code === after?.code ? ascii : undefined;
}

/** Every chunk made ASCII where only comments kept it from it; the names of the others, to be looked at. */
async function asciiChunks(): Promise<string[]> {
  const left: string[] = [];
  for (const name of readdirSync(BUNDLE_DIR).filter((file) => file.endsWith('.js'))) {
    const path = join(BUNDLE_DIR, name);
    const text = await readFile(path, 'utf8');
    const ascii = await asciiOnly(text);
    if (ascii === undefined) left.push(name);
    else if (ascii !== text) await writeFile(path, ascii);
  }
  return left;
}

async function bundleCli(): Promise<void> {
  // Chunks are named by their content: those of an earlier build would stay beside the new ones.
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  const result = await build({
    entryPoints: { sluice: ENTRY },
    outdir: BUNDLE_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    banner: { js: BANNER },
    plugins: [keepLocations],
    // Linked maps (chained to tsc's): a stack trace read with --enable-source-maps names the TypeScript file and line.
    sourcemap: 'linked',
    logLevel: 'silent',
  });
  // A warning (a require esbuild cannot follow, say) is a bundle that may fail at run time: the build fails instead.
  if (result.warnings.length > 0) throw new Error(`bundling the command line: ${result.warnings.map((warning) => warning.text).join('; ')}`);
  // A chunk left as it is runs the same, at twice the memory for its source (test/bundle.test.ts fails on it).
  const left = await asciiChunks();
  if (left.length > 0) process.stderr.write(`bundle: non-ASCII outside comments, kept as it is (V8 holds the source in two bytes a character): ${left.join(', ')}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await bundleCli();
