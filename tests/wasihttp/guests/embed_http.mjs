// Embeds a world of wasi:http 0.2.12 into a C guest's core module, so that
// `jco new` can make it a component:
//
//   node embed_http.mjs NODE_MODULES CORE.wasm OUT.wasm [WORLD]
//
// WORLD is `guest` (the default): wasi:http/proxy, a handler; or `command`:
// the imports of wasi:http/proxy and wasi:cli/imports with the export
// wasi:cli/run, a command that sends requests (for `wasmhttpd run`).
//
// The WIT is jco's own copy of the WASI 0.2.12 packages (nothing of it is
// kept here): their files are joined into one WIT text, each package as a
// nested `package … { … }` block, because the embedding library takes WIT
// as text (see tests/guests/embed.mjs for why not a directory).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [nodeModules, core, out, world = 'guest'] = process.argv.slice(2);
if (!out || !['guest', 'command'].includes(world)) {
    console.error('usage: node embed_http.mjs NODE_MODULES CORE.wasm OUT.wasm [guest|command]');
    process.exit(2);
}
const builtin = join(nodeModules, '@bytecodealliance/jco/lib/wit/builtin/0.2.12');
let wit = `package wasmhttpd:http-tests;

world guest {
  include wasi:http/proxy@0.2.12;
}

world command {
  include wasi:http/imports@0.2.12;
  include wasi:cli/imports@0.2.12;
  export wasi:cli/run@0.2.12;
}
`;
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
    world,
    stringEncoding: 'utf8',
});
writeFileSync(out, bytes);
