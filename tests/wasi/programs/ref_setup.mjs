// Loaded by `jco run --jco-import` before the component starts (the
// reference side of diff.py). jco's runner gives a guest the whole host
// environment and, in jco 1.35.0, no preopens at all; this sets both from
// the JSON in WASI_DIFF_REF: {"jco": DIR of the jco package, "argv0": NAME,
// "env": {K: V}, "preopens": [[GUEST, HOST], ...]}.
//
// The settings must reach the same preview2-shim module instance that the
// transpiled component imports, which is the copy jco itself resolves; so
// it is resolved from jco's package, not from here.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const cfg = JSON.parse(process.env.WASI_DIFF_REF || '{}');
const require = createRequire(join(cfg.jco, 'package.json'));
const shim = dirname(require.resolve('@bytecodealliance/preview2-shim'));
const cli = await import(pathToFileURL(join(shim, 'cli.js')));
const fs = await import(pathToFileURL(join(shim, 'filesystem.js')));

cli._setEnv(cfg.env || {});
cli._setArgs([cfg.argv0 || 'program', ...process.argv.slice(2)]);
fs._setPreopens({});
for (const [guest, host] of cfg.preopens || [])
    fs._addPreopen(guest, host);
