// Node builds keep their dependencies external; browser builds swap in the browser runtime and carry
// everything (a <script> tag or a plain <script type="module"> has no resolver). The type-check is
// `tsc` (npm run typecheck); here TypeScript only transpiles.
import { fileURLToPath } from 'node:url';
import typescript from '@rollup/plugin-typescript';
import resolve from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';

const input = 'src/index.ts';
const ts = () => typescript({ tsconfig: './tsconfig.json', include: ['src/**/*.ts'], noEmitOnError: true, declaration: false, noEmit: false, outDir: undefined });

/** Points the socket at the browser runtime: no `ws`, no Node-only classification code. */
const browserRuntime = {
  name: 'browser-runtime',
  resolveId(source) {
    if (source === './runtime/node') return fileURLToPath(new URL('./src/runtime/browser.ts', import.meta.url));
    return null;
  },
};

// The sources are ES2020 already (tsconfig target), so terser may use ES2020's shorter forms too.
const minify = terser({
  ecma: 2020,
  compress: { passes: 3, unsafe_arrows: true, pure_getters: true, unsafe_methods: true },
  mangle: { properties: { regex: /^_/ } },
  format: { comments: false },
});

export default [
  {
    input,
    external: ['isomorphic-ws', 'eventemitter3', 'ws', /^node:/],
    plugins: [ts()],
    output: [
      { file: 'dist/steadysocket.mjs', format: 'es', sourcemap: true },
      { file: 'dist/steadysocket.cjs', format: 'cjs', sourcemap: true, exports: 'named' },
    ],
  },
  {
    input,
    plugins: [browserRuntime, resolve({ browser: true }), commonjs(), ts()],
    output: [
      { file: 'dist/steadysocket.browser.mjs', format: 'es', sourcemap: true },
      { file: 'dist/steadysocket.umd.js', format: 'umd', name: 'steadysocket', sourcemap: true },
      { file: 'dist/steadysocket.umd.min.js', format: 'umd', name: 'steadysocket', sourcemap: true, plugins: [minify] },
    ],
  },
  {
    input,
    plugins: [dts()],
    output: [{ file: 'dist/steadysocket.d.ts' }, { file: 'dist/steadysocket.d.cts' }],
  },
];
