import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import commonjs from '@rollup/plugin-commonjs';
import resolve from '@rollup/plugin-node-resolve';

// A page app bundled as rollup bundles a user's app (node-resolve for the browser, commonjs,
// NODE_ENV replaced), with `steadysocket` and the libraries from node_modules by their names.

const root = fileURLToPath(new URL('..', import.meta.url));

/** Bundles `entry` (relative to the repository) into one IIFE script. */
async function bundle(entry: string): Promise<string> {
  const nodeEnv = { name: 'node-env', transform: (code: string) => (code.includes('process.env.NODE_ENV') ? code.replaceAll('process.env.NODE_ENV', '"development"') : null) };
  const build = await rollup({
    input: join(root, entry),
    plugins: [nodeEnv, resolve({ browser: true, exportConditions: ['browser'] }), commonjs()],
    onwarn: (warning, warn) => warning.code !== 'MODULE_LEVEL_DIRECTIVE' && warn(warning),
  });
  const { output } = await build.generate({ format: 'iife' });
  await build.close();
  return output[0].code;
}

/**
 * The bundle of `entry`, made once for both browsers' workers: kept in the temporary directory
 * under a hash of `inputs` (the entry, the builds and the packages' package.json files it takes in),
 * and made by the worker that takes the lock while the other waits for it.
 */
export async function sharedBundle(entry: string, inputs: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const input of [entry, ...inputs]) hash.update(await readFile(join(root, input)));
  const name = `steadysocket-${entry.replace(/^.*\//, '').replace(/\W+/g, '-')}`;
  const file = join(tmpdir(), `${name}-${hash.digest('hex').slice(0, 16)}.js`);
  const cached = (): Promise<string | undefined> => readFile(file, 'utf8').catch(() => undefined);
  const found = await cached();
  if (found !== undefined) return found;
  if (!(await mkdir(`${file}.lock`).then(() => true, () => false))) {
    // Another worker is making it (or died making it: then make it here after all).
    for (const until = Date.now() + 30000; Date.now() < until; await new Promise((wait) => setTimeout(wait, 100))) {
      const code = await cached();
      if (code !== undefined) return code;
    }
  }
  const code = await bundle(entry);
  // Bundles of older builds go.
  const dir = tmpdir();
  const older = new RegExp(`^${name}-\\w+\\.js$`);
  for (const each of await readdir(dir)) if (older.test(each)) await rm(join(dir, each), { force: true });
  await writeFile(`${file}.${process.pid}`, code);
  await rename(`${file}.${process.pid}`, file);
  await rm(`${file}.lock`, { recursive: true, force: true });
  return code;
}
