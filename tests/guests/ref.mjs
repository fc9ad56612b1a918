// The reference side of the guest tests: calls a component's export through
// jco (the component transpiled to JS by `jco transpile --instantiation
// async`, run on node) and prints the result the way `wasmhttpd run
// --invoke` must: WAVE, as wasmtime prints it.
//
//   node ref.mjs [--reuse] WIT_FILE TRANSPILED_JS 'iface#func(args)' …
//
// Each expression prints one line: the result in WAVE, an empty line for a
// function without a result, or `error: …` for a trap or an instantiation
// failure (then the exit status is 1). Each expression gets a fresh
// instance; with --reuse, calls share one until a call fails (for guests
// whose exports keep no state and that are slow to instantiate). Arguments are WAVE
// text, parsed by the parameter types read from WIT_FILE (our own test
// package; the WIT reader below knows just what that file uses). The
// component's imports of wasmhttpd:test/host-echo are served by a JS echo
// host that behaves as the WIT comments say.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

// ---------------------------------------------------------------- WIT ----

const PRIMS = new Set(['bool', 's8', 'u8', 's16', 'u16', 's32', 'u32', 's64', 'u64', 'f32', 'f64',
    'char', 'string']);

function witTokens(src) {
    src = src.replace(/\/\/[^\n]*/g, '');
    return src.match(/%?[a-z][a-z0-9-]*(?::[a-z][a-z0-9-]*)?(?:\/[a-z][a-z0-9-]*)?(?:@[0-9.]+)?|->|[{}()<>,;:=._*]|\S/g) || [];
}

