// Size: min + gzip and brotli of the browser builds, beside the contenders' browser builds. Builds
// that ship unminified ESM are bundled and minified here the same way ours is.
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { rollup } from 'rollup';
import resolve from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import { minify } from 'terser';
import { here, fmt } from './lib.mjs';
import { consumerBundle } from './consumer.mjs';

const gz = (code) => gzipSync(code, { level: 9 }).length;
const br = (code) => brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

async function bundled(entry) {
  const bundle = await rollup({ input: entry, plugins: [resolve({ browser: true }), commonjs()], onwarn: () => {} });
  const { output } = await bundle.generate({ format: 'iife', name: 'x' });
  return (await minify(output[0].code, { compress: { passes: 2 } })).code;
}

export async function run() {
  const files = [
    ['steadysocket (UMD, min)', readFileSync(here('../dist/steadysocket.umd.min.js'), 'utf8')],
    ['steadysocket (ESM browser build, minified here)', await bundled(here('../dist/steadysocket.browser.mjs'))],
    ['an app using steadysocket/core (rollup + node-resolve browser + terser)', (await consumerBundle('steadysocket/core')).code],
    ['an app using steadysocket (the same)', (await consumerBundle('steadysocket')).code],
    ['reconnecting-websocket (its IIFE, min)', readFileSync(here('../node_modules/reconnecting-websocket/dist/reconnecting-websocket-iife.min.js'), 'utf8')],
    ['partysocket (ESM, bundled + minified here)', await bundled(here('../node_modules/partysocket/dist/index.js'))],
    ['socket.io-client (its min build)', readFileSync(here('../node_modules/socket.io-client/dist/socket.io.min.js'), 'utf8')],
  ];
  const rows = files.map(([name, code]) => ({ name, min: Buffer.byteLength(code), gzip: gz(code), brotli: br(code) }));
  return {
    title: 'Size',
    summary: Object.fromEntries(rows.map((r) => [r.name, r.gzip])),
    text: ['| build | min | min + gzip | min + brotli |', '|---|---:|---:|---:|', ...rows.map((r) => `| ${r.name} | ${fmt(r.min)} | ${fmt(r.gzip)} | ${fmt(r.brotli)} |`)].join('\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await run()).text);
