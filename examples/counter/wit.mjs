// Writes one WIT text holding the project's package wasmhttpd:http (the
// *.wit files of WIT_DIR) and the wasi:* packages its worlds include, taken
// from the WIT that jco ships, so that tests/guests/embed.mjs can embed a
// world of it into a core module.
//
//   node wit.mjs NODE_MODULES WIT_DIR OUT.wit
//
// Why one text and not a WIT directory with deps/: embed.mjs passes WIT
// source text to jco's library, because jco 1.35.0's WASI layer has no
// preopened directories and cannot read a directory. WIT allows further
// packages in one file as nested `package ns:name@ver { ... }` blocks, so
// each wasi:* package becomes such a block after our own package.
//
// Why the versions are rewritten: jco 1.35.0 ships wasi 0.2.12 WIT, while
// our worlds include wasi:http/proxy@0.2.0 and the component must export
// wasi:http/incoming-handler@0.2.0 (the oldest 0.2, which every 0.2 host
// accepts). WIT resolution is exact, so each wasi package is relabelled to
// the version our worlds name. Compared with the 0.2.0 release, jco's
// 0.2.12 text adds only items behind @unstable gates (left disabled) and
// wasi:cli/exit's exit-with-code (outside the proxy world), so what the
// proxy world sees is 0.2.0's surface. The WASI WIT is never copied into the
// repository; this runs at build time.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [nodeModules, witDir, out] = process.argv.slice(2);
if (!out) {
    console.error('usage: node wit.mjs NODE_MODULES WIT_DIR OUT.wit');
    process.exit(2);
}
function fail(msg) {
    console.error(`wit.mjs: ${msg}`);
    process.exit(1);
}

// jco's builtin WIT of the one 0.2 release it carries in full.
const SHIPPED = '0.2.12';
const builtin = join(nodeModules, '@bytecodealliance/jco/lib/wit/builtin', SHIPPED);
// wasi:cli's `imports` world names filesystem and sockets, so they must
// resolve too even though the proxy world does not import them.
const wasi = ['io', 'clocks', 'random', 'filesystem', 'sockets', 'cli', 'http'];

const ours = readdirSync(witDir).filter((f) => f.endsWith('.wit')).sort();
if (ours.length === 0)
    fail(`no .wit files in ${witDir}`);
const packageLine = /^\s*package\s+([^;{\s]+)\s*;/m;

let text = '';
let ourPackage = null;
for (const f of ours) {
    const src = readFileSync(join(witDir, f), 'utf8');
    const m = src.match(packageLine);
    if (!m)
        fail(`${f}: no package declaration`);
    if (ourPackage && m[1] !== ourPackage)
        fail(`${f}: package ${m[1]}, expected ${ourPackage} as in the other files`);
    // One top-level package declaration for the whole text.
    text += `// ---- ${f}\n` + (ourPackage ? src.replace(packageLine, '') : src) + '\n';
    ourPackage = m[1];
}

const include = text.match(/include\s+wasi:http\/proxy@([0-9][^;\s]*)\s*;/);
if (!include)
    fail(`no world in ${witDir} includes wasi:http/proxy@VERSION`);
const want = include[1];

for (const name of wasi) {
    const file = join(builtin, `wasi-${name}`, 'package.wit');
    if (!existsSync(file))
        fail(`${file} is missing: is jco 1.35.0 installed in ${nodeModules}?`);
    let src = readFileSync(file, 'utf8').replaceAll(`@${SHIPPED}`, `@${want}`);
    const m = src.match(packageLine);
    if (!m || m[1] !== `wasi:${name}@${want}`)
        fail(`${file}: expected package wasi:${name}@${SHIPPED}`);
    src = src.replace(packageLine, '');
    text += `// ---- wasi:${name}, from jco's ${SHIPPED} WIT, relabelled @${want}\n`;
    text += `package wasi:${name}@${want} {\n${src}\n}\n`;
}
writeFileSync(out, text);
