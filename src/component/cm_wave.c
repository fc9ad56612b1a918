/*
 * cm_wave.c — reading WAVE, the WebAssembly Value Encoding (the text form
 * of component values that `wasmtime run --invoke` takes; grammar in the
 * wasm-wave README and wave_ebnf.md of bytecodealliance/wasm-tools).
 *
 * The parser is driven by the expected type: WAVE alone cannot tell a bool
 * from an enum case or an option's flat `some` from its payload, the type
 * can. It reads tokens on demand from a small lexer (which validates
 * strings, chars and labels as it meets them) and builds the cm_val_t tree
 * in the caller's arena. Every error names a byte offset into the text and
 * what was expected there.
 */
#include "cm_wit.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Values nested deeper than this are refused (the parser recurses). */
#define MAX_DEPTH 100

enum {
    T_EOF,
    T_PUNCT,  /* one of { } ( ) [ ] : , */
    T_NUMBER, /* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? or -inf */
    T_LABEL,  /* a label or keyword, maybe with '%' */
    T_CHAR,
    T_STRING,
    T_MLSTRING, /* """ … """ */
};

typedef struct {
    int kind;
    size_t start, end; /* the token's text, '%' and quotes included */
    bool pct;
    uint32_t ch; /* T_CHAR: the value */
} tok;

typedef struct {
    const char *src;
    size_t len, pos;
    wh_arena_t *arena;
    wh_err_t *err;
    int depth;
} wv;

static wh_rc fail(wv *p, wh_rc rc, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static wh_rc fail(wv *p, wh_rc rc, size_t at, const char *fmt, ...)
{
    char msg[220];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return wh_err(p->err, rc, (int64_t)at, "at %zu: %s", at, msg);
}

#define NOMEM() wh_err(p->err, WH_NOMEM, -1, "out of memory")
/* ---- Lexer ---- */

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static size_t skip_space_at(const char *s, size_t len, size_t i)
{
    while (i < len) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
            i++;
        else if (s[i] == '/' && i + 1 < len && s[i + 1] == '/')
            while (i < len && s[i] != '\n')
                i++;
        else
            break;
    }
    return i;
}

/* Reads the escape at s[i] == '\\': \' \" \\ \t \n \r \u{X…} (1 to 6 hex
 * digits naming a Unicode scalar value). */
static wh_rc escape(wv *p, size_t i, uint32_t *cp, size_t *n)
{
    const char *s = p->src;
    if (i + 1 >= p->len)
        return fail(p, WH_ARG, i, "unfinished escape");
    switch (s[i + 1]) {
    case '\'':
    case '"':
    case '\\':
        *cp = (uint8_t)s[i + 1];
        *n = 2;
        return WH_OK;
    case 't':
        *cp = '\t';
        *n = 2;
        return WH_OK;
    case 'n':
        *cp = '\n';
        *n = 2;
        return WH_OK;
    case 'r':
        *cp = '\r';
        *n = 2;
        return WH_OK;
    case 'u': {
        size_t j = i + 2;
        if (j >= p->len || s[j] != '{')
            return fail(p, WH_ARG, i, "expected \\u{hex digits}");
        j++;
        uint32_t v = 0;
        size_t digits = 0;
        while (j < p->len && s[j] != '}') {
            char c = s[j];
            int d = is_digit(c)            ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (d < 0 || ++digits > 6)
                return fail(p, WH_ARG, i, "expected \\u{1 to 6 hex digits}");
            v = v << 4 | (uint32_t)d;
            j++;
        }
        if (j >= p->len || digits == 0)
            return fail(p, WH_ARG, i, "expected \\u{1 to 6 hex digits}");
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
            return fail(p, WH_ARG, i, "\\u{%x} is not a Unicode scalar value", (unsigned)v);
        *cp = v;
        *n = j + 1 - i;
        return WH_OK;
    }
    default:
        return fail(p, WH_ARG, i, "unknown escape \"\\%c\" (use \\' \\\" \\\\ \\t \\n \\r \\u{…})",
                    s[i + 1] >= 0x20 && s[i + 1] < 0x7f ? s[i + 1] : '?');
    }
}

/* One character of a char or string literal at s[i] (not the closing
 * quote): an escape or a UTF-8 scalar value. */
static wh_rc literal_char(wv *p, size_t i, uint32_t *cp, size_t *n)
{
    if (p->src[i] == '\\')
        return escape(p, i, cp, n);
    *n = wh_utf8_decode((const uint8_t *)p->src + i, p->len - i, cp);
    if (*n == 0)
        return fail(p, WH_ARG, i, "invalid UTF-8");
    return WH_OK;
}