/* Reads the interfaces of one WIT package: named types and functions. */
function readWit(src) {
    const toks = witTokens(src);
    let i = 0, pkg = '';
    const peek = () => toks[i], next = () => toks[i++];
    const expect = (t) => {
        if (toks[i] !== t) throw new Error(`WIT: expected ${t} at token ${i}, got ${toks[i]}`);
        i++;
    };
    const ifaces = {};
    function type() {
        const name = next().replace(/^%/, '');
        if (PRIMS.has(name)) return { kind: name };
        if (['list', 'option', 'borrow', 'own'].includes(name)) {
            expect('<'); const t = type(); expect('>');
            return name === 'list' ? { kind: 'list', elem: t } : name === 'option'
                ? { kind: 'option', elem: t } : { kind: name, res: t };
        }
        if (name === 'result') {
            let ok = null, err = null;
            if (peek() === '<') {
                next();
                if (peek() === '_') next(); else ok = type();
                if (peek() === ',') { next(); err = type(); }
                expect('>');
            }
            return { kind: 'result', ok, err };
        }
        if (name === 'tuple') {
            expect('<'); const elems = [type()];
            while (peek() === ',') { next(); if (peek() === '>') break; elems.push(type()); }
            expect('>');
            return { kind: 'tuple', elems };
        }
        return { kind: 'ref', name };
    }
    function list(open, close, item) {
        expect(open); const out = [];
        while (peek() !== close) { out.push(item()); if (peek() === ',') next(); }
        expect(close);
        return out;
    }
    const label = () => next().replace(/^%/, '');
    function func() {
        expect('func');
        const params = list('(', ')', () => { const n = label(); expect(':'); return [n, type()]; });
        let result = null;
        if (peek() === '->') { next(); result = type(); }
        expect(';');
        return { params, result };
    }
    function skipBlock() {
        expect('{'); let depth = 1;
        while (depth) { const t = next(); if (t === '{') depth++; if (t === '}') depth--; }
    }
    function iface(name) {
        const it = { name: `${pkg.split('@')[0]}/${name}@${pkg.split('@')[1]}`, types: {}, funcs: {} };
        ifaces[name] = it;
        expect('{');
        while (peek() !== '}') {
            const kw = next();
            if (kw === 'record') {
                const n = label();
                it.types[n] = { kind: 'record', fields: list('{', '}', () => { const f = label(); expect(':'); return [f, type()]; }) };
            } else if (kw === 'variant') {
                const n = label();
                it.types[n] = { kind: 'variant', cases: list('{', '}', () => {
                    const c = label(); let t = null;
                    if (peek() === '(') { next(); t = type(); expect(')'); }
                    return [c, t];
                }) };
            } else if (kw === 'enum') {
                const n = label(); it.types[n] = { kind: 'enum', cases: list('{', '}', label) };
            } else if (kw === 'flags') {
                const n = label(); it.types[n] = { kind: 'flags', names: list('{', '}', label) };
            } else if (kw === 'type') {
                const n = label(); expect('='); it.types[n] = type(); expect(';');
            } else if (kw === 'resource') {
                const n = label(); it.types[n] = { kind: 'resource', name: n };
                if (peek() === '{') skipBlock(); else expect(';');
            } else if (kw === 'use') {
                const from = next(); expect('.');
                for (const n of list('{', '}', label)) it.types[n] = { kind: 'use', from, name: n };
                expect(';');
            } else {
                const n = kw.replace(/^%/, ''); expect(':'); it.funcs[n] = func();
            }
        }
        expect('}');
    }
    while (i < toks.length) {
        const kw = next();
        if (kw === 'package') { pkg = next(); expect(';'); }
        else if (kw === 'interface') iface(label());
        else if (kw === 'world') {
            // top-level functions of worlds: "export NAME: func(...)"
            label();
            ifaces[''] = ifaces[''] || { name: '', types: {}, funcs: {} };
            expect('{');
            while (peek() !== '}') {
                const k = next();
                if ((k === 'export' || k === 'import') && toks[i + 1] === ':') {
                    const n = label(); expect(':'); ifaces[''].funcs[n] = func();
                } else {
                    while (next() !== ';');
                }
            }
            expect('}');
        } else throw new Error(`WIT: unexpected ${kw}`);
    }
    // resolve named types
    const resolve = (it, t) => {
        if (!t) return t;
        switch (t.kind) {
        case 'ref': {
            let d = it.types[t.name];
            if (!d) throw new Error(`WIT: unknown type ${t.name}`);
            if (d.kind === 'use') return resolve(ifaces[d.from], { kind: 'ref', name: d.name });
            if (!d.resolved) { d.resolved = true; resolveDef(it, d); }
            return d;
        }
        case 'list': case 'option': return { ...t, elem: resolve(it, t.elem) };
        case 'result': return { ...t, ok: resolve(it, t.ok), err: resolve(it, t.err) };
        case 'tuple': return { ...t, elems: t.elems.map((e) => resolve(it, e)) };
        default: return t;
        }
    };
    const resolveDef = (it, d) => {
        if (d.kind === 'record') d.fields = d.fields.map(([n, t]) => [n, resolve(it, t)]);
        if (d.kind === 'variant') d.cases = d.cases.map(([n, t]) => [n, t && resolve(it, t)]);
    };
    for (const it of Object.values(ifaces)) {
        for (const f of Object.values(it.funcs)) {
            f.params = f.params.map(([n, t]) => [n, resolve(it, t)]);
            f.result = resolve(it, f.result);
        }
    }
    return ifaces;
}

// --------------------------------------------------------- WAVE read ----

const camel = (s) => s.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const KEYWORDS = new Set(['true', 'false', 'some', 'none', 'ok', 'err', 'inf', 'nan']);
const TYPED = { u8: Uint8Array, s8: Int8Array, u16: Uint16Array, s16: Int16Array, u32: Uint32Array,
    s32: Int32Array, u64: BigUint64Array, s64: BigInt64Array, f32: Float32Array, f64: Float64Array };

