import { build, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
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
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await bundleCli();