/* Decodes a string or multiline string token into dst (which has room for
 * the token's length; decoding never grows text), or only checks it when
 * dst is NULL. Multiline strings (README "Multiline Strings"): the opening
 * """ is followed by a line break; the closing """ is preceded by a line
 * break and spaces only, whose count is the indent every other line must
 * have and loses; the line breaks after the opening and before the closing
 * delimiter are not part of the value. */
static wh_rc decode_string(wv *p, tok t, char *dst, size_t *out_len)
{
    const char *s = p->src;
    size_t n = 0;
    if (t.kind == T_STRING) {
        for (size_t i = t.start + 1; i < t.end - 1;) {
            uint32_t cp;
            size_t k;
            TRY(literal_char(p, i, &cp, &k));
            if (dst)
                n += s[i] == '\\' ? wh_utf8_encode(cp, dst + n) : (memcpy(dst + n, s + i, k), k);
            i += k;
        }
        *out_len = n;
        return WH_OK;
    }
    size_t b = t.start + 3, e = t.end - 3; /* the text between the delimiters */
    size_t first = b;
    if (first < e && s[first] == '\r')
        first++;
    if (first >= e || s[first] != '\n')
        return fail(p, WH_ARG, t.start, "a \"\"\" string starts a new line right after \"\"\"");
    first++;
    /* The last line holds only the indent before the closing """. */
    size_t last_nl = e - 1;
    while (s[last_nl] != '\n')
        last_nl--;
    for (size_t i = last_nl + 1; i < e; i++)
        if (s[i] != ' ')
            return fail(p, WH_ARG, e,
                        "the closing \"\"\" must be on a line of its own, after spaces only");
    size_t indent = e - (last_nl + 1);
    if (last_nl < first) {
        *out_len = 0; /* """, line break, """: the empty string */
        return WH_OK;
    }
    /* The lines between, each losing the indent, joined by '\n'. */
    for (size_t i = first;;) {
        size_t eol = i;
        while (s[eol] != '\n')
            eol++;
        size_t end = eol > i && s[eol - 1] == '\r' ? eol - 1 : eol;
        for (size_t k = 0; k < indent; k++, i++)
            if (i >= end || s[i] != ' ')
                return fail(p, WH_ARG, i,
                            "each line of a \"\"\" string starts with at least the %zu spaces "
                            "before the closing \"\"\"",
                            indent);
        while (i < end) {
            uint32_t cp;
            size_t k;
            TRY(literal_char(p, i, &cp, &k));
            if (dst)
                n += s[i] == '\\' ? wh_utf8_encode(cp, dst + n) : (memcpy(dst + n, s + i, k), k);
            i += k;
        }
        if (eol == last_nl)
            break;
        if (dst)
            dst[n++] = '\n';
        i = eol + 1;
    }
    *out_len = n;
    return WH_OK;
}

