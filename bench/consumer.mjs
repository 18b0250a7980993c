// What a page that bundles steadysocket pays: a small app importing one entry point, bundled the way
// a user would (rollup, node-resolve with the browser condition, terser with its defaults), with
// eventemitter3 included. Shared by bench/size.mjs and test/size.test.ts.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { rollup } from 'rollup';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { here } from './lib.mjs';

/** A socket with heartbeat and buffer, one listener and one send: what every app has. */
const app = (specifier) => `import { SteadySocket } from '${specifier}';
const socket = new SteadySocket('wss://example.com/ws', { heartbeat: { interval: 20000, timeout: 5000, message: 'ping' }, buffer: { maxMessages: 100 } });
socket.on('message', (data) => console.log(data));
socket.send('hello');
`;

/** Bundles the app for `specifier` ('steadysocket' or 'steadysocket/core'); min and min + gzip bytes. */
export async function consumerBundle(specifier) {
  const dir = mkdtempSync(join(tmpdir(), 'steadysocket-app-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(here('..'), join(dir, 'node_modules', 'steadysocket'), 'dir');
    writeFileSync(join(dir, 'app.mjs'), app(specifier));
    const bundle = await rollup({ input: join(dir, 'app.mjs'), plugins: [resolve({ browser: true, rootDir: dir })], onwarn: () => {} });
    const { output } = await bundle.generate({ format: 'es', plugins: [terser()] });
    const code = output[0].code;
    return { code, min: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
