// Node builds keep their dependencies external; browser builds carry everything (a <script> tag or a
// plain <script type="module"> has no resolver). The runtime (`#runtime` in package.json `imports`)
// is chosen by export condition: `browser` for the browser builds, the default (Node) otherwise. The
// type-check is `tsc` (npm run typecheck); here TypeScript only transpiles.
import typescript from '@rollup/plugin-typescript';
import resolve from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import terser from '@rollup/plugin-terser';
import { chmodSync } from 'node:fs';
import { dts } from 'rollup-plugin-dts';

// TypeScript resolves `#runtime` itself (node-resolve asks the other plugins first), so the browser
// builds give it the `browser` condition too.
const ts = (conditions = []) =>
  typescript({ tsconfig: './tsconfig.json', include: ['src/**/*.ts'], noEmitOnError: true, declaration: false, noEmit: false, outDir: undefined, customConditions: conditions });

// The sources are ES2022 (tsconfig target): class fields and #private stay native, and terser
// shortens the #private names.
// Members the internal classes share with each other (#private names are shortened anyway). None may
// be a public name (an option, an event or error field, a member of SteadySocket) nor a member of a
// platform object the browser build uses (WebSocket, fetch's Response and its body: not `cancel`).
// test/size.test.ts checks the first against the published types.
export const INTERNAL = [
  'attemptOpened', 'attemptFailed', 'connectionClosed', 'heartbeatAnswered', 'startHeartbeat', 'stopHeartbeat', 'answeredIn',
  'answered', 'openedAt', 'offered', 'shutdown', 'listen', 'ready', 'wake', 'transport', 'source', 'app', 'number', 'options',
  'items', 'flush', 'drop', 'check', 'wanted', 'dead', 'destroy', 'budget', 'offline', 'ping',
  'monitor', 'session', 'attemptAt', 'hearPings', 'sleepers', 'looking', 'lookedAt', 'live', 'payload', 'note', 'logs', 'pings', 'sink', 'least', 'retryAt', 'warned', 'move', 'announce', 'looping', 'settle',
];
// builtins: the list above decides, also for names that terser knows from the DOM (options, source).
const internalNames = { regex: new RegExp(`^(_.*|${INTERNAL.join("|")})$`), builtins: true };
const minify = terser({
  ecma: 2022,
  compress: { passes: 3, unsafe_arrows: true, pure_getters: true, unsafe_methods: true },
  mangle: { properties: internalNames },
  format: { comments: false },
});
// The browser ES modules are minified again by the app's bundler, which never renames properties:
// the internal names are shortened here, as in the UMD, and the rest is left readable (source maps
// lead back to src/). Every browser build is self-contained, so each renames consistently.
const shortenInternals = terser({ ecma: 2022, compress: false, mangle: { properties: internalNames }, format: { beautify: true, comments: 'some', preserve_annotations: true } });

const node = (input, name) => ({
  input,
  external: ['isomorphic-ws', 'eventemitter3', 'ws', /^node:/, /^@opentelemetry\//],
  // Only `#runtime` is resolved (to the Node runtime, bundled); packages stay imports.
  plugins: [resolve({ resolveOnly: [/^#/], extensions: ['.ts'] }), ts()],
  output: [
    { file: `dist/${name}.mjs`, format: 'es', sourcemap: true },
    { file: `dist/${name}.cjs`, format: 'cjs', sourcemap: true, exports: 'named' },
  ],
});

const browser = (input, name, umd) => ({
  input,
  plugins: [resolve({ browser: true, exportConditions: ['browser'], extensions: ['.ts', '.mjs', '.js'] }), commonjs({ strictRequires: false, defaultIsModuleExports: true }), ts(['browser'])],
  output: [
    { file: `dist/${name}.browser.mjs`, format: 'es', sourcemap: true, plugins: [shortenInternals] },
    ...(umd
      ? [
          { file: `dist/${name}.umd.js`, format: 'umd', name: 'steadysocket', sourcemap: true },
          { file: `dist/${name}.umd.min.js`, format: 'umd', name: 'steadysocket', sourcemap: true, plugins: [minify] },
        ]
      : []),
  ],
});

const types = (input, name) => ({
  input,
  plugins: [dts()],
  output: [{ file: `dist/${name}.d.ts` }, { file: `dist/${name}.d.cts` }],
});

// The `steadysocket` command (`bin` in package.json): ES module, Node only, everything but the
// dependencies bundled in.
const cli = {
  input: 'src/cli.ts',
  external: ['isomorphic-ws', 'eventemitter3', 'ws', /^node:/],
  plugins: [
    resolve({ resolveOnly: [/^#/], extensions: ['.ts'] }),
    ts(),
    // Executable as built, so `./dist/cli.mjs` and a project linking this checkout run it as npm's
    // bin links do after an install.
    { name: 'executable', writeBundle: ({ file }) => chmodSync(file, 0o755) },
  ],
  output: { file: 'dist/cli.mjs', format: 'es', banner: '#!/usr/bin/env node' },
};

// steadysocket/react: React and the client stay imports, so an app has one copy of each (and one
// SteadySocket class, the one `steadysocket` exports); the core and the UMD carry no React.
const react = (config) => ({ ...config, external: ['react', 'steadysocket'] });

export default [
  node('src/index.ts', 'steadysocket'),
  node('src/core.ts', 'core'),
  node('src/otel.ts', 'otel'),
  node('src/doctor.ts', 'doctor'),
  react(node('src/react/index.ts', 'react')),
  cli,
  browser('src/index.ts', 'steadysocket', true),
  browser('src/core.ts', 'core', false),
  types('src/index.ts', 'steadysocket'),
  types('src/core.ts', 'core'),
  types('src/otel.ts', 'otel'),
  types('src/doctor.ts', 'doctor'),
  react(types('src/react/index.ts', 'react')),
];