/* The token at p->pos, not consumed. Malformed tokens are errors here. */
static wh_rc peek(wv *p, tok *t)
{
    const char *s = p->src;
    size_t i = p->pos = skip_space_at(s, p->len, p->pos);
    *t = (tok){.start = i, .end = i};
    if (i >= p->len) {
        t->kind = T_EOF;
        return WH_OK;
    }
    char c = s[i];
    if (strchr("{}()[]:,", c)) {
        t->kind = T_PUNCT;
        t->end = i + 1;
        return WH_OK;
    }
    if (c == '-' || is_digit(c)) {
        size_t j = i + (c == '-');
        if (c == '-' && p->len - j >= 3 && memcmp(s + j, "inf", 3) == 0 &&
            !(j + 3 < p->len && (is_alnum(s[j + 3]) || s[j + 3] == '-'))) {
            t->kind = T_NUMBER;
            t->end = j + 3;
            return WH_OK;
        }
        if (j >= p->len || !is_digit(s[j]))
            return fail(p, WH_ARG, i, "expected a digit or \"inf\" after \"-\"");
        if (s[j] == '0' && j + 1 < p->len && is_digit(s[j + 1]))
            return fail(p, WH_ARG, i, "numbers have no leading zeros");
        while (j < p->len && is_digit(s[j]))
            j++;
        if (j < p->len && s[j] == '.') {
            j++;
            if (j >= p->len || !is_digit(s[j]))
                return fail(p, WH_ARG, j, "expected a digit after \".\"");
            while (j < p->len && is_digit(s[j]))
                j++;
        }
        if (j < p->len && (s[j] == 'e' || s[j] == 'E')) {
            j++;
            if (j < p->len && (s[j] == '+' || s[j] == '-'))
                j++;
            if (j >= p->len || !is_digit(s[j]))
                return fail(p, WH_ARG, j, "expected the exponent's digits");
            while (j < p->len && is_digit(s[j]))
                j++;
        }
        if (j < p->len && (is_alnum(s[j]) || s[j] == '.' || s[j] == '-' || s[j] == '_'))
            return fail(p, WH_ARG, i, "malformed number \"%.*s\"",
                        (int)(j + 1 - i > 40 ? 40 : j + 1 - i), s + i);
        t->kind = T_NUMBER;
        t->end = j;
        return WH_OK;
    }
    if (c == '%' || is_alnum(c)) {
        size_t j = i + (c == '%');
        while (j < p->len && (is_alnum(s[j]) || s[j] == '-'))
            j++;
        size_t b = i + (c == '%');
        if (!cm__label_valid(s + b, j - b))
            return fail(p, WH_ARG, i,
                        "\"%.*s\" is not a label: words of lower-case or upper-case letters and "
                        "digits, joined by '-', the first starting with a letter",
                        (int)(j - i > 40 ? 40 : j - i), s + i);
        t->kind = T_LABEL;
        t->pct = c == '%';
        t->end = j;
        return WH_OK;
    }
    if (c == '\'') {
        size_t j = i + 1;
        if (j >= p->len || s[j] == '\n')
            return fail(p, WH_ARG, i, "unterminated char literal");
        if (s[j] == '\'')
            return fail(p, WH_ARG, i, "empty char literal (a quote is written '\\'')");
        size_t k;
        TRY(literal_char(p, j, &t->ch, &k));
        j += k;
        if (j >= p->len || s[j] != '\'')
            return fail(p, WH_ARG, i, "a char literal holds exactly one character");
        t->kind = T_CHAR;
        t->end = j + 1;
        return WH_OK;
    }
    if (c == '"') {
        if (p->len - i >= 3 && memcmp(s + i, "\"\"\"", 3) == 0) {
            const char *close = NULL;
            for (size_t j = i + 3; j + 3 <= p->len; j++)
                if (memcmp(s + j, "\"\"\"", 3) == 0) {
                    close = s + j;
                    break;
                }
            if (!close)
                return fail(p, WH_ARG, i, "unterminated \"\"\" string");
            t->kind = T_MLSTRING;
            t->end = (size_t)(close - s) + 3;
        } else {
            size_t j = i + 1;
            while (j < p->len && s[j] != '"' && s[j] != '\n')
                j += s[j] == '\\' && j + 1 < p->len ? 2 : 1;
            if (j >= p->len || s[j] != '"')
                return fail(p, WH_ARG, i,
                            "unterminated string (a line break inside is written \\n)");
            t->kind = T_STRING;
            t->end = j + 1;
        }
        size_t n;
        return decode_string(p, *t, NULL, &n);
    }
    unsigned char u = (unsigned char)c;
    if (u < 0x20 || u >= 0x7f)
        return fail(p, WH_ARG, i, "unexpected byte 0x%02x", u);
    return fail(p, WH_ARG, i, "unexpected character '%c'", c);
}

static void take(wv *p, tok t)
{
    p->pos = t.end;
}

static bool is_punct(wv *p, tok t, char c)
{
    return t.kind == T_PUNCT && p->src[t.start] == c;
}

static bool is_word(wv *p, tok t, const char *w)
{
    return t.kind == T_LABEL && !t.pct && cm__name_eq(w, p->src + t.start, t.end - t.start);
}

/* WAVE's keywords, which a case label must write with '%'. */
static bool is_keyword(const char *s, size_t n)
{
    static const char *const kw[] = {"true", "false", "some", "none", "ok", "err", "inf", "nan"};
    for (size_t i = 0; i < WH_ARRAY_LEN(kw); i++)
        if (cm__name_eq(kw[i], s, n))
            return true;
    return false;
}

static void describe(wv *p, tok t, char *buf, size_t cap)
{
    switch (t.kind) {
    case T_EOF:
        snprintf(buf, cap, "end of input");
        return;
    case T_CHAR:
        snprintf(buf, cap, "a char");
        return;
    case T_STRING:
    case T_MLSTRING:
        snprintf(buf, cap, "a string");
        return;
    default: {
        size_t n = t.end - t.start;
        snprintf(buf, cap, "\"%.*s%s\"", (int)(n > 40 ? 40 : n), p->src + t.start,
                 n > 40 ? "..." : "");
    }
    }
}

static wh_rc expected(wv *p, tok t, const char *what)
{
    char found[64];
    describe(p, t, found, sizeof found);
    return fail(p, WH_ARG, t.start, "expected %s, found %s", what, found);
}

static wh_rc expected_type(wv *p, tok t, const cm_type_t *ty)
{
    char name[96];
    return expected(p, t, cm__wit_type_str(ty, name, sizeof name));
}

static wh_rc expect_punct(wv *p, char c)
{
    tok t;
    TRY(peek(p, &t));
    if (!is_punct(p, t, c)) {
        char what[8] = {'"', c, '"', 0};
        return expected(p, t, what);
    }
    take(p, t);
    return WH_OK;
}

