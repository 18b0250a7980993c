// The drop-in face's goals, read from what the browsers and memory benchmarks measured in the same
// run: send and receive at least 0.95 × the native WebSocket in each browser, and an idle heap at
// most 0.3 KiB over a SteadySocket's. Not a benchmark of its own: bench/run.mjs adds it after them.
import { fmt } from './lib.mjs';

const kib = (bytes) => `${bytes >= 0 ? '+' : ''}${fmt(bytes / 1024, 2)} KiB`;

/** "met", "missed", and why the one run does or does not decide it. */
function result(judged, beyond) {
  if (judged.met) return judged.unsure ? 'met, within the noise' : 'met';
  if (judged.unsure) return 'missed, within the noise';
  return beyond ? 'missed, the whole spread past the line' : 'missed';
}

/**
 * @param browsers the browsers benchmark's summary, or undefined when it did not run
 * @param memory the memory benchmark's summary, or undefined
 */
export function dropinBudgets(browsers, memory) {
  const rows = [];
  for (const [name, kinds] of Object.entries(browsers ?? {})) {
    for (const what of ['send', 'receive']) {
      const face = kinds['drop-in'][what];
      rows.push(`| ${name} ${what} ≥ 0.95 × native | ${face.median.toFixed(2)} × | ${face.low.toFixed(2)}-${face.high.toFixed(2)} | ${result(face, face.high < 0.95)} | ${kinds.steadysocket[what].median.toFixed(2)} × |`);
    }
  }
  if (memory) {
    const face = memory.faceOverSteadysocket;
    rows.push(`| Node heap per idle instance ≤ a SteadySocket's + 0.3 KiB | ${kib(face.median)} | ${kib(face.low)} to ${kib(face.high)} | ${result(face, face.low > 0.3 * 1024)} | |`);
  }
  return {
    title: 'Drop-in face (SteadyWebSocket): its budgets',
    text: [
      "The goals for the WebSocket-shaped face: send and receive at least 0.95 × the native `WebSocket` in Chromium and Firefox, and at most 0.3 KiB of idle heap in Node over a SteadySocket's. Read from the browsers and heap sections of the same run: medians of the rounds' ratios (differences, for the heap), with the middle half of the rounds; \"within the noise\" where that spread is wider than the margin.",
      '',
      '| goal | measured | spread of the rounds | result | a SteadySocket in the same rounds |',
      '|---|---:|---:|---|---:|',
      ...rows,
    ].join('\n'),
  };
}
