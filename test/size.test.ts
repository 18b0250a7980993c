import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// The size budget of the script-tag bundle (min + gzip, eventemitter3 included). It fails the test
// command when the bundle grows past it, so growth is always a decision. The long-term target is
// 3,300 bytes; the README's "Performance and size" section says where the bytes go.
const BUDGET = 8192;
const bundle = fileURLToPath(new URL('../dist/steadysocket.umd.min.js', import.meta.url));

it(`keeps the minified UMD bundle within ${BUDGET} bytes gzipped`, () => {
  expect(existsSync(bundle), 'dist/ is missing: run `npm run build` first').toBe(true);
  const code = readFileSync(bundle);
  const size = gzipSync(code, { level: 9 }).length;
  console.log(`steadysocket.umd.min.js: ${code.length} bytes, ${size} gzipped (budget ${BUDGET})`);
  expect(size).toBeLessThanOrEqual(BUDGET);
  // `ws` and Node's modules must never reach the browser bundle.
  expect(code.toString()).not.toMatch(/require\(["'](ws|node:|http|net|tls)/);
});