/* ---- Values ---- */

static wh_rc value(wv *p, const cm_type_t *t, cm_val_t *out);

static wh_rc integer(wv *p, tok t, const cm_type_t *ty, cm_val_t *out)
{
    const char *s = p->src + t.start;
    size_t n = t.end - t.start;
    if (t.kind != T_NUMBER || memchr(s, '.', n) || memchr(s, 'e', n) || memchr(s, 'E', n) ||
        memchr(s, 'i', n))
        return expected_type(p, t, ty);
    static const struct {
        uint8_t bits;
        bool sign;
    } info[] = {
        [CM_S8] = {8, true},    [CM_U8] = {8, false},   [CM_S16] = {16, true},
        [CM_U16] = {16, false}, [CM_S32] = {32, true},  [CM_U32] = {32, false},
        [CM_S64] = {64, true},  [CM_U64] = {64, false},
    };
    bool neg = s[0] == '-';
    uint64_t mag = 0;
    bool over = false;
    for (size_t i = neg; i < n; i++) {
        uint64_t d = (uint64_t)(s[i] - '0');
        if (mag > (UINT64_MAX - d) / 10)
            over = true;
        else
            mag = mag * 10 + d;
    }
    unsigned bits = info[ty->kind].bits;
    bool sign = info[ty->kind].sign;
    uint64_t max = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    if (sign)
        max >>= 1;
    /* A signed type reaches one further below zero than above it. */
    uint64_t limit = neg ? (sign ? max + 1 : 0) : max;
    if (over || mag > limit) {
        char range[64];
        if (sign)
            snprintf(range, sizeof range, "-%llu to %llu", (unsigned long long)max + 1,
                     (unsigned long long)max);
        else
            snprintf(range, sizeof range, "0 to %llu", (unsigned long long)max);
        return fail(p, WH_ARG, t.start, "%.*s is out of range for %s (%s)", (int)(n > 40 ? 40 : n),
                    s, cm_prim((cm_kind)ty->kind)->name, range);
    }
    if (sign)
        out->of.s = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    else
        out->of.u = mag;
    return WH_OK;
}

static wh_rc floating(wv *p, tok t, const cm_type_t *ty, cm_val_t *out)
{
    bool f32 = ty->kind == CM_F32;
    double d;
    float f;
    if (is_word(p, t, "nan")) {
        d = NAN;
        f = NAN;
    } else if (is_word(p, t, "inf")) {
        d = INFINITY;
        f = INFINITY;
    } else if (t.kind == T_NUMBER) {
        size_t n = t.end - t.start;
        char *z = wh_arena_alloc(p->arena, n + 1);
        if (!z)
            return NOMEM();
        memcpy(z, p->src + t.start, n);
        z[n] = 0;
        /* Like the reference parser, a finite literal too large for the
         * type reads as an infinity, and one too small as zero.  strtof
         * rounds once, straight to float. */
        if (strcmp(z, "-inf") == 0) {
            d = -INFINITY;
            f = -INFINITY;
        } else {
            d = strtod(z, NULL);
            f = strtof(z, NULL);
        }
    } else {
        return expected_type(p, t, ty);
    }
    if (f32)
        out->of.f32 = f;
    else
        out->of.f64 = d;
    return WH_OK;
}

static wh_rc string(wv *p, tok t, const cm_type_t *ty, cm_val_t *out)
{
    if (t.kind != T_STRING && t.kind != T_MLSTRING)
        return expected_type(p, t, ty);
    char *dst = wh_arena_alloc(p->arena, t.end - t.start + 1);
    if (!dst)
        return NOMEM();
    size_t n;
    TRY(decode_string(p, t, dst, &n));
    out->of.str.ptr = dst;
    out->of.str.len = n;
    return WH_OK;
}

/* Grows an arena array to hold one more value (doubling; old copies stay
 * in the arena, at most doubling the space used). */
static bool grow(wv *p, cm_val_t **arr, uint32_t *cap, uint32_t n)
{
    if (n < *cap)
        return true;
    if (*cap >= UINT32_MAX / 2)
        return false;
    uint32_t ncap = *cap ? *cap * 2 : 4;
    cm_val_t *a = wh_arena_alloc(p->arena, (size_t)ncap * sizeof *a);
    if (!a)
        return false;
    if (n)
        memcpy(a, *arr, n * sizeof *a);
    *arr = a;
    *cap = ncap;
    return true;
}

/* open value, value, … close — a trailing comma allowed. For a tuple the
 * types are elems (exactly n of them); for a list, every element is elem. */
