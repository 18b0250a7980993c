// `npm run demo`: builds the library when dist/ is missing or older than src/, then starts the chat.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist/steadysocket.umd.min.js');
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((t, e) => Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);

if (!existsSync(bundle) || statSync(bundle).mtimeMs < newest(join(root, 'src'))) {
  console.log('Building the library (npm run build)…');
  const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
await import('./server.mjs').then(async ({ startDemo }) => {
  const port = Number(process.env.PORT || 8080);
  const demo = await startDemo({ port, log: (line) => console.log(line) }).catch((error) => {
    console.error(error.code === 'EADDRINUSE' ? `Port ${port} is taken: try PORT=8081 npm run demo` : error);
    process.exit(1);
  });
  console.log(`steadysocket demo chat: ${demo.url}  (open it in two windows; Ctrl+C stops)`);
});
