// Embeds a world of a WIT file into a core module (what `jco embed` does),
// through the library jco itself uses, so that a C guest's core module can
// then become a component with `jco new`.
//
//   node embed.mjs NODE_MODULES CORE.wasm WIT_FILE WORLD ENCODING OUT.wasm
//
// ENCODING is utf8, utf16 or compact-utf16 (the canonical ABI's
// latin1+utf16). Why not the `jco embed` command: in jco 1.35.0 it ignores
// `-n/--world-name` (it passes the option under a name the library does not
// read), so a WIT package with several worlds cannot be embedded, and it
// reads `--wit DIR` through a WASI layer that has no preopened directories
// (every path is "not found"). Passing the WIT text avoids both.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [nodeModules, core, witFile, world, encoding, out] = process.argv.slice(2);
if (!out) {
    console.error('usage: node embed.mjs NODE_MODULES CORE.wasm WIT_FILE WORLD ENCODING OUT.wasm');
    process.exit(2);
}
if (!['utf8', 'utf16', 'compact-utf16'].includes(encoding)) {
    console.error(`embed.mjs: unknown string encoding ${encoding}`);
    process.exit(2);
}
const tools = join(nodeModules, '@bytecodealliance/jco-transpile/dist/wasm-tools.js');
const { componentEmbed } = await import(pathToFileURL(tools).href);
const bytes = await componentEmbed({
    binary: readFileSync(core),
    witSource: readFileSync(witFile, 'utf8'),
    world,
    stringEncoding: encoding,
});
writeFileSync(out, bytes);
