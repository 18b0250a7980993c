import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listenLocal } from '../test/helpers/servers';
import type { Page } from '@playwright/test';

const root = fileURLToPath(new URL('..', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.map': 'application/json' };

/** A test page from e2e/pages, or the built library from dist/, by URL path; undefined if none. */
export async function pageFile(urlPath: string): Promise<{ body: Buffer; type: string } | undefined> {
  const path = normalize(decodeURIComponent(urlPath));
  const file = path.startsWith('/dist/') ? join(root, path) : join(root, 'e2e/pages', path);
  const body = await readFile(file).catch(() => undefined);
  return body && { body, type: TYPES[extname(file)] ?? 'application/octet-stream' };
}

/** Answers with a test page from e2e/pages, or the built library from dist/; 404 otherwise. */
export async function servePage(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const found = await pageFile(new URL(request.url!, 'http://x').pathname);
  if (found) response.writeHead(200, { 'content-type': found.type, 'cache-control': 'no-store' }).end(found.body);
  else response.writeHead(404).end('not found');
}

/** Serves the test pages and the built library from dist/ on 127.0.0.1. */
export async function startPageServer(): Promise<{ origin: string; server: Server; close(): Promise<void> }> {
  const server = createServer(servePage);
  const port = await listenLocal(server);
  return { origin: `http://127.0.0.1:${port}`, server, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export type Loader = 'umd' | 'esm';
export const LOADERS: Loader[] = ['umd', 'esm'];

/** Opens the page that loads the library the given way, and waits for it. */
export async function openPage(page: Page, origin: string, loader: Loader): Promise<void> {
  await page.goto(`${origin}/${loader}.html`);
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
}

export interface LogEntry {
  name: string;
  t: number;
  kind?: string;
  status?: number;
  retryAfter?: number;
  candidates?: string[];
  text?: string;
  data?: unknown;
  state?: string;
  event?: Record<string, unknown>;
}

export const events = (page: Page): Promise<LogEntry[]> => page.evaluate(() => (window as unknown as { events: LogEntry[] }).events);
export const count = (page: Page, name: string): Promise<number> =>
  page.evaluate((n) => (window as unknown as { count(name: string): number }).count(n), name);
/** Waits until the page has logged `times` events called `name`. */
export async function waitFor(page: Page, name: string, times = 1, timeout = 15000): Promise<void> {
  await page.waitForFunction(([n, k]) => (window as unknown as { count(name: string): number }).count(n as string) >= (k as number), [name, times] as const, {
    timeout,
  });
}

type Lib = typeof import('../src/index');

/**
 * Runs `body`, the text of an async function's body, in the page with `lib` (the library as the page
 * loaded it, UMD or ESM) and `arg`: both loaders run the very same test code.
 */
export const runInPage = <T>(page: Page, body: string, arg: unknown): Promise<T> =>
  page.evaluate(
    ([code, value]) => {
      const lib = (window as unknown as { steadysocket: Lib }).steadysocket;
      const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (lib: Lib, arg: unknown) => Promise<T>;
      return new AsyncFunction('lib', 'arg', code as string)(lib, value);
    },
    [body, arg] as const,
  );
