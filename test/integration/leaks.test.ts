import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { startServer } from '../helpers/servers';

const fixture = fileURLToPath(new URL('./fixtures/cycles.mjs', import.meta.url));
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

it('leaves nothing behind after 10,000 connect/close cycles, and the process exits by itself', { timeout: 120000 }, async () => {
  const server = await startServer();
  cleanup.push(() => server.close());
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--expose-gc', fixture, server.url, '10000'], { timeout: 110000 }, (error, out, err) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: out, stderr: err }),
    );
  });
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const report = JSON.parse(stdout) as { growth: number; resources: string[]; listeners: number; cycles: number };
  console.log(`leak check: ${report.cycles} cycles, heap growth ${(report.growth / 1024).toFixed(0)} KiB after the first 1000, active: ${report.resources.join(', ') || 'nothing'}`);
  expect(report.resources.filter((name) => name !== 'TTYWrap' && name !== 'PipeWrap')).toEqual([]);
  // 9,000 cycles may not leave more than a few hundred bytes each behind.
  expect(report.growth).toBeLessThan(2 * 1024 * 1024);
});
