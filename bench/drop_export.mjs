// drop_export.mjs — copies a wasm module without one of its exports.
//
//   node drop_export.mjs IN.wasm OUT.wasm NAME
//
// wabt's wasm-interp can only run whole processes (--run-all-exports calls
// every exported function). To time the call alone, the bench runs the
// module twice: as built, and without its `run` export, so that the second
// process loads, validates and instantiates exactly the same code and calls
// only `empty`. The difference is the time of run(). Only the export
// section changes; every other section is copied byte for byte.
import { readFileSync, writeFileSync } from 'node:fs';

const [inFile, outFile, name] = process.argv.slice(2);
if (!name) {
  console.error('usage: node drop_export.mjs IN.wasm OUT.wasm NAME');
  process.exit(2);
}
const bin = readFileSync(inFile);

function leb(buf, pos) {
  let v = 0, shift = 0, b;
  do {
    b = buf[pos++];
    v += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [v, pos];
}
function uleb(v) {
  const out = [];
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}

const parts = [bin.subarray(0, 8)];
let pos = 8, dropped = false;
while (pos < bin.length) {
  const start = pos, id = bin[pos++];
  let size;
  [size, pos] = leb(bin, pos);
  const end = pos + size;
  if (id !== 7) {
    parts.push(bin.subarray(start, end));
    pos = end;
    continue;
  }
  let count;
  [count, pos] = leb(bin, pos);
  const kept = [];
  for (let i = 0; i < count; i++) {
    const eStart = pos;
    let len;
    [len, pos] = leb(bin, pos);
    const ename = bin.subarray(pos, pos + len).toString('utf8');
    pos += len + 1; // name, kind byte
    [, pos] = leb(bin, pos); // index
    if (ename === name) dropped = true;
    else kept.push(bin.subarray(eStart, pos));
  }
  const body = Buffer.concat([uleb(kept.length), ...kept]);
  parts.push(Buffer.from([7]), uleb(body.length), body);
  pos = end;
}
if (!dropped) {
  console.error(`${inFile}: no export named ${name}`);
  process.exit(1);
}
writeFileSync(outFile, Buffer.concat(parts));
