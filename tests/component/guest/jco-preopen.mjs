// Loaded with `node --import` before jco's CLI: the WASI filesystem shim
// that jco's bundled wasm-tools runs on (jco 1.35.0) starts without any
// preopened directory, so commands that read a WIT directory (`embed --wit`)
// cannot see it. Preopening the root directory makes every path visible.
// WH_NODE_MODULES names the node_modules directory holding jco.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const modules = process.env.WH_NODE_MODULES;
if (!modules) throw new Error('jco-preopen.mjs: set WH_NODE_MODULES');
const fsShim = join(modules, '@bytecodealliance', 'jco-transpile', 'node_modules',
                    '@bytecodealliance', 'preview2-shim', 'dist', 'nodejs', 'filesystem.js');
const shim = await import(pathToFileURL(fsShim).href);
shim._setPreopens({ '/': '/' });
