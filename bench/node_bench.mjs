// node_bench.mjs — times the export `run` of a wasm module on node (V8).
//
//   node node_bench.mjs MODULE.wasm [REPS]
//   -> "<best_ms> <first_ms> <checksum>"
//
// Compilation and instantiation happen before the clock starts. The first
// call is timed on its own (V8 starts in its baseline compiler, Liftoff, and
// tiers up to TurboFan in the background); the figure to compare is the best
// of REPS further calls, after that warm-up. Every call must return the same
// checksum, printed unsigned.
import { readFileSync } from 'node:fs';

const [file, repsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node node_bench.mjs MODULE.wasm [REPS]');
  process.exit(2);
}
const reps = Number(repsArg ?? 3);
const { instance } = await WebAssembly.instantiate(readFileSync(file), {});
const run = instance.exports.run;

const call = () => {
  const t0 = process.hrtime.bigint();
  const r = run();
  const t = Number(process.hrtime.bigint() - t0) / 1e6;
  return [t, typeof r === 'bigint' ? BigInt.asUintN(64, r) : r >>> 0];
};

const [first, sum] = call();
let best = Infinity;
for (let i = 0; i < reps; i++) {
  const [t, r] = call();
  if (r !== sum) {
    console.error(`run() gave ${sum} then ${r}`);
    process.exit(1);
  }
  best = Math.min(best, t);
}
console.log(`${best.toFixed(3)} ${first.toFixed(3)} ${sum}`);
