// Embeds the wasi:http/proxy world (0.2.12) into a C guest's core module,
// so that `jco new` can make it a component:
//
//   node embed_http.mjs NODE_MODULES CORE.wasm OUT.wasm
//
// The WIT is jco's own copy of the WASI 0.2.12 packages (nothing of it is
// kept here): their files are joined into one WIT text, each package as a
// nested `package … { … }` block, because the embedding library takes WIT
// as text (see tests/guests/embed.mjs for why not a directory).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [nodeModules, core, out] = process.argv.slice(2);
if (!out) {
    console.error('usage: node embed_http.mjs NODE_MODULES CORE.wasm OUT.wasm');
    process.exit(2);
}
const builtin = join(nodeModules, '@bytecodealliance/jco/lib/wit/builtin/0.2.12');
let wit = 'package wasmhttpd:http-tests;\n\nworld guest {\n  include wasi:http/proxy@0.2.12;\n}\n';
for (const dir of readdirSync(builtin).sort()) {
    const text = readFileSync(join(builtin, dir, 'package.wit'), 'utf8');
    const m = text.match(/^\s*package\s+([^;]+);/m);
    if (!m)
        throw new Error(`${dir}/package.wit: no package line`);
    wit += `\npackage ${m[1]} {\n${text.slice(m.index + m[0].length)}\n}\n`;
}
const tools = join(nodeModules, '@bytecodealliance/jco-transpile/dist/wasm-tools.js');
const { componentEmbed } = await import(pathToFileURL(tools).href);
const bytes = await componentEmbed({
    binary: readFileSync(core),
    witSource: wit,
    world: 'guest',
    stringEncoding: 'utf8',
});
writeFileSync(out, bytes);