static wh_rc sequence(wv *p, const cm_type_t *ty, size_t open_at, char close, cm_val_t *out)
{
    bool tuple = ty->kind == CM_TUPLE, fixed = ty->kind == CM_FIXED_LIST;
    /* a map is written as the list of (key, value) tuples it is
     * (CanonicalABI.md despecialize): WAVE has no syntax of its own for it */
    cm_type_t entry = {.kind = CM_TUPLE, .n = 2, .elems = ty->elems};
    const cm_type_t *et = ty->kind == CM_MAP ? &entry : ty->elems[0];
    cm_val_t *vals = NULL;
    uint32_t n = 0, cap = 0;
    for (;;) {
        tok t;
        TRY(peek(p, &t));
        if (is_punct(p, t, close)) {
            take(p, t);
            break;
        }
        if ((tuple && n == ty->n) || (fixed && n == ty->length)) {
            char name[96];
            return fail(p, WH_ARG, t.start, "too many values for %s (it has %u)",
                        cm__wit_type_str(ty, name, sizeof name),
                        (unsigned)(tuple ? ty->n : ty->length));
        }
        if (!grow(p, &vals, &cap, n))
            return NOMEM();
        TRY(value(p, tuple ? ty->elems[n] : et, &vals[n]));
        n++;
        TRY(peek(p, &t));
        if (is_punct(p, t, ',')) {
            take(p, t);
            continue;
        }
        if (is_punct(p, t, close)) {
            take(p, t);
            break;
        }
        char what[16];
        snprintf(what, sizeof what, "\",\" or \"%c\"", close);
        return expected(p, t, what);
    }
    if ((tuple && n != ty->n) || (fixed && n != ty->length)) {
        char name[96];
        return fail(p, WH_ARG, open_at, "%s has %u values, found %u",
                    cm__wit_type_str(ty, name, sizeof name), (unsigned)(tuple ? ty->n : ty->length),
                    (unsigned)n);
    }
    if (cm_type_is_bytes(ty)) { /* kept as bytes (cm.h) */
        uint8_t *b = wh_arena_alloc(p->arena, n ? n : 1);
        if (!b)
            return NOMEM();
        for (uint32_t i = 0; i < n; i++)
            b[i] = (uint8_t)vals[i].of.u;
        out->of.bytes.ptr = b;
        out->of.bytes.n = n;
        return WH_OK;
    }
    out->of.list.v = vals;
    out->of.list.n = n;
    return WH_OK;
}

/* A label token's text without the '%'. */
static const char *label_text(wv *p, tok t, size_t *n)
{
    *n = t.end - t.start - t.pct;
    return p->src + t.start + t.pct;
}

static int find_label(const cm_type_t *ty, const char *s, size_t n)
{
    for (uint32_t i = 0; i < ty->n; i++)
        if (cm__name_eq(ty->labels[i], s, n))
            return (int)i;
    return -1;
}

/* Lists a type's labels for a message ("a, b, c"). */
static const char *label_list(const cm_type_t *ty, char *buf, size_t cap)
{
    cm__out o = {.buf = buf, .cap = cap};
    buf[0] = 0;
    for (uint32_t i = 0; i < ty->n; i++) {
        if (i)
            cm__puts(&o, ", ");
        cm__puts(&o, ty->labels[i]);
    }
    if (cap > 4 && o.len == cap - 1)
        memcpy(buf + cap - 4, "...", 4);
    return buf;
}

/* An optional "(" payload ")" after a case label. */
static wh_rc payload(wv *p, tok label, const cm_type_t *pt, cm_val_t **out)
{
    tok t;
    TRY(peek(p, &t));
    size_t n;
    const char *s = label_text(p, label, &n);
    *out = NULL;
    if (!pt) {
        if (is_punct(p, t, '('))
            return fail(p, WH_ARG, t.start, "%.*s has no payload", (int)n, s);
        return WH_OK;
    }
    if (!is_punct(p, t, '('))
        return fail(p, WH_ARG, label.start, "%.*s needs a payload: %.*s(…)", (int)n, s, (int)n, s);
    take(p, t);
    cm_val_t *v = wh_arena_calloc(p->arena, sizeof *v);
    if (!v)
        return NOMEM();
    TRY(value(p, pt, v));
    TRY(expect_punct(p, ')'));
    *out = v;
    return WH_OK;
}

/* A variant or enum case label. */
static wh_rc case_label(wv *p, tok t, const cm_type_t *ty, uint32_t *out)
{
    if (t.kind != T_LABEL)
        return expected_type(p, t, ty);
    size_t n;
    const char *s = label_text(p, t, &n);
    int i = find_label(ty, s, n);
    if (!t.pct && is_keyword(s, n)) {
        if (i >= 0)
            return fail(p, WH_ARG, t.start,
                        "\"%.*s\" is a WAVE keyword: the case is written %%%.*s", (int)n, s, (int)n,
                        s);
        return expected_type(p, t, ty);
    }
    if (i < 0) {
        char name[96], cases[120];
        return fail(p, WH_ARG, t.start, "%s has no case \"%.*s\" (cases: %s)",
                    cm__wit_type_str(ty, name, sizeof name), (int)(n > 40 ? 40 : n), s,
                    label_list(ty, cases, sizeof cases));
    }
    *out = (uint32_t)i;
    return WH_OK;
}

