// types.js — wasmhttpd:test/types-test (world `types`) in JavaScript, built
// into a component with componentize-js. It must answer exactly as
// ../c/types.c does: the case table runs the same calls against both.
//
// componentize-js maps WIT to JS as jco does: s64/u64 are BigInt, list<u8>
// a Uint8Array (list<s32> an Int32Array, list<u64> a BigUint64Array),
// records objects with camelCase fields, variants {tag, val}, enums
// strings, flags objects of booleans, option<T> T or undefined (the outer
// level of option<option<T>> is {tag, val}), and a result return value is
// ok, a thrown value err.

const id = (x) => x;
const fail = (e) => {
    throw e;
};
// C's %g for the plain values the cases use
const g = (v) => String(Number(v.toPrecision(6)));
const codePoints = (s) => [...s];
const utf8Size = (s) =>
    codePoints(s).reduce((n, c) => {
        const cp = c.codePointAt(0);
        return n + (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);
    }, 0);
const wideNames = Array.from({ length: 32 }, (_, i) => `w${i}`);
const nineNames = Array.from({ length: 9 }, (_, i) => `n${i}`);
const fromBits = (names, bits) => {
    const o = {};
    names.forEach((n, i) => {
        if (bits & (1 << i)) o[n] = true;
    });
    return o;
};
const count = (o) => Object.values(o).filter(Boolean).length;
const levels = ['low', 'mid', 'high'];
const colors = ['red', 'green', 'blue'];

export const typesTest = {
    echoBool: id,
    echoS8: id,
    echoU8: id,
    echoS16: id,
    echoU16: id,
    echoS32: id,
    echoU32: id,
    echoS64: id,
    echoU64: id,
    echoF32: id,
    echoF64: id,
    echoChar: id,
    echoString: id,
    echoBytes: id,
    echoStrings: id,
    echoPoints: id,
    echoU64s: id,
    echoPerson: id,
    echoMixed: id,
    echoTuple: id,
    echoShape: id,
    echoLevel: id,
    echoColor: id,
    echoOption: id,
    echoOptionString: id,
    echoOptionOption: id,
    echoResult: (r) => (r.tag === 'ok' ? r.val : fail(r.val)),
    echoResultOk: (r) => (r.tag === 'ok' ? r.val : fail(r.val)),
    echoResultErr: (r) => (r.tag === 'ok' ? undefined : fail(r.val)),
    echoResultEmpty: (r) => (r.tag === 'ok' ? undefined : fail(r.val)),
    echoOne: id,
    echoEight: id,
    echoNine: id,
    echoWide: id,
    echoShapes: id,
    echoOptions: id,

    not: (x) => !x,
    addS8: (a, b) => ((a + b) << 24) >> 24,
    addU16: (a, b) => (a + b) & 0xffff,
    addS32: (a, b) => (a + b) | 0,
    addU32: (a, b) => (a + b) >>> 0,
    addS64: (a, b) => BigInt.asIntN(64, a + b),
    addU64: (a, b) => BigInt.asUintN(64, a + b),
    mulF32: (a, b) => Math.fround(a * b),
    divF64: (a, b) => a / b,
    oddNan32: () => NaN,
    oddNan64: () => NaN,
    nextChar: (c) => {
        const cp = c.codePointAt(0);
        return String.fromCodePoint(cp === 0xd7ff ? 0xe000 : cp === 0x10ffff ? 0 : cp + 1);
    },
    stringSize: (s) => [codePoints(s).length, utf8Size(s)],
    upper: (s) => s.replace(/[a-z]/g, (c) => c.toUpperCase()),
    reverse: (s) => codePoints(s).reverse().join(''),
    join: (parts, sep) => parts.join(sep),
    split: (s, sep) => s.split(sep),
    charAt: (s, i) => codePoints(s)[i],
    sumBytes: (x) => x.reduce((a, b) => a + b, 0),
    rangeBytes: (n) => Uint8Array.from({ length: n }, (_, i) => i & 255),
    sumPoints: (ps) => ps.reduce((s, p) => ({ x: s.x + p.x, y: s.y + p.y }), { x: 0, y: 0 }),
    describe: (p) =>
        `${p.name} (${p.age}) at (${p.home.x}, ${p.home.y}) tags [${p.tags.join(',')}] nick ${p.nick ?? '-'}`,
    makePerson: (name, age) => ({
        name,
        age,
        tags: [name, 'made'],
        home: { x: age, y: -age },
        nick: age >= 18 ? 'adult' : undefined,
    }),
    describeMixed: (m) => `a=${m.a} b=${m.b} c=${m.c} d=${g(m.d)} e=${m.e} f=${m.f}`,
    area: (s) => {
        switch (s.tag) {
        case 'circle':
            return 3 * s.val * s.val;
        case 'rect':
            return Math.abs(s.val.x * s.val.y);
        case 'label':
            return codePoints(s.val).length;
        default:
            return 0;
        }
    },
    makeShape: (kind) =>
        [
            { tag: 'circle', val: 1.5 },
            { tag: 'rect', val: { x: 2, y: -3 } },
            { tag: 'label', val: 'made' },
        ][kind] ?? { tag: 'empty' },
    raise: (l) => ({ tag: levels[Math.min(levels.indexOf(l.tag) + 1, 2)] }),
    nextColor: (c) => colors[(colors.indexOf(c) + 1) % 3],
    unwrapOr: (x, d) => x ?? d,
    depth: (x) => (x.tag === 'none' ? 0 : x.val === undefined ? 1 : 2),
    halve: (n) => (n % 2 === 0 ? n / 2 : fail('odd')),
    check: (ok) => (ok ? undefined : fail('not ok')),
    wideBits: (f) => wideNames.reduce((b, n, i) => (f[n] ? b | (1 << i) : b), 0) >>> 0,
    wideFromBits: (bits) => fromBits(wideNames, bits),
    nineFromBits: (bits) => fromBits(nineNames, bits & 0x1ff),
    countFlags: (a, b, c, d) => count(a) + count(b) + count(c) + count(d),
    many: (a, b, c, d, e, f, gg, h, i, j, k, l, m, n, o, p) =>
        `${a} ${b} ${c} ${d} ${e} ${f} ${gg} ${h} ${g(i)} ${g(j)} ${k} ${l} ${m} [${[...n].join(',')}] ` +
        `${o === undefined ? 'none' : `some(${o})`} ${p}`,
    sum17: (...a) => a.reduce((s, x) => s + BigInt(x), 0n),
    sum16: (...a) => a.reduce((s, x) => s + BigInt(x), 0n),
    divmod: (a, b) => (b ? [Math.floor(a / b), a % b] : [0, 0]),
    stats: (x) => {
        const a = [...x];
        const sum = a.reduce((s, v) => s + v, 0);
        return [a.length ? Math.min(...a) : 0, a.length ? Math.max(...a) : 0, sum / a.length, a.length];
    },
};