class Reader {
    constructor(s) { this.s = s; this.i = 0; }
    ws() { while (/\s/.test(this.s[this.i] || '')) this.i++; }
    peek() { this.ws(); return this.s[this.i]; }
    eat(c) { if (this.peek() === c) { this.i++; return true; } return false; }
    expect(c) { if (!this.eat(c)) this.fail(`expected '${c}'`); }
    fail(msg) { throw new Error(`bad argument text at ${this.i} in ${JSON.stringify(this.s)}: ${msg}`); }
    word() {
        this.ws();
        const m = /^%?[A-Za-z0-9_.+-]+/.exec(this.s.slice(this.i));
        if (!m) this.fail('expected a word');
        this.i += m[0].length;
        return m[0];
    }
    label() { return this.word().replace(/^%/, ''); }
    quoted(q) {
        this.expect(q);
        let out = '';
        for (;;) {
            const c = this.s[this.i++];
            if (c === undefined) this.fail('unterminated');
            if (c === q) return out;
            if (c !== '\\') { out += c; continue; }
            const e = this.s[this.i++];
            if (e === 'u') {
                const m = /^\{([0-9a-fA-F]+)\}/.exec(this.s.slice(this.i));
                if (!m) this.fail('bad \\u escape');
                this.i += m[0].length;
                out += String.fromCodePoint(parseInt(m[1], 16));
            } else {
                out += { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" }[e] ?? this.fail(`bad escape \\${e}`);
            }
        }
    }
    value(t) {
        switch (t.kind) {
        case 'bool': { const w = this.word(); if (w !== 'true' && w !== 'false') this.fail('expected a bool'); return w === 'true'; }
        case 's8': case 'u8': case 's16': case 'u16': case 's32': case 'u32': return Number(this.word());
        case 's64': case 'u64': return BigInt(this.word());
        case 'f32': case 'f64': {
            const w = this.word();
            const v = w === 'nan' ? NaN : w === 'inf' ? Infinity : w === '-inf' ? -Infinity : Number(w);
            return t.kind === 'f32' ? Math.fround(v) : v;
        }
        case 'char': return this.quoted("'");
        case 'string': return this.quoted('"');
        case 'list': {
            this.expect('['); const a = [];
            while (!this.eat(']')) { a.push(this.value(t.elem)); this.eat(','); }
            const T = TYPED[t.elem.kind];
            return T ? T.from(a) : a;
        }
        case 'tuple': {
            this.expect('('); const a = t.elems.map((e, k) => { if (k) this.expect(','); return this.value(e); });
            this.eat(','); this.expect(')');
            return a;
        }
        case 'record': {
            this.expect('{'); const o = {};
            if (this.eat(':')) { this.expect('}'); return o; }
            while (!this.eat('}')) {
                const n = this.label(); this.expect(':');
                const f = t.fields.find(([fn]) => fn === n) || this.fail(`no field ${n}`);
                o[camel(n)] = this.value(f[1]); this.eat(',');
            }
            return o;
        }
        case 'flags': {
            this.expect('{'); const o = {};
            while (!this.eat('}')) { const n = this.label(); if (!t.names.includes(n)) this.fail(`no flag ${n}`); o[camel(n)] = true; this.eat(','); }
            return o;
        }
        case 'enum': { const n = this.label(); if (!t.cases.includes(n)) this.fail(`no case ${n}`); return n; }
        case 'variant': {
            const n = this.label();
            const c = t.cases.find(([cn]) => cn === n) || this.fail(`no case ${n}`);
            if (!c[1]) return { tag: n };
            this.expect('('); const v = this.value(c[1]); this.expect(')');
            return { tag: n, val: v };
        }
        case 'option': {
            const n = this.word();
            const tagged = t.elem.kind === 'option';
            if (n === 'none') return tagged ? { tag: 'none' } : undefined;
            if (n !== 'some') this.fail('expected some or none');
            this.expect('('); const v = this.value(t.elem); this.expect(')');
            return tagged ? { tag: 'some', val: v } : v;
        }
        case 'result': {
            const n = this.word();
            if (n !== 'ok' && n !== 'err') this.fail('expected ok or err');
            const pt = n === 'ok' ? t.ok : t.err;
            let v;
            if (pt) { this.expect('('); v = this.value(pt); this.expect(')'); }
            return { tag: n, val: v };
        }
        default: this.fail(`cannot read a ${t.kind}`);
        }
    }
}

/* Splits "name(a, b)" into the name and the argument text. */
function splitCall(expr) {
    const open = expr.indexOf('(');
    if (open < 0 || !expr.trimEnd().endsWith(')')) throw new Error(`not a call: ${expr}`);
    return [expr.slice(0, open).trim(), expr.slice(open + 1, expr.trimEnd().length - 1)];
}

// -------------------------------------------------------- WAVE write ----

/* Rust's Display of a float: shortest round-trip digits, never an exponent. */
function plainDigits(s) {
    let neg = s.startsWith('-'); if (neg) s = s.slice(1);
    let [mant, exp] = s.split('e'); exp = Number(exp || 0);
    let [ip, fp = ''] = mant.split('.');
    let digits = ip + fp, point = ip.length + exp;
    digits = digits.replace(/^0+/, (z) => { point -= z.length; return ''; }) || '0';
    if (digits === '0') return (neg ? '-' : '') + '0';
    let out;
    if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
    else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
    else out = digits.slice(0, point) + '.' + digits.slice(point);
    if (out.includes('.')) out = out.replace(/0+$/, '').replace(/\.$/, '');
    return (neg ? '-' : '') + out;
}
function fmtFloat(v, f32) {
    if (Number.isNaN(v)) return 'nan';
    if (v === Infinity) return 'inf';
    if (v === -Infinity) return '-inf';
    if (v === 0) return Object.is(v, -0) ? '-0' : '0';
    let s = String(v);
    if (f32) {
        for (let p = 1; p <= 9; p++) {
            const c = v.toPrecision(p);
            if (Math.fround(Number(c)) === v) { s = c; break; }
        }
    }
    return plainDigits(s);
}
function fmtChar(c) {
    if ('\\"\'\t\r\n'.includes(c)) return { '\\': '\\\\', '"': '\\"', "'": "\\'", '\t': '\\t', '\r': '\\r', '\n': '\\n' }[c];
    if (/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Mn}\p{Me}]|[^\P{Zs} ]/u.test(c)) return `\\u{${c.codePointAt(0).toString(16)}}`;
    return c;
}
const fmtName = (n) => (KEYWORDS.has(n) ? '%' + n : n);

