import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

// The docs cannot rot: every link and anchor in README.md, CHANGELOG.md and docs/ resolves where users
// read them (on the npm page the README's links are absolute, to the published package; in the
// package folder the docs link to each other relatively), and every number they quote from a
// measurement equals its source: bench/RESULTS.md, or the bundle sizes measured now.
const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string): string => readFileSync(join(root, file), 'utf8');
const PUBLISHED = 'https://unpkg.com/steadysocket/';
const DOCS = ['README.md', 'CHANGELOG.md', ...readdirSync(join(root, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)];

/** GitHub's (and npm's) heading anchors. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
const withoutCode = (text: string): string => text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '``');
const anchors = (file: string): Set<string> => new Set([...withoutCode(read(file)).matchAll(/^#{1,6} (.*)$/gm)].map((match) => slug(match[1]!)));
const links = (file: string): string[] => [...withoutCode(read(file)).matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) => match[1]!);

let packed: Set<string>;
beforeAll(() => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  packed = new Set((JSON.parse(out) as [{ files: { path: string }[] }])[0].files.map((file) => file.path));
}, 60000);

describe('links', () => {
  it.each(DOCS)('every link and anchor in %s resolves, in the package as published', (file) => {
    const broken: string[] = [];
    for (const link of links(file)) {
      if (/^https?:/.test(link) && !link.startsWith(PUBLISHED)) continue;
      const [path = '', anchor] = link.split('#');
      // The published package, or this file's neighbours in it.
      const target = link.startsWith(PUBLISHED) ? path.slice(PUBLISHED.length) : path ? normalize(join(dirname(file), path)) : file;
      if (target.startsWith('..') || !existsSync(join(root, target))) broken.push(`${link}: no such file`);
      else if (!packed.has(target)) broken.push(`${link}: not in the package (package.json "files")`);
      else if (anchor && !anchors(target).has(anchor)) broken.push(`${link}: no heading #${anchor} in ${target}`);
    }
    expect(broken).toEqual([]);
  });

  it('links the README to every page of docs/', () => {
    const linked = new Set(links('README.md').map((link) => link.replace(PUBLISHED, '').split('#')[0]));
    for (const file of DOCS.filter((name) => name.startsWith('docs/'))) expect([...linked], file).toContain(file);
  });

  it('keeps the README a front door: under 250 lines, the two commands on its first screen', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThan(250);
    const firstScreen = readme.split('\n').slice(0, 25).join('\n');
    expect(firstScreen).toContain('npm install && npm run demo');
    expect(firstScreen).toContain('npm install && npm test');
  });
});

// bench/RESULTS.md as tables: section heading → its tables in order → first cell → column → cell.
type Table = Map<string, Record<string, string>>;
function results(): Map<string, Table[]> {
  const sections = new Map<string, Table[]>();
  let tables: Table[] = [];
  let header: string[] | undefined;
  for (const line of read('bench/RESULTS.md').split('\n')) {
    if (line.startsWith('## ')) sections.set(line.slice(3).trim(), (tables = []));
    if (!line.startsWith('|')) {
      header = undefined;
      continue;
    }
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    if (!header) {
      // A repeated column name (`× raw` after send and after receive) takes the one before it.
      header = cells.map((name, index) => (cells.indexOf(name) < index ? `${cells[index - 1]} ${name}` : name));
      tables.push(new Map());
    } else if (!/^-+:?$/.test(cells[0]!.replace(/^:/, ''))) {
      tables.at(-1)!.set(cells[0]!, Object.fromEntries(header.map((name, index) => [name, cells[index]!])));
    }
  }
  return sections;
}

describe('quoted numbers', () => {
  const bench = results();
  const cell = (section: string, table: number, row: string, column: string): string => {
    const found = [...bench.entries()].find(([heading]) => heading.startsWith(section))?.[1][table]?.get(row)?.[column];
    if (found === undefined) throw new Error(`bench/RESULTS.md has no "${section}" / ${table} / "${row}" / "${column}"`);
    return found;
  };
  /** "1,853 ms" → "1.9 s" */
  const seconds = (ms: string): string => `${(Number(ms.replace(/[^\d.]/g, '')) / 1000).toFixed(1)} s`;
  const kb = (bytes: string | number): string => `${(Number(String(bytes).replace(/,/g, '')) / 1000).toFixed(1)} KB`;
  const HERD = 'Herd: 500 clients';
  const FLEET = 'Herd model';
  /** The fleet model's N = 10⁶ cell of a schedule, for one refusal (its tables come in this order). */
  const fleet = (refusal: number, name: string): string => cell(FLEET, refusal, name, 'N = 10⁶ (N/C = 20.00 s)');
  const NODE = 'Node: send';
  const HEAP = 'Node: heap';

  // Each quote: where it stands (a file, and a table row that starts with these words), and what
  // the row must contain, computed from the source.
  const quotes = (): [string, string, string[]][] => [
    [
      'README.md',
      '| 500 clients after a 1 s outage',
      ['steadysocket', 'reconnecting-websocket', 'partysocket', 'socket.io-client'].map(
        (name) => `${cell(HERD, 0, name, 'peak per 100 ms')}${name === 'steadysocket' ? '**' : ''}, ${seconds(cell(HERD, 0, name, 'all back after'))}`,
      ),
    ],
    ['README.md', '| heap per idle connection', ['steadysocket', 'reconnecting-websocket', 'partysocket', 'socket.io-client'].map((name) => cell(HEAP, 0, name, 'vs raw ws'))],
    ['README.md', '| Node send', ['steadysocket', 'reconnecting-websocket', 'partysocket'].map((name) => `${cell(NODE, 0, name, '× raw')} ×`)],
    [
      'README.md',
      '| min + gzip',
      ['reconnecting-websocket (its IIFE, min)', 'partysocket (ESM, bundled + minified here)', 'socket.io-client (its min build)'].map((name) => kb(cell('Size', 0, name, 'min + gzip'))),
    ],
    ['docs/performance.md', '| Node send', [`**${cell(NODE, 0, 'steadysocket', '× raw')} ×**`, `${cell(NODE, 0, 'steadysocket, logger', '× raw')} ×`]],
    ['docs/performance.md', '| heap per idle connection', [cell(HEAP, 0, 'steadysocket', 'vs raw ws'), cell(HEAP, 0, 'socket.io-client', 'vs raw ws')]],
    [
      'docs/performance.md',
      '| herd: 500 clients',
      [`peak ${cell(HERD, 0, 'steadysocket', 'peak per 100 ms')} `, `peak ${cell(HERD, 1, 'steadysocket', 'peak per 100 ms')}, ${seconds(cell(HERD, 1, 'steadysocket', 'all back after'))}`],
    ],
    // The fleet model's tables: 0 the 500 clients, then 1013, reset, retry-after, ticket, timeout.
    ...(
      [
        ['| answers 503 with `Retry-After` = the next second', 4],
        ['| answers 503 with a fixed', 3],
        ['| accepts, then closes with 1013', 1],
        ['| resets the connection', 2],
        ['| lets the handshake hang', 5],
      ] as const
    ).map(([row, table]): [string, string, string[]] => [
      'docs/performance.md',
      row,
      ['steadysocket (default: staggered, 1.5 s × 1.3)', 'socket.io-client', 'partysocket', 'reconnecting-websocket'].map((name) => fleet(table, name)),
    ]),
    ...['steadysocket', 'socket.io-client', 'partysocket', 'reconnecting-websocket'].map((name): [string, string, string[]] => [
      'docs/performance.md',
      `| ${name === 'steadysocket' ? 'steadysocket (defaults)' : name} |`,
      [0, 1].map((table) => `${cell(HERD, table, name, 'peak per 100 ms')}`),
    ]),
  ];

  it('quotes bench/RESULTS.md as it stands', () => {
    const wrong: string[] = [];
    for (const [file, start, expected] of quotes()) {
      const row = read(file)
        .split('\n')
        .find((line) => line.startsWith(start));
      if (!row) wrong.push(`${file}: no row starting "${start}"`);
      else for (const value of expected) if (value && !row.includes(value)) wrong.push(`${file}, "${start}": expected ${value} (bench/RESULTS.md)`);
    }
    expect(wrong).toEqual([]);
  });

  it('quotes the bundle sizes measured now', async () => {
    const umd = gzipSync(readFileSync(join(root, 'dist/steadysocket.umd.min.js')), { level: 9 }).length;
    // @ts-expect-error: plain JavaScript module shared with the benchmarks.
    const { consumerBundle } = (await import('../bench/consumer.mjs')) as { consumerBundle(entry: string): Promise<{ gzip: number }> };
    const core = (await consumerBundle('steadysocket/core')).gzip;
    const readme = read('README.md');
    expect(readme).toContain(`${kb(umd)} (script tag, all in); ${kb(core)} in an app with \`steadysocket/core\``);
    expect(read('docs/performance.md')).toContain(`${umd.toLocaleString('en-US')} bytes`);
    expect(read('docs/performance.md')).toContain(`${core.toLocaleString('en-US')} bytes`);
  }, 60000);
});

it('names no file outside the repository a user could not open', () => {
  // Paths the docs give in backticks as the repository's own (src/, test/, e2e/, bench/) exist.
  const missing: string[] = [];
  for (const file of DOCS) {
    for (const [, path] of read(file).matchAll(/`((?:src|test|e2e|bench|examples)\/[\w./-]+\.(?:ts|mjs|js|py|java|md))`/g)) {
      if (!existsSync(join(root, path!))) missing.push(`${file}: ${path}`);
    }
  }
  expect(missing.map((line) => relative(root, line))).toEqual([]);
});
