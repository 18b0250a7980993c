import { spawn } from 'node:child_process';
import { startServer, median } from './bench/lib.mjs';
const server = await startServer();
const run = (root, name) => new Promise((resolve) => {
  const p = spawn(process.execPath, ['--expose-gc', `${root}/bench/memory.mjs`, 'child', name, server.url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = ''; p.stdout.on('data', (c) => (out += c)); p.once('exit', () => resolve(JSON.parse(out).perConnection));
});
const base = [], now = [];
for (let i = 0; i < 8; i++) { const raw = await run('.', 'raw ws'); base.push((await run('/tmp/base', 'steadysocket')) - raw); now.push((await run('.', 'steadysocket')) - raw); }
console.log('base', base.map(Math.round).join(' '), 'median', Math.round(median(base)));
console.log('now ', now.map(Math.round).join(' '), 'median', Math.round(median(now)));
await server.stop(); process.exit(0);
