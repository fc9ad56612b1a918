// Writes the WIT directory componentize-js builds tests/wasihttp/guests/*.js
// against: jco's own copy of the WASI 0.2.12 packages (nothing of it is
// kept here), renumbered 0.2.10, the version componentize-js 0.23's engine
// exports wasi:http/incoming-handler at (a guest built so links to a host
// of any 0.2.x by semver):
//
//   node js_wit.mjs NODE_MODULES OUT_DIR
//
// OUT_DIR/http.wit is the wasi:http package (world proxy), OUT_DIR/deps/
// the packages it uses.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [nodeModules, out] = process.argv.slice(2);
if (!out) {
    console.error('usage: node js_wit.mjs NODE_MODULES OUT_DIR');
    process.exit(2);
}
const builtin = join(nodeModules, '@bytecodealliance/jco/lib/wit/builtin/0.2.12');
for (const dir of readdirSync(builtin)) {
    const text = readFileSync(join(builtin, dir, 'package.wit'), 'utf8').replaceAll('@0.2.12', '@0.2.10');
    if (dir === 'wasi-http') {
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, 'http.wit'), text);
    } else {
        mkdirSync(join(out, 'deps', dir), { recursive: true });
        writeFileSync(join(out, 'deps', dir, 'package.wit'), text);
    }
}
