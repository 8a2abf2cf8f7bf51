import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../shared/paths.js';

/** Every Markdown file of the project that a reader follows links in (dependencies and fixtures aside). */
function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (['node_modules', 'dist', '.git', 'fixtures', '.sluice-data'].includes(name)) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? markdownFiles(path) : name.endsWith('.md') ? [path] : [];
  });
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (heading === null) continue;
    const slug = (heading[1] as string).toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    found.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return found;
}

/** The relative links of a Markdown text, outside code blocks and inline code. */
function links(markdown: string): string[] {
  const text = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] as string).filter((target) => !/^[a-z]+:/i.test(target));
}

const files = markdownFiles(packageRoot);

describe('the documentation', () => {
  it('is found where the README points', () => {
    for (const manual of ['configuration', 'pipelines', 'security', 'ingest', 'lifecycle', 'emulators', 'operations', 'benchmarks', 'testing', 'architecture']) {
      expect(files).toContain(join(packageRoot, 'docs', `${manual}.md`));
    }
  });

  it.each(files.map((file) => [relative(packageRoot, file)]))('%s: every relative link and anchor resolves', (file) => {
    const path = join(packageRoot, file);
    const markdown = readFileSync(path, 'utf8');
    const broken: string[] = [];
    for (const link of links(markdown)) {
      const [target = '', anchor] = link.split('#');
      const resolved = target === '' ? path : resolve(dirname(path), decodeURIComponent(target));
      if (!existsSync(resolved)) broken.push(`${link}: no such file`);
      else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${link}: no such heading`);
    }
    expect(broken).toEqual([]);
  });

  it('keeps the README a front door: under 300 lines, the two commands first', () => {
    const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThan(300);
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