/* Options and results may be written "flat" (the payload alone) unless the
 * payload is itself an option or result, which would be ambiguous. */
static bool flattenable(const cm_type_t *t)
{
    return t && t->kind != CM_OPTION && t->kind != CM_RESULT;
}

static wh_rc record(wv *p, tok open, const cm_type_t *ty, cm_val_t *out)
{
    /* Zeroed: kind 0 marks a field not given yet. */
    cm_val_t *fields = ty->n ? wh_arena_calloc(p->arena, ty->n * sizeof *fields) : NULL;
    if (ty->n && !fields)
        return NOMEM();
    tok t;
    TRY(peek(p, &t));
    if (is_punct(p, t, ':')) {
        /* {:} is the record with every field omitted. */
        take(p, t);
        TRY(expect_punct(p, '}'));
    } else if (is_punct(p, t, '}')) {
        return fail(p, WH_ARG, open.start,
                    "{} is an empty flags value; a record with every field omitted is {:}");
    } else {
        for (;;) {
            TRY(peek(p, &t));
            if (t.kind != T_LABEL)
                return expected(p, t, "a field name");
            size_t n;
            const char *s = label_text(p, t, &n);
            int i = find_label(ty, s, n);
            if (i < 0) {
                char name[96], names[120];
                return fail(p, WH_ARG, t.start, "%s has no field \"%.*s\" (fields: %s)",
                            cm__wit_type_str(ty, name, sizeof name), (int)(n > 40 ? 40 : n), s,
                            label_list(ty, names, sizeof names));
            }
            if (fields[i].kind)
                return fail(p, WH_ARG, t.start, "field %.*s given twice", (int)n, s);
            take(p, t);
            TRY(expect_punct(p, ':'));
            TRY(value(p, ty->elems[i], &fields[i]));
            TRY(peek(p, &t));
            if (is_punct(p, t, ',')) {
                take(p, t);
                TRY(peek(p, &t));
                if (is_punct(p, t, '}')) {
                    take(p, t);
                    break;
                }
                continue;
            }
            if (is_punct(p, t, '}')) {
                take(p, t);
                break;
            }
            return expected(p, t, "\",\" or \"}\"");
        }
    }
    for (uint32_t i = 0; i < ty->n; i++) {
        if (fields[i].kind)
            continue;
        if (ty->elems[i]->kind != CM_OPTION)
            return fail(p, WH_ARG, open.start, "missing field %s", ty->labels[i]);
        fields[i].kind = CM_OPTION; /* omitted: none */
    }
    out->of.list.v = fields;
    out->of.list.n = ty->n;
    return WH_OK;
}

static wh_rc flags(wv *p, tok open, const cm_type_t *ty, cm_val_t *out)
{
    uint32_t bits = 0;
    for (;;) {
        tok t;
        TRY(peek(p, &t));
        if (is_punct(p, t, '}')) {
            take(p, t);
            break;
        }
        if (t.kind != T_LABEL)
            return expected(p, t, "a flag name or \"}\"");
        size_t n;
        const char *s = label_text(p, t, &n);
        int i = find_label(ty, s, n);
        if (i < 0) {
            char name[96], names[120];
            return fail(p, WH_ARG, t.start, "%s has no flag \"%.*s\" (flags: %s)",
                        cm__wit_type_str(ty, name, sizeof name), (int)(n > 40 ? 40 : n), s,
                        label_list(ty, names, sizeof names));
        }
        if (bits & (UINT32_C(1) << i))
            return fail(p, WH_ARG, t.start, "flag %.*s given twice", (int)n, s);
        bits |= UINT32_C(1) << i;
        take(p, t);
        TRY(peek(p, &t));
        if (is_punct(p, t, ',')) {
            take(p, t);
            continue;
        }
        if (is_punct(p, t, '}')) {
            take(p, t);
            break;
        }
        if (is_punct(p, t, ':')) {
            char name[96];
            return fail(p, WH_ARG, open.start, "expected %s (flags), found a record",
                        cm__wit_type_str(ty, name, sizeof name));
        }
        return expected(p, t, "\",\" or \"}\"");
    }
    out->of.flags = bits;
    return WH_OK;
}

static wh_rc value_of(wv *p, const cm_type_t *ty, tok t, cm_val_t *out);

/* The payload of an option or result written flat: the token t already
 * read starts it. */
