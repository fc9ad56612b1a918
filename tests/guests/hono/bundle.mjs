// Bundles a guest and the npm packages it imports into one ES module, what
// componentize-js takes (its engine resolves relative imports only): rolldown
// (npm, pinned in package.json), resolving bare imports from the npm folder
// given, so that the guest builds against the same pinned tools as the rest.
//
//   node bundle.mjs NODE_MODULES IN.js OUT.js
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [nodeModules, input, file] = process.argv.slice(2);
if (!file) {
    console.error('usage: node bundle.mjs NODE_MODULES IN.js OUT.js');
    process.exit(2);
}
const { build } = await import(pathToFileURL(join(nodeModules, 'rolldown', 'dist', 'index.mjs')));
await build({
    input,
    platform: 'browser',
    resolve: { modules: [nodeModules] },
    logLevel: 'warn',
    output: { file, format: 'esm', codeSplitting: false },
});
