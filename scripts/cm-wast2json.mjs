#!/usr/bin/env node
// cm-wast2json.mjs — converts a Component Model .wast script (the format of
// the WebAssembly/component-model test suite) into a JSON list of commands
// plus one .wasm file per component, for `wasmhttpd cm-wast`.
//
//   node scripts/cm-wast2json.mjs [--node-modules DIR] IN.wast -o OUT.json
//
// wabt's wast2json knows no components, and `wasm-tools json-from-wast` is a
// Rust program this project does not build; jco (already a test dependency)
// carries wasm-tools' text parser compiled to WebAssembly, and its `parse`
// API converts one `(component ...)` text at a time, in this process. So
// this script splits the script into top-level forms itself, hands each
// component text to jco, and turns the script's component values
// (`(u32.const 1)`, `(record.const (field "a" ...))`, …) into WAVE text,
// which the runner reads against the function's type with the WAVE parser
// it already has.
//
// Output ({"source_filename", "commands": [...]}), one object per form, each
// with "type" and "line":
//   component            {filename | error, name?, definition: bool}
//   component_instance   {instance?, component}
//   action               {action}
//   assert_return        {action, expected: [WAVE...]}
//   assert_trap          {action, text}, or {filename | error, text} for a
//                        component whose instantiation traps
//   assert_invalid, assert_malformed, assert_unlinkable
//                        {filename | module_type: "text", text}
// where action is {type: "invoke", instance?, field, args: [WAVE...]}. A
// component jco cannot parse has "error" (what jco said) instead of a
// filename, so that the runner fails that one command and goes on; under
// assert_malformed it is a text-level malformation ("module_type": "text"),
// which tests jco's parser and not ours. Nothing is skipped silently: a form
// this script does not know becomes {type: "unknown", head}.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

function usage(msg) {
  if (msg) process.stderr.write(`cm-wast2json: ${msg}\n`);
  process.stderr.write('usage: node cm-wast2json.mjs [--node-modules DIR] IN.wast -o OUT.json\n');
  process.exit(2);
}

// ---- S-expressions with source positions ----