static wh_rc flat_payload(wv *p, const cm_type_t *ty, tok t, cm_val_t **out)
{
    cm_val_t *v = wh_arena_calloc(p->arena, sizeof *v);
    if (!v)
        return NOMEM();
    v->kind = ty->kind;
    *out = v;
    return value_of(p, ty, t, v);
}

static wh_rc value_of(wv *p, const cm_type_t *ty, tok t, cm_val_t *out)
{
    switch (ty->kind) {
    case CM_BOOL:
        if (is_word(p, t, "true") || is_word(p, t, "false")) {
            take(p, t);
            out->of.b = p->src[t.start] == 't';
            return WH_OK;
        }
        return expected_type(p, t, ty);
    case CM_S8:
    case CM_U8:
    case CM_S16:
    case CM_U16:
    case CM_S32:
    case CM_U32:
    case CM_S64:
    case CM_U64:
        TRY(integer(p, t, ty, out));
        take(p, t);
        return WH_OK;
    case CM_F32:
    case CM_F64:
        TRY(floating(p, t, ty, out));
        take(p, t);
        return WH_OK;
    case CM_CHAR:
        if (t.kind != T_CHAR)
            return expected_type(p, t, ty);
        take(p, t);
        out->of.ch = t.ch;
        return WH_OK;
    case CM_STRING:
        TRY(string(p, t, ty, out));
        take(p, t);
        return WH_OK;
    case CM_LIST:
    case CM_FIXED_LIST:
    case CM_MAP:
    case CM_TUPLE: {
        char open = ty->kind == CM_TUPLE ? '(' : '[';
        if (!is_punct(p, t, open))
            return expected_type(p, t, ty);
        take(p, t);
        return sequence(p, ty, t.start, open == '[' ? ']' : ')', out);
    }
    case CM_RECORD:
        if (!is_punct(p, t, '{'))
            return expected_type(p, t, ty);
        take(p, t);
        return record(p, t, ty, out);
    case CM_FLAGS:
        if (ty->n > 32)
            return fail(p, WH_UNSUPPORTED, t.start, "flags with more than 32 names");
        if (!is_punct(p, t, '{'))
            return expected_type(p, t, ty);
        take(p, t);
        return flags(p, t, ty, out);
    case CM_VARIANT:
    case CM_ENUM:
        TRY(case_label(p, t, ty, &out->of.var.tag));
        take(p, t);
        return payload(p, t, ty->kind == CM_VARIANT ? ty->elems[out->of.var.tag] : NULL,
                       &out->of.var.v);
    case CM_OPTION:
        if (is_word(p, t, "some") || is_word(p, t, "none")) {
            take(p, t);
            out->of.var.tag = p->src[t.start] == 's';
            return payload(p, t, out->of.var.tag ? ty->elems[0] : NULL, &out->of.var.v);
        }
        if (!flattenable(ty->elems[0]))
            return expected(p, t, "some(…) or none");
        out->of.var.tag = 1;
        return flat_payload(p, ty->elems[0], t, &out->of.var.v);
    case CM_RESULT:
        if (is_word(p, t, "ok") || is_word(p, t, "err")) {
            take(p, t);
            out->of.var.tag = p->src[t.start] == 'e';
            return payload(p, t, ty->elems[out->of.var.tag], &out->of.var.v);
        }
        if (!flattenable(ty->elems[0]))
            return expected(p, t, ty->elems[0] ? "ok(…) or err(…)" : "ok or err");
        out->of.var.tag = 0;
        return flat_payload(p, ty->elems[0], t, &out->of.var.v);
    case CM_OWN:
    case CM_BORROW: {
        char name[96];
        return fail(p, WH_UNSUPPORTED, t.start,
                    "%s is a resource handle, which WAVE cannot write; a resource can only be "
                    "passed from a value the component returned",
                    cm__wit_type_str(ty, name, sizeof name));
    }
    default: {
        char name[96];
        return fail(p, WH_UNSUPPORTED, t.start, "values of type %s cannot be written in WAVE",
                    cm__wit_type_str(ty, name, sizeof name));
    }
    }
}

static wh_rc value(wv *p, const cm_type_t *ty, cm_val_t *out)
{
    tok t;
    TRY(peek(p, &t));
    if (p->depth >= MAX_DEPTH)
        return fail(p, WH_ARG, t.start, "values nested more than %d deep", MAX_DEPTH);
    /* value_of recurses through option and result payloads without
     * coming back here, so the depth counts those too. */
    p->depth++;
    memset(out, 0, sizeof *out);
    out->kind = ty->kind;
    wh_rc rc = value_of(p, ty, t, out);
    p->depth--;
    return rc;
}

