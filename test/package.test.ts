import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// What a user's editor shows: the published declarations hold the public API and nothing else.
const read = (file: string): string => readFileSync(fileURLToPath(new URL(`../dist/${file}`, import.meta.url)), 'utf8');

it.each(['steadysocket.d.ts', 'core.d.ts'])('%s shows no private or internal member', (file) => {
  const types = read(file);
  expect(types).not.toMatch(/\b(private|protected)\s/);
  expect(types).not.toMatch(/\b(class|interface|type|const|function)\s+(Session|Attempt|Connection|Heartbeat|Transport|extensions)\b/);
  // The class keeps its state in #private fields, which a declaration shows as one line at most.
  expect(types.match(/#private/g)?.length ?? 0).toBeLessThanOrEqual(1);
  for (const name of ['SteadySocket', 'SteadySocketError', 'isSteadySocketError', 'SteadySocketEvents', 'SteadySocketOptions', 'ErrorKind']) {
    expect(types).toMatch(new RegExp(`\\b${name}\\b`));
  }
});

it('gives both entry points the same exports at run time', async () => {
  const full: string = '../dist/steadysocket.mjs';
  const lean: string = '../dist/core.mjs';
  expect(Object.keys(await import(full)).sort()).toEqual(Object.keys(await import(lean)).sort());
});