function wave(v, t) {
    switch (t.kind) {
    case 'bool': return v ? 'true' : 'false';
    case 's8': case 'u8': case 's16': case 'u16': case 's32': case 'u32': case 's64': case 'u64': return String(v);
    case 'f32': return fmtFloat(v, true);
    case 'f64': return fmtFloat(v, false);
    case 'char': return `'${fmtChar(v)}'`;
    case 'string': return `"${[...v].map(fmtChar).join('')}"`;
    case 'list': return `[${Array.from(v, (e) => wave(e, t.elem)).join(', ')}]`;
    case 'tuple': return `(${t.elems.map((e, k) => wave(v[k], e)).join(', ')})`;
    case 'record': {
        const parts = [];
        for (const [n, ft] of t.fields) {
            const fv = v[camel(n)];
            if (ft.kind === 'option' && isNone(fv, ft)) continue;
            parts.push(`${n}: ${wave(fv, ft)}`);
        }
        return parts.length ? `{${parts.join(', ')}}` : '{:}';
    }
    case 'flags': return `{${t.names.filter((n) => v[camel(n)]).join(', ')}}`;
    case 'enum': return fmtName(v);
    case 'variant': {
        const c = t.cases.find(([n]) => n === v.tag);
        return fmtName(v.tag) + (c[1] ? `(${wave(v.val, c[1])})` : '');
    }
    case 'option':
        if (isNone(v, t)) return 'none';
        return `some(${wave(t.elem.kind === 'option' ? v.val : v, t.elem)})`;
    case 'result': {
        const pt = v.tag === 'ok' ? t.ok : t.err;
        return v.tag + (pt ? `(${wave(v.val, pt)})` : '');
    }
    case 'resource': case 'own': case 'borrow': return 'resource';
    default: throw new Error(`cannot print a ${t.kind}`);
    }
}
const isNone = (v, t) => (t.elem.kind === 'option' ? v.tag === 'none' : v === undefined);

