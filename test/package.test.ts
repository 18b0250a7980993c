import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// What a user's editor shows: the published declarations hold the public API and nothing else.
const read = (file: string): string => readFileSync(fileURLToPath(new URL(`../dist/${file}`, import.meta.url)), 'utf8');

it.each(['steadysocket.d.ts', 'core.d.ts'])('%s shows no private or internal member', (file) => {
  const types = read(file);
  expect(types).not.toMatch(/\b(private|protected)\s/);
  expect(types).not.toMatch(/\b(class|interface|type|const|function)\s+(Session|Attempt|Connection|Heartbeat|Transport|extensions)\b/);
  // The classes keep their state in #private fields, which a declaration shows as one line each
  // (SteadySocket, and the drop-in face SteadyWebSocket).
  expect(types.match(/#private/g)?.length ?? 0).toBeLessThanOrEqual(2);
  for (const name of ['SteadySocket', 'SteadySocketError', 'isSteadySocketError', 'SteadySocketEvents', 'SteadySocketOptions', 'ErrorKind']) {
    expect(types).toMatch(new RegExp(`\\b${name}\\b`));
  }
});

it('gives both entry points the same exports at run time', async () => {
  const full: string = '../dist/steadysocket.mjs';
  const lean: string = '../dist/core.mjs';
  expect(Object.keys(await import(full)).sort()).toEqual(Object.keys(await import(lean)).sort());
});

it('packs what a user needs and nothing else: no tests, no scratch files, source maps whose sources ship', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const files = (JSON.parse(out) as [{ files: { path: string }[] }])[0].files.map((file) => file.path).sort();
  const shipped = new Set(files);
  for (const needed of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'bench/RESULTS.md', 'docs/demo.png', 'dist/steadysocket.umd.min.js', 'dist/cli.mjs', 'dist/steadysocket.d.ts']) {
    expect(files, needed).toContain(needed);
  }
  // Only the build, the sources its maps name, the docs, the examples and the measurements they quote.
  const unexpected = files.filter((file) => !/^(dist\/|src\/.*\.ts$|docs\/|examples\/|bench\/RESULTS\.md$|README\.md$|CHANGELOG\.md$|LICENSE$|package\.json$)/.test(file));
  expect(unexpected).toEqual([]);
  expect(files.filter((file) => /(^|\/)(test|e2e|\.[^/]+)(\/|$)|\.test\.|scratch/.test(file))).toEqual([]);
  // A source map may name a file outside the package only for a dependency, and then carries its text.
  const dependencies = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: object }).dependencies);
  for (const map of files.filter((file) => file.endsWith('.map'))) {
    const { sources, sourcesContent } = JSON.parse(readFileSync(join(root, map), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
    sources.forEach((source, index) => {
      const path = normalize(join(dirname(map), source));
      if (shipped.has(path)) return;
      const dependency = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];
      expect(dependency && dependencies.includes(dependency), `${map}: ${source}`).toBe(true);
      expect(sourcesContent?.[index], `${map}: ${source} has no embedded text`).toBeTruthy();
    });
  }
}, 60000);
