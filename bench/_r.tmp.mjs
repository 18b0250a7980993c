import { CONTENDERS, startServer, median } from './lib.mjs';
const server = await startServer();
const N = 1000000;
async function rate(name) {
  const socket = await CONTENDERS[name](`${server.url}/flood?count=${N}&size=32`);
  let seen = 0, finish;
  const done = new Promise((r) => (finish = r));
  socket.onMessage(() => ++seen === N && finish());
  const start = performance.now();
  socket.send('go');
  await done;
  socket.close();
  return N / ((performance.now() - start) / 1000);
}
const ratios = [];
for (let r = 0; r < 11; r++) {
  const a = await rate('raw ws'); const b = await rate('steadysocket');
  const c = await rate('raw ws');
  ratios.push(b / ((a + c) / 2));
}
console.log('receive ratio median', median(ratios).toFixed(3), ratios.map((x) => x.toFixed(2)).join(' '));
await server.stop();