// ------------------------------------------------------ the echo host ----

/* wasmhttpd:test/host-echo as its WIT comments define it. */
function echoHost(log) {
    const id = (x) => x;
    return {
        echoString: id, echoBytes: id, echoStrings: id, echoPair: id, echoPairs: id, echoItem: id,
        echoOption: id, echoMode: id, echoPerms: id,
        echoResult: (r) => { if (r.tag === 'err') throw r.val; return r.val; },
        echoNumbers: (...a) => a,
        echoMany: (...a) => [a.slice(0, 16).reduce((s, x) => s + BigInt(x), 0n), a[16]],
        note: (msg) => { log.push(msg); },
    };
}

// -------------------------------------------------------------- main ----

async function main() {
    const argv = process.argv.slice(2);
    const reuse = argv[0] === '--reuse';
    if (reuse) argv.shift();
    const [witFile, jsFile, ...exprs] = argv;
    if (!exprs.length) {
        console.error("usage: node ref.mjs [--reuse] WIT_FILE TRANSPILED_JS 'iface#func(args)' …");
        process.exit(2);
    }
    const wit = readWit(readFileSync(witFile, 'utf8'));
    const mod = await import(pathToFileURL(jsFile).href);
    const dir = dirname(jsFile);
    const cores = new Map();
    const getCoreModule = (name) => {
        if (!cores.has(name)) cores.set(name, WebAssembly.compile(readFileSync(join(dir, name))));
        return cores.get(name);
    };
    let status = 0, inst = null;
    for (const expr of exprs) {
        try {
            const [full, argText] = splitCall(expr);
            const hash = full.lastIndexOf('#');
            const ifaceId = hash < 0 ? '' : full.slice(0, hash), fname = full.slice(hash + 1);
            const it = Object.values(wit).find((x) => x.name === ifaceId);
            if (!it || !it.funcs[fname]) throw new Error(`no function ${full} in the WIT`);
            const f = it.funcs[fname];
            const rd = new Reader(argText);
            const args = f.params.map(([, t], k) => { if (k) rd.expect(','); return rd.value(t); });
            rd.eat(','); if (rd.peek() !== undefined) rd.fail('trailing text');
            if (!inst || !reuse) {
                const host = echoHost([]);
                inst = await mod.instantiate(getCoreModule, {
                    'wasmhttpd:test/host-echo': host, 'wasmhttpd:test/host-echo@0.1.0': host,
                });
            }
            const target = ifaceId ? inst[ifaceId] : inst;
            const fn = target && target[camel(fname)];
            if (typeof fn !== 'function') throw new Error(`the component has no export ${full}`);
            let r;
            try {
                r = fn(...args);
                if (f.result && f.result.kind === 'result') r = { tag: 'ok', val: r };
            } catch (e) {
                if (f.result && f.result.kind === 'result' && e && 'payload' in e) r = { tag: 'err', val: e.payload };
                else throw e;
            }
            console.log(f.result ? wave(r, f.result) : '');
        } catch (e) {
            console.log(`error: ${String(e && e.message ? e.message : e).replace(/\n/g, ' ')}`);
            status = 1;
            inst = null;
        }
    }
    process.exit(status);
}

main();
