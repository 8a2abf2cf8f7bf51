import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root: the nearest folder above this module whose package.json is Sluice's.
 * Found by walking up because this file runs both from source (tests) and from dist/ (the CLI).
 */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (name === 'sluice') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json of sluice above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export const packageRoot = findPackageRoot();

export const packageVersion = (
  JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;
