// Where the bytes of a minified bundle go, by source module (through its source map): the minified
// characters of each module, and each module's slice gzipped alone (more than its share of the
// whole, since gzip shares a dictionary across modules). `npm run bench size-by-module [file]`.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { SourceMapConsumer } from 'source-map-js';
import { here } from './lib.mjs';

export async function run(file = here('../dist/steadysocket.umd.min.js')) {
  const code = readFileSync(file, 'utf8');
  const map = new SourceMapConsumer(JSON.parse(readFileSync(file + '.map', 'utf8')));
  const starts = [0];
  for (const line of code.split('\n')) starts.push(starts[starts.length - 1] + line.length + 1);
  const parts = {};
  let last = null;
  let lastAt = 0;
  map.eachMapping((mapping) => {
    const at = starts[mapping.generatedLine - 1] + mapping.generatedColumn;
    if (last) (parts[last] ??= []).push(code.slice(lastAt, at));
    last = mapping.source;
    lastAt = at;
  });
  const gz = (text) => gzipSync(text, { level: 9 }).length;
  const rows = Object.entries(parts)
    .map(([source, slices]) => ({ source: source.replace(/^.*?(src\/|node_modules\/)/, '$1'), min: slices.join('').length, gzip: gz(slices.join('')) }))
    .sort((a, b) => b.gzip - a.gzip);
  return {
    title: 'Size by module',
    summary: { total: gz(code) },
    text: [`${file.replace(/^.*\//, '')}: ${gz(code)} bytes min + gzip`, '', '| module | min | gzip alone |', '|---|---:|---:|', ...rows.map((r) => `| ${r.source} | ${r.min} | ${r.gzip} |`)].join('\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await run(process.argv[2])).text);