wh_rc cm_wave_parse(const char *text, size_t len, const cm_type_t *t, wh_arena_t *arena,
                    cm_val_t *out, wh_err_t *err)
{
    wv p = {.src = text, .len = len, .arena = arena, .err = err};
    wh_rc rc = value(&p, t, out);
    if (rc)
        return rc;
    tok end;
    TRY(peek(&p, &end));
    if (end.kind != T_EOF)
        return expected(&p, end, "end of input after the value");
    return WH_OK;
}

/* ---- Function calls ---- */

wh_rc cm_wave_split_call(const char *text, wh_arena_t *arena, const char **out_name,
                         size_t *out_name_len, const char ***out_args, size_t **out_arg_lens,
                         uint32_t *out_nargs, wh_err_t *err)
{
    wv pv = {.src = text, .len = strlen(text), .err = err}, *p = &pv;
    const char *s = text;
    size_t len = pv.len;
    *out_nargs = 0;
    *out_args = NULL;
    *out_arg_lens = NULL;
    size_t b = skip_space_at(s, len, 0), i = b;
    while (i < len && s[i] != '(')
        i++;
    size_t e = i;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n' || s[e - 1] == '\r'))
        e--;
    if (e == b)
        return fail(p, WH_ARG, b, "expected a function name");
    for (size_t k = b; k < e; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c <= ' ' || strchr(")[]{},\"'", c))
            return fail(p, WH_ARG, k,
                        "unexpected %s in the function name (arguments go in "
                        "parentheses: name(arg, …))",
                        c <= ' ' ? "space" : "character");
    }
    *out_name = s + b;
    *out_name_len = e - b;
    if (i == len)
        return WH_OK; /* a bare name: no arguments */

    /* Count at most one argument per top-level comma, plus one. */
    uint32_t cap = 1;
    for (size_t k = i; k < len; k++)
        cap += s[k] == ',';
    const char **args = wh_arena_alloc(arena, cap * sizeof *args);
    size_t *lens = wh_arena_alloc(arena, cap * sizeof *lens);
    if (!args || !lens)
        return NOMEM();
    char stack[MAX_DEPTH];
    int depth = 0;
    uint32_t n = 0;
    size_t arg = i + 1;
    for (size_t k = i + 1;; k++) {
        k = skip_space_at(s, len, k);
        if (k >= len)
            return fail(p, WH_ARG, i, "unclosed \"(\" of the argument list");
        char c = s[k];
        if (c == '"' || c == '\'') {
            /* Skip a literal; its content may hold brackets and commas. */
            if (c == '"' && len - k >= 3 && memcmp(s + k, "\"\"\"", 3) == 0) {
                const char *close = strstr(s + k + 3, "\"\"\"");
                if (!close)
                    return fail(p, WH_ARG, k, "unterminated \"\"\" string");
                k = (size_t)(close - s) + 2;
                continue;
            }
            size_t j = k + 1;
            while (j < len && s[j] != c && s[j] != '\n')
                j += s[j] == '\\' && j + 1 < len ? 2 : 1;
            if (j >= len || s[j] != c)
                return fail(p, WH_ARG, k, "unterminated %s", c == '"' ? "string" : "char literal");
            k = j;
            continue;
        }
        if (c == '(' || c == '[' || c == '{') {
            if (depth == MAX_DEPTH)
                return fail(p, WH_ARG, k, "values nested more than %d deep", MAX_DEPTH);
            stack[depth++] = c == '(' ? ')' : c == '[' ? ']' : '}';
            continue;
        }
        if (c == ')' || c == ']' || c == '}') {
            if (depth > 0) {
                if (stack[depth - 1] != c)
                    return fail(p, WH_ARG, k, "expected \"%c\", found \"%c\"", stack[depth - 1], c);
                depth--;
                continue;
            }
            if (c != ')')
                return fail(p, WH_ARG, k, "unexpected \"%c\"", c);
        } else if (c != ',' || depth > 0) {
            continue;
        }
        /* A top-level ',' or the closing ')': one argument ends at k. */
        size_t ab = skip_space_at(s, len, arg), ae = k;
        while (ae > ab &&
               (s[ae - 1] == ' ' || s[ae - 1] == '\t' || s[ae - 1] == '\n' || s[ae - 1] == '\r'))
            ae--;
        if (ab == ae) {
            /* Nothing: fine for "()" and after a trailing comma. */
            if (c == ',')
                return fail(p, WH_ARG, k, "expected an argument before \",\"");
        } else {
            args[n] = s + ab;
            lens[n] = ae - ab;
            n++;
        }
        arg = k + 1;
        if (c == ')') {
            size_t rest = skip_space_at(s, len, k + 1);
            if (rest < len)
                return fail(p, WH_ARG, rest, "unexpected text after the argument list");
            break;
        }
    }
    *out_args = args;
    *out_arg_lens = lens;
    *out_nargs = n;
    return WH_OK;
}