// A node is {list: [...], start, end, line} or an atom {atom, str?, start, line}
// (str: the bytes of a string literal, as a Uint8Array).
function parseSexprs(src) {
  let i = 0, line = 1;
  const n = src.length;
  function skipSpace() {
    for (;;) {
      if (i >= n) return;
      const c = src[i];
      if (c === '\n') { line++; i++; continue; }
      if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
      if (src.startsWith(';;', i)) {
        while (i < n && src[i] !== '\n') i++;
        continue;
      }
      if (src.startsWith('(;', i)) {
        let depth = 0;
        while (i < n) {
          if (src.startsWith('(;', i)) { depth++; i += 2; }
          else if (src.startsWith(';)', i)) { depth--; i += 2; if (!depth) break; }
          else { if (src[i] === '\n') line++; i++; }
        }
        if (depth) throw new Error(`line ${line}: unterminated block comment`);
        continue;
      }
      return;
    }
  }
  function readString() {
    const startLine = line, bytes = [];
    i++; // opening quote
    const enc = new TextEncoder();
    while (i < n && src[i] !== '"') {
      const c = src[i];
      if (c === '\n') throw new Error(`line ${line}: newline in a string`);
      if (c !== '\\') {
        const cp = src.codePointAt(i);
        const s = String.fromCodePoint(cp);
        bytes.push(...enc.encode(s));
        i += s.length;
        continue;
      }
      const e = src[i + 1];
      i += 2;
      const simple = { n: 10, t: 9, r: 13, '\\': 92, "'": 39, '"': 34 };
      if (e in simple) { bytes.push(simple[e]); continue; }
      if (e === 'u') {
        const m = /^\{([0-9a-fA-F_]+)\}/.exec(src.slice(i, i + 12));
        if (!m) throw new Error(`line ${line}: bad \\u escape`);
        bytes.push(...enc.encode(String.fromCodePoint(parseInt(m[1].replace(/_/g, ''), 16))));
        i += m[0].length;
        continue;
      }
      if (/^[0-9a-fA-F]{2}$/.test(src.slice(i - 1, i + 1))) {
        bytes.push(parseInt(src.slice(i - 1, i + 1), 16));
        i += 1;
        continue;
      }
      throw new Error(`line ${line}: unknown escape \\${e}`);
    }
    if (i >= n) throw new Error(`line ${startLine}: unterminated string`);
    i++;
    return Uint8Array.from(bytes);
  }
  function readNode() {
    skipSpace();
    const start = i, startLine = line;
    if (src[i] === '(') {
      i++;
      const list = [];
      for (;;) {
        skipSpace();
        if (i >= n) throw new Error(`line ${startLine}: unclosed parenthesis`);
        if (src[i] === ')') { i++; break; }
        list.push(readNode());
      }
      return { list, start, end: i, line: startLine };
    }
    if (src[i] === ')') throw new Error(`line ${line}: unexpected )`);
    if (src[i] === '"') {
      const str = readString();
      return { atom: src.slice(start, i), str, start, end: i, line: startLine };
    }
    while (i < n && !/[\s()";]/.test(src[i])) i++;
    return { atom: src.slice(start, i), start, end: i, line: startLine };
  }
  const forms = [];
  for (;;) {
    skipSpace();
    if (i >= n) break;
    forms.push(readNode());
  }
  return forms;
}

const isList = (x) => x && Array.isArray(x.list);
const head = (x) => (isList(x) && x.list.length && !x.list[0].list ? x.list[0].atom : null);
const utf8 = (bytes) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);

// ---- Values: script syntax to WAVE ----

const WAVE_KEYWORDS = new Set(['true', 'false', 'some', 'none', 'ok', 'err', 'inf', 'nan']);
const label = (s) => (WAVE_KEYWORDS.has(s) ? '%' + s : s);

function waveString(s, quote) {
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\u{${cp.toString(16)}}`;
    else out += ch;
  }
  return out + quote;
}

function integer(text) {
  let t = text.replace(/_/g, ''), neg = false;
  if (t[0] === '+' || t[0] === '-') { neg = t[0] === '-'; t = t.slice(1); }
  const v = BigInt(t); // decimal or 0x…
  return (neg ? -v : v).toString();
}

// A float literal of the text format as a WAVE number: decimal kept, hex
// floats computed (exact in a double for every f32 and f64 literal the
// suite uses), every NaN as "nan".
function float(text) {
  let t = text.replace(/_/g, ''), sign = '';
  if (t[0] === '+' || t[0] === '-') { sign = t[0] === '-' ? '-' : ''; t = t.slice(1); }
  if (t.startsWith('nan')) return 'nan';
  if (t === 'inf') return sign + 'inf';
  if (/^0x/i.test(t)) {
    const m = /^0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/i.exec(t);
    if (!m) throw new Error(`bad float ${text}`);
    const digits = (m[1] || '') + (m[2] || '');
    let v = 0;
    for (const d of digits) v = v * 16 + parseInt(d, 16);
    v *= Math.pow(2, parseInt(m[3] || '0', 10) - 4 * (m[2] || '').length);
    return (sign ? '-' : '') + String(v);
  }
  if (!/^\d/.test(t)) throw new Error(`bad float ${text}`);
  return sign + t;
}

// Reads one value from items[k] on: either a parenthesised value, or (as
// record fields write it) a bare keyword followed by its operands, which
// take the rest of the list. Returns [wave, next k].
function value(items, k) {
  const x = items[k];
  if (isList(x)) return [valueOf(x.list[0] && x.list[0].atom, x.list.slice(1), x.line), k + 1];
  if (x && x.atom) return [valueOf(x.atom, items.slice(k + 1), x.line), items.length];
  throw new Error('expected a value');
}

function values(items) {
  const out = [];
  for (let k = 0; k < items.length;) {
    const [v, next] = value(items, k);
    out.push(v);
    k = next;
  }
  return out;
}

function valueOf(kw, ops, line) {
  const str = (j) => {
    if (!ops[j] || !ops[j].str) throw new Error(`line ${line}: ${kw} expects a string`);
    return utf8(ops[j].str);
  };
  switch (kw) {
  case 'bool.const':
    if (ops[0].atom !== 'true' && ops[0].atom !== 'false') throw new Error(`line ${line}: bad bool`);
    return ops[0].atom;
  case 'u8.const': case 's8.const': case 'u16.const': case 's16.const':
  case 'u32.const': case 's32.const': case 'u64.const': case 's64.const':
  case 'i32.const': case 'i64.const':
    return integer(ops[0].atom);
  case 'f32.const': case 'f64.const':
    return float(ops[0].atom);
  case 'char.const': {
    const s = str(0);
    if ([...s].length !== 1) throw new Error(`line ${line}: char.const needs one character`);
    return waveString(s, "'");
  }
  case 'str.const':
    return waveString(str(0), '"');
  case 'list.const':
    return '[' + values(ops).join(', ') + ']';
  case 'tuple.const': {
    const vs = values(ops);
    return '(' + vs.join(', ') + (vs.length === 1 ? ',' : '') + ')';
  }
  case 'record.const':
    return '{' + ops.map((f) => {
      if (head(f) !== 'field') throw new Error(`line ${line}: record.const expects (field ...)`);
      const name = utf8(f.list[1].str);
      return `${label(name)}: ${value(f.list, 2)[0]}`;
    }).join(', ') + '}';
  case 'variant.const': {
    const c = label(str(0));
    return ops.length > 1 ? `${c}(${value(ops, 1)[0]})` : c;
  }
  case 'enum.const':
    return label(str(0));
  case 'flags.const':
    return '{' + ops.map((_, j) => label(str(j))).join(', ') + '}';
  case 'option.none':
    return 'none';
  case 'option.some':
    return `some(${value(ops, 0)[0]})`;
  case 'result.ok':
  case 'result.err': {
    const c = kw === 'result.ok' ? 'ok' : 'err';
    return ops.length ? `${c}(${value(ops, 0)[0]})` : c;
  }
  default:
    throw new Error(`line ${line}: unknown value ${kw}`);
  }
}

// ---- Commands ----

function stringAtom(x) {
  return x && x.str ? utf8(x.str) : null;
}

function main() {
  const argv = process.argv.slice(2);
  let input = null, output = null;
  let nodeModules = process.env.WH_NODE_MODULES ||
                    join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules');
  for (let k = 0; k < argv.length; k++) {
    if (argv[k] === '-o') output = argv[++k];
    else if (argv[k] === '--node-modules') nodeModules = argv[++k];
    else if (argv[k].startsWith('-')) usage(`unknown option ${argv[k]}`);
    else if (!input) input = argv[k];
    else usage('one input file only');
  }
  if (!input || !output) usage();
  return convert(input, output, nodeModules);
}

async function convert(input, output, nodeModules) {
  const api = join(resolve(nodeModules), '@bytecodealliance', 'jco', 'dist', 'api.js');
  let jco;
  try {
    jco = await import(pathToFileURL(api).href);
  } catch (e) {
    process.stderr.write(`cm-wast2json: cannot load jco from ${api}: ${e.message}\n` +
                         '(run scripts/install-deps.sh, or pass --node-modules DIR)\n');
    process.exit(1);
  }
  const src = readFileSync(input, 'utf8');
  const outDir = dirname(resolve(output));
  const stem = basename(output).replace(/\.json$/, '');
  mkdirSync(outDir, { recursive: true });
  let nfiles = 0;
  const write = (bytes) => {
    const name = `${stem}.${nfiles++}.wasm`;
    writeFileSync(join(outDir, name), bytes);
    return name;
  };

  // A component form (component [definition] [$id] (binary|quote ...)? ...)
  // as binary: the bytes of a binary form, jco's parse of the rest. The id
  // stays in the text given to jco: outer aliases inside may name it.
  async function component(node) {
    const items = node.list;
    let k = 1, definition = false, name = null;
    if (items[k] && items[k].atom === 'definition') { definition = true; k++; }
    if (items[k] && items[k].atom && items[k].atom.startsWith('$')) { name = items[k].atom; k++; }
    const kind = items[k] && items[k].atom;
    if (kind === 'binary') {
      const parts = items.slice(k + 1).map((x) => x.str);
      const len = parts.reduce((a, p) => a + p.length, 0);
      const bytes = new Uint8Array(len);
      let o = 0;
      for (const p of parts) { bytes.set(p, o); o += p.length; }
      return { name, definition, bytes, text: false };
    }
    let text;
    if (kind === 'quote') {
      text = '(component ' + (name ? name + ' ' : '') +
             items.slice(k + 1).map((x) => utf8(x.str)).join(' ') + ')';
    } else {
      const from = k < items.length ? items[k].start : node.end - 1;
      text = '(component ' + (name ? name + ' ' : '') + src.slice(from, node.end - 1) + ')';
    }
    try {
      return { name, definition, bytes: await jco.parse(text), text: kind === 'quote' };
    } catch (e) {
      return { name, definition, error: String(e && e.message ? e.message : e),
               text: kind === 'quote' };
    }
  }

  function action(node) {
    if (head(node) !== 'invoke') throw new Error(`line ${node.line}: expected (invoke ...)`);
    const items = node.list;
    let k = 1, instance = null;
    if (items[k] && items[k].atom && items[k].atom.startsWith('$')) instance = items[k++].atom;
    const field = stringAtom(items[k++]);
    if (field === null) throw new Error(`line ${node.line}: invoke without a name`);
    return { type: 'invoke', instance, field, args: values(items.slice(k)) };
  }

  const commands = [];
  for (const form of parseSexprs(src)) {
    const h = head(form), line = form.line;
    try {
      if (h === 'component' && form.list[1] && form.list[1].atom === 'instance') {
        const inst = form.list[2] && form.list[2].atom.startsWith('$') ? form.list[2].atom : null;
        const comp = form.list[inst ? 3 : 2];
        commands.push({ type: 'component_instance', line, instance: inst,
                        component: comp && comp.atom });
      } else if (h === 'component') {
        const c = await component(form);
        const cmd = { type: 'component', line, name: c.name, definition: c.definition };
        if (c.bytes) cmd.filename = write(c.bytes);
        else cmd.error = c.error;
        commands.push(cmd);
      } else if (h === 'invoke') {
        commands.push({ type: 'action', line, action: action(form) });
      } else if (h === 'assert_return') {
        commands.push({ type: 'assert_return', line, action: action(form.list[1]),
                        expected: values(form.list.slice(2)) });
      } else if (h === 'assert_trap' && head(form.list[1]) === 'component') {
        // a component whose instantiation traps (a start function's trap)
        const c = await component(form.list[1]);
        const cmd = { type: 'assert_trap', line, text: stringAtom(form.list[2]) };
        if (c.bytes) cmd.filename = write(c.bytes);
        else cmd.error = c.error;
        commands.push(cmd);
      } else if (h === 'assert_trap') {
        commands.push({ type: 'assert_trap', line, action: action(form.list[1]),
                        text: stringAtom(form.list[2]) });
      } else if (h === 'assert_invalid' || h === 'assert_malformed' || h === 'assert_unlinkable') {
        const c = await component(form.list[1]);
        const cmd = { type: h, line, text: stringAtom(form.list[2]) };
        if (c.bytes) cmd.filename = write(c.bytes);
        else if (h === 'assert_malformed' && c.text) cmd.module_type = 'text';
        else cmd.error = c.error;
        commands.push(cmd);
      } else {
        commands.push({ type: 'unknown', line, head: h });
      }
    } catch (e) {
      commands.push({ type: 'error', line, error: e.message });
    }
  }
  writeFileSync(output, JSON.stringify({ source_filename: input, commands }, null, 1) + '\n');
}

main().catch((e) => {
  process.stderr.write(`cm-wast2json: ${e.stack || e}\n`);
  process.exit(1);
});
