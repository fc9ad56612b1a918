/*
 * cm_wit.c — WIT text for types and functions (WIT.md): printing any
 * cm_type_t, and parsing the type expressions, type definitions and
 * function signatures the host linker declares host functions with.
 *
 * The parser is recursive descent over a small lexer; it makes every type
 * in the caller's arena and computes its canonical ABI layout at once
 * (cm__layout), so a parsed type is ready for lifting and lowering. Names
 * of other types and of resources are resolved through the caller's scope
 * as they are met; nothing here keeps state between calls.
 */
#include "cm_wit.h"

#include <stdarg.h>
#include <string.h>

/* ---- Output ---- */

void cm__put(cm__out *o, const char *s, size_t n)
{
    if (o->f) {
        fwrite(s, 1, n, o->f);
        return;
    }
    if (!o->buf || o->cap == 0)
        return;
    size_t room = o->cap - 1 - o->len;
    if (n > room)
        n = room;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = 0;
}

void cm__puts(cm__out *o, const char *s)
{
    cm__put(o, s, strlen(s));
}

void cm__printf(cm__out *o, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        cm__put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* ---- Names ---- */

bool cm__name_eq(const char *a, const char *s, size_t n)
{
    return a && strncmp(a, s, n) == 0 && a[n] == 0;
}

static bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}
static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}
static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool cm__label_valid(const char *s, size_t n)
{
    size_t i = 0;
    bool first = true;
    for (;;) {
        /* One word: the first starts with a letter, later ones may start
         * with a digit; letters are all lower or all upper case. */
        if (i >= n || !(is_lower(s[i]) || is_upper(s[i]) || (!first && is_digit(s[i]))))
            return false;
        int kase = 0; /* 1 lower, 2 upper, 0 not seen yet */
        while (i < n && s[i] != '-') {
            char c = s[i];
            if (is_lower(c)) {
                if (kase == 2)
                    return false;
                kase = 1;
            } else if (is_upper(c)) {
                if (kase == 1)
                    return false;
                kase = 2;
            } else if (!is_digit(c)) {
                return false;
            }
            i++;
        }
        if (i == n)
            return true;
        i++; /* the '-' */
        first = false;
    }
}

bool cm__wit_keyword(const char *s, size_t n)
{
    /* WIT.md "Keywords", with error-context (a type name of the async
     * additions). */
    static const char *const kw[] = {
        "as",       "async",     "bool",    "borrow",   "char",   "constructor", "enum",
        "export",   "f32",       "f64",     "flags",    "from",   "func",        "future",
        "import",   "include",   "interface", "list",   "map",    "option",      "own",
        "package",  "record",    "resource", "result",  "s16",    "s32",         "s64",
        "s8",       "static",    "stream",  "string",   "tuple",  "type",        "u16",
        "u32",      "u64",       "u8",      "use",      "variant", "with",       "world",
        "error-context",
    };
    for (size_t i = 0; i < WH_ARRAY_LEN(kw); i++)
        if (cm__name_eq(kw[i], s, n))
            return true;
    return false;
}

/* ---- Printing ---- */

static void put_ident(cm__out *o, const char *name)
{
    if (cm__wit_keyword(name, strlen(name)))
        cm__put(o, "%", 1);
    cm__puts(o, name);
}

static void put_resource(cm__out *o, const cm_resource_t *r)
{
    if (r && r->name)
        put_ident(o, r->name);
    else
        cm__printf(o, "resource-%u", r ? (unsigned)r->id : 0u);
}

/* The labelled body of a record, variant, enum or flags type, for a type
 * that has no name to print instead. */
static void put_body(cm__out *o, const cm_type_t *t, const char *what)
{
    cm__puts(o, what);
    cm__puts(o, " { ");
    for (uint32_t i = 0; i < t->n; i++) {
        if (i)
            cm__puts(o, ", ");
        put_ident(o, t->labels[i] ? t->labels[i] : "?");
        const cm_type_t *e = t->elems ? t->elems[i] : NULL;
        if (t->kind == CM_RECORD) {
            cm__puts(o, ": ");
            cm__wit_type(o, e);
        } else if (t->kind == CM_VARIANT && e) {
            cm__puts(o, "(");
            cm__wit_type(o, e);
            cm__puts(o, ")");
        }
    }
    cm__puts(o, t->n ? " }" : "}");
}

void cm__wit_type(cm__out *o, const cm_type_t *t)
{
    if (!t) {
        cm__puts(o, "_");
        return;
    }
    const cm_type_t *prim = cm_prim((cm_kind)t->kind);
    if (prim && (!t->name || strcmp(t->name, prim->name) == 0)) {
        cm__puts(o, prim->name);
        return;
    }
    if (t->name) {
        put_ident(o, t->name);
        return;
    }
    /* list and option keep their element in elems[0] whatever n says;
     * stream and future may have none. */
    const cm_type_t *e0 = t->elems && (t->n || t->kind == CM_LIST || t->kind == CM_OPTION)
                              ? t->elems[0]
                              : NULL;
    switch (t->kind) {
    case CM_LIST:
        cm__puts(o, "list<");
        cm__wit_type(o, e0);
        cm__puts(o, ">");
        return;
    case CM_OPTION:
        cm__puts(o, "option<");
        cm__wit_type(o, e0);
        cm__puts(o, ">");
        return;
    case CM_RESULT: {
        const cm_type_t *ok = t->elems ? t->elems[0] : NULL, *er = t->elems ? t->elems[1] : NULL;
        cm__puts(o, "result");
        if (ok || er) {
            cm__puts(o, "<");
            cm__wit_type(o, ok); /* "_" when there is no ok type */
            if (er) {
                cm__puts(o, ", ");
                cm__wit_type(o, er);
            }
            cm__puts(o, ">");
        }
        return;
    }
    case CM_TUPLE:
        cm__puts(o, "tuple<");
        for (uint32_t i = 0; i < t->n; i++) {
            if (i)
                cm__puts(o, ", ");
            cm__wit_type(o, t->elems[i]);
        }
        cm__puts(o, ">");
        return;
    case CM_OWN: /* WIT writes an owned handle as the resource's name */
        put_resource(o, t->res);
        return;
    case CM_BORROW:
        cm__puts(o, "borrow<");
        put_resource(o, t->res);
        cm__puts(o, ">");
        return;
    case CM_STREAM:
    case CM_FUTURE:
        cm__puts(o, t->kind == CM_STREAM ? "stream" : "future");
        if (e0) {
            cm__puts(o, "<");
            cm__wit_type(o, e0);
            cm__puts(o, ">");
        }
        return;
    case CM_FIXED_LIST:
        cm__puts(o, "list<");
        cm__wit_type(o, t->elems[0]);
        cm__printf(o, ", %u>", (unsigned)t->length);
        return;
    case CM_MAP:
        cm__puts(o, "map<");
        cm__wit_type(o, t->elems[0]);
        cm__puts(o, ", ");
        cm__wit_type(o, t->elems[1]);
        cm__puts(o, ">");
        return;
    case CM_RECORD:
        put_body(o, t, "record");
        return;
    case CM_VARIANT:
        put_body(o, t, "variant");
        return;
    case CM_ENUM:
        put_body(o, t, "enum");
        return;
    case CM_FLAGS:
        put_body(o, t, "flags");
        return;
    default:
        cm__printf(o, "<type kind %u>", (unsigned)t->kind);
        return;
    }
}

const char *cm__wit_type_str(const cm_type_t *t, char *buf, size_t cap)
{
    cm__out o = {.buf = buf, .cap = cap};
    if (cap)
        buf[0] = 0;
    cm__wit_type(&o, t);
    /* Mark a cut-off type so that a message does not mislead. */
    if (cap > 4 && o.len == cap - 1)
        memcpy(buf + cap - 4, "...", 4);
    return buf;
}

void cm_wit_print_type(FILE *out, const cm_type_t *t)
{
    cm__out o = {.f = out};
    cm__wit_type(&o, t);
}

void cm_wit_print_func(FILE *out, const char *name, const cm_functype_t *f)
{
    cm__out o = {.f = out};
    if (name) {
        put_ident(&o, name);
        cm__puts(&o, ": ");
    }
    cm__puts(&o, "func(");
    for (uint32_t i = 0; i < f->nparams; i++) {
        if (i)
            cm__puts(&o, ", ");
        put_ident(&o, f->names && f->names[i] ? f->names[i] : "?");
        cm__puts(&o, ": ");
        cm__wit_type(&o, f->params[i]);
    }
    cm__puts(&o, ")");
    if (f->result) {
        cm__puts(&o, " -> ");
        cm__wit_type(&o, f->result);
    }
}

/* ---- Parsing ---- */

enum { T_EOF, T_ID, T_PUNCT, T_ARROW, T_NUM, T_BAD };

typedef struct {
    int kind;
    size_t start, end; /* the whole token, '%' included */
    bool pct;          /* an identifier written with '%' */
} tok;

typedef struct {
    const char *src;
    size_t len, pos;
    const cm__wit_scope *scope;
    wh_arena_t *arena;
    wh_err_t *err;
    int depth;
} wp;

/* Nesting deeper than this is refused: the parser recurses on it. */
#define MAX_DEPTH 100

static wh_rc fail(wp *p, wh_rc rc, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static wh_rc fail(wp *p, wh_rc rc, size_t at, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return wh_err(p->err, rc, (int64_t)at, "at %zu: %s", at, msg);
}

static void skip_space(wp *p)
{
    while (p->pos < p->len) {
        char c = p->src[p->pos];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            p->pos++;
        } else if (c == '/' && p->pos + 1 < p->len && p->src[p->pos + 1] == '/') {
            while (p->pos < p->len && p->src[p->pos] != '\n')
                p->pos++;
        } else if (c == '/' && p->pos + 1 < p->len && p->src[p->pos + 1] == '*') {
            size_t i = p->pos + 2;
            while (i + 1 < p->len && !(p->src[i] == '*' && p->src[i + 1] == '/'))
                i++;
            /* An unclosed comment runs to the end of the text. */
            p->pos = i + 1 < p->len ? i + 2 : p->len;
        } else {
            return;
        }
    }
}

static bool id_char(char c)
{
    return is_lower(c) || is_upper(c) || is_digit(c) || c == '-';
}

/* The next token, not consumed. */
static tok peek(wp *p)
{
    skip_space(p);
    tok t = {.start = p->pos, .end = p->pos};
    if (p->pos >= p->len) {
        t.kind = T_EOF;
        return t;
    }
    const char *s = p->src;
    size_t i = p->pos;
    if (s[i] == '%' || is_lower(s[i]) || is_upper(s[i])) {
        t.pct = s[i] == '%';
        i += t.pct;
        while (i < p->len && id_char(s[i]))
            i++;
        t.kind = T_ID;
    } else if (s[i] == '-' && i + 1 < p->len && s[i + 1] == '>') {
        t.kind = T_ARROW;
        i += 2;
    } else if (strchr("<>,(){}:_", s[i])) {
        t.kind = T_PUNCT;
        i++;
    } else if (is_digit(s[i])) { /* a fixed-length list's length */
        while (i < p->len && is_digit(s[i]))
            i++;
        t.kind = T_NUM;
    } else {
        t.kind = T_BAD;
        i++;
    }
    t.end = i;
    return t;
}

static void take(wp *p, tok t)
{
    p->pos = t.end;
}

static const char *id_text(wp *p, tok t, size_t *n)
{
    *n = t.end - t.start - t.pct;
    return p->src + t.start + t.pct;
}

/* Describes a token for "found …" in a message. */
static void describe(wp *p, tok t, char *buf, size_t cap)
{
    if (t.kind == T_EOF) {
        snprintf(buf, cap, "end of input");
        return;
    }
    int n = (int)(t.end - t.start);
    if (n > 40)
        n = 40;
    unsigned char c = (unsigned char)p->src[t.start];
    if (t.kind == T_BAD && (c < 0x20 || c >= 0x7f))
        snprintf(buf, cap, "byte 0x%02x", c);
    else
        snprintf(buf, cap, "\"%.*s\"", n, p->src + t.start);
}

static wh_rc expected(wp *p, tok t, const char *what)
{
    char found[64];
    describe(p, t, found, sizeof found);
    return fail(p, WH_ARG, t.start, "expected %s, found %s", what, found);
}

static bool is_punct(tok t, wp *p, char c)
{
    return t.kind == T_PUNCT && p->src[t.start] == c;
}

static wh_rc expect_punct(wp *p, char c, const char *what)
{
    tok t = peek(p);
    if (!is_punct(t, p, c))
        return expected(p, t, what);
    take(p, t);
    return WH_OK;
}

/* Reads an identifier: a label, '%' allowed (and needed for a keyword). */
static wh_rc ident(wp *p, const char *what, const char **out, size_t *out_len, size_t *at)
{
    tok t = peek(p);
    if (t.kind != T_ID)
        return expected(p, t, what);
    size_t n;
    const char *s = id_text(p, t, &n);
    if (!cm__label_valid(s, n))
        return fail(p, WH_ARG, t.start,
                    "\"%.*s\" is not a WIT identifier: words of lower-case or upper-case "
                    "letters and digits, joined by '-', the first starting with a letter",
                    (int)(n > 60 ? 60 : n), s);
    if (!t.pct && cm__wit_keyword(s, n))
        return fail(p, WH_ARG, t.start, "expected %s, found keyword \"%.*s\" (write %%%.*s)",
                    what, (int)n, s, (int)n, s);
    take(p, t);
    *out = s;
    *out_len = n;
    if (at)
        *at = t.start;
    return WH_OK;
}

static char *dup_name(wp *p, const char *s, size_t n)
{
    char *d = wh_arena_alloc(p->arena, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* Grows an arena array to hold one more element (doubling; the old copy is
 * left in the arena, which at most doubles the space used). */
static bool grow(wp *p, void **arr, uint32_t *cap, uint32_t n, size_t elem)
{
    if (n < *cap)
        return true;
    uint32_t ncap = *cap ? *cap * 2 : 4;
    void *a = wh_arena_alloc(p->arena, ncap * elem);
    if (!a)
        return false;
    if (n)
        memcpy(a, *arr, n * elem);
    *arr = a;
    *cap = ncap;
    return true;
}

/* CanonicalABI.md: every value type's elem_size is below 2^28, which also
 * keeps cm__layout's 32-bit sums from overflowing. Element types were
 * checked when they were made; this bounds what t adds (64-bit sums). */
static bool too_large(const cm_type_t *t)
{
    uint64_t size = 0;
    switch (t->kind) {
    case CM_RECORD:
    case CM_TUPLE:
        for (uint32_t i = 0; i < t->n; i++)
            size += (uint64_t)t->elems[i]->size + t->elems[i]->align;
        break;
    case CM_VARIANT:
    case CM_OPTION:
    case CM_RESULT: {
        uint32_t n = t->kind == CM_OPTION ? 1 : t->kind == CM_RESULT ? 2 : t->n;
        for (uint32_t i = 0; i < n; i++)
            if (t->elems && t->elems[i] && t->elems[i]->size + 8ull > size)
                size = t->elems[i]->size + 8ull;
        break;
    }
    case CM_FIXED_LIST:
        size = (uint64_t)t->length * t->elems[0]->size;
        break;
    default:
        break;
    }
    return size >= (1u << 28);
}

static wh_rc finish(wp *p, cm_type_t *t, const cm_type_t **out)
{
    if (too_large(t))
        return fail(p, WH_INVALID, p->pos, "type is too large (elem_size 2^28 or more)");
    wh_rc rc = cm__layout(t, p->arena);
    if (rc == WH_NOMEM)
        return wh_err(p->err, WH_NOMEM, -1, "out of memory");
    if (rc)
        return fail(p, rc, p->pos, "cannot lay out this type");
    *out = t;
    return WH_OK;
}

static cm_type_t *new_type(wp *p, uint8_t kind, uint32_t n)
{
    cm_type_t *t = wh_arena_calloc(p->arena, sizeof *t);
    if (!t)
        return NULL;
    t->kind = kind;
    t->n = n;
    if (n) {
        t->elems = wh_arena_calloc(p->arena, n * sizeof *t->elems);
        if (!t->elems)
            return NULL;
    }
    return t;
}

#define NOMEM() wh_err(p->err, WH_NOMEM, -1, "out of memory")
static wh_rc type_expr(wp *p, const cm_type_t **out);

static wh_rc resource_name(wp *p, uint8_t kind, size_t at, const char *s, size_t n,
                           const cm_type_t **out)
{
    const cm_resource_t *r =
        p->scope && p->scope->resource ? p->scope->resource(p->scope->ctx, s, n) : NULL;
    if (!r) {
        const cm_type_t *ty = p->scope && p->scope->type ? p->scope->type(p->scope->ctx, s, n) : NULL;
        if (ty)
            return fail(p, WH_INVALID, at, "%s needs a resource, and %.*s is not one",
                        kind == CM_BORROW ? "borrow" : "own", (int)n, s);
        return fail(p, WH_NOTFOUND, at, "unknown resource \"%.*s\"", (int)n, s);
    }
    cm_type_t *t = new_type(p, kind, 0);
    if (!t)
        return NOMEM();
    t->res = r;
    return finish(p, t, out);
}

static wh_rc handle(wp *p, uint8_t kind, const cm_type_t **out)
{
    const char *s;
    size_t n, at;
    TRY(expect_punct(p, '<', "\"<\""));
    TRY(ident(p, "a resource name", &s, &n, &at));
    TRY(resource_name(p, kind, at, s, n, out));
    return expect_punct(p, '>', "\">\"");
}

static wh_rc result_type(wp *p, const cm_type_t **out)
{
    cm_type_t *t = new_type(p, CM_RESULT, 0);
    const cm_type_t **el = wh_arena_calloc(p->arena, 2 * sizeof *el);
    if (!t || !el)
        return NOMEM();
    t->elems = el;
    tok lt = peek(p);
    if (is_punct(lt, p, '<')) {
        take(p, lt);
        tok u = peek(p);
        if (is_punct(u, p, '_')) {
            take(p, u);
            TRY(expect_punct(p, ',', "\",\" and the error type (result<_, E>)"));
            TRY(type_expr(p, &el[1]));
        } else {
            TRY(type_expr(p, &el[0]));
            tok c = peek(p);
            if (is_punct(c, p, ',')) {
                take(p, c);
                TRY(type_expr(p, &el[1]));
            }
        }
        TRY(expect_punct(p, '>', "\">\""));
    }
    return finish(p, t, out);
}

static wh_rc tuple_type(wp *p, const cm_type_t **out)
{
    TRY(expect_punct(p, '<', "\"<\""));
    const cm_type_t **el = NULL;
    uint32_t n = 0, cap = 0;
    for (;;) {
        tok t = peek(p);
        if (n > 0 && is_punct(t, p, '>')) {
            take(p, t);
            break;
        }
        if (!grow(p, (void **)&el, &cap, n, sizeof *el))
            return NOMEM();
        TRY(type_expr(p, &el[n]));
        n++;
        t = peek(p);
        if (is_punct(t, p, ',')) {
            take(p, t);
            continue;
        }
        if (is_punct(t, p, '>')) {
            take(p, t);
            break;
        }
        return expected(p, t, "\",\" or \">\"");
    }
    cm_type_t *t = new_type(p, CM_TUPLE, 0);
    if (!t)
        return NOMEM();
    t->n = n;
    t->elems = el;
    return finish(p, t, out);
}

static const struct {
    const char *name;
    uint8_t kind;
} prims[] = {
    {"bool", CM_BOOL}, {"s8", CM_S8},   {"u8", CM_U8},   {"s16", CM_S16},   {"u16", CM_U16},
    {"s32", CM_S32},   {"u32", CM_U32}, {"s64", CM_S64}, {"u64", CM_U64},   {"f32", CM_F32},
    {"f64", CM_F64},   {"char", CM_CHAR}, {"string", CM_STRING},
};

/* The N of list<T, N> (WIT.md): a length from 1 to 2^32 - 1. */
static wh_rc fixed_length(wp *p, cm_type_t *ty)
{
    tok t = peek(p);
    if (t.kind != T_NUM)
        return expected(p, t, "a list length");
    uint64_t v = 0;
    for (size_t i = t.start; i < t.end && v <= UINT32_MAX; i++)
        v = v * 10 + (uint64_t)(p->src[i] - '0');
    if (v == 0 || v > UINT32_MAX)
        return fail(p, WH_INVALID, t.start, "a fixed-length list's length must be from 1 to %u",
                    UINT32_MAX);
    take(p, t);
    ty->kind = CM_FIXED_LIST;
    ty->length = (uint32_t)v;
    return WH_OK;
}

/* map<K, V>, K a boolean, an integer, a char or a string (Explainer.md
 * keytype). */
static wh_rc map_type(wp *p, const cm_type_t **out)
{
    cm_type_t *ty = new_type(p, CM_MAP, 2);
    if (!ty)
        return NOMEM();
    TRY(expect_punct(p, '<', "\"<\""));
    size_t at = peek(p).start;
    TRY(type_expr(p, &ty->elems[0]));
    uint8_t k = ty->elems[0]->kind;
    if (!((k >= CM_BOOL && k <= CM_U64) || k == CM_CHAR || k == CM_STRING))
        return fail(p, WH_INVALID, at,
                    "map key type must be a boolean, an integer, a char or a string");
    TRY(expect_punct(p, ',', "\",\""));
    TRY(type_expr(p, &ty->elems[1]));
    TRY(expect_punct(p, '>', "\">\""));
    return finish(p, ty, out);
}

static wh_rc type_expr(wp *p, const cm_type_t **out)
{
    *out = NULL;
    tok t = peek(p);
    if (t.kind != T_ID)
        return expected(p, t, "a type");
    if (p->depth >= MAX_DEPTH)
        return fail(p, WH_ARG, t.start, "types nested more than %d deep", MAX_DEPTH);
    size_t n;
    const char *s = id_text(p, t, &n);
    if (!t.pct && cm__wit_keyword(s, n)) {
        take(p, t);
        for (size_t i = 0; i < WH_ARRAY_LEN(prims); i++)
            if (cm__name_eq(prims[i].name, s, n)) {
                *out = cm_prim((cm_kind)prims[i].kind);
                return WH_OK;
            }
        wh_rc rc;
        p->depth++;
        if (cm__name_eq("list", s, n) || cm__name_eq("option", s, n)) {
            cm_type_t *ty = new_type(p, s[0] == 'l' ? CM_LIST : CM_OPTION, 1);
            if (!ty)
                return NOMEM();
            rc = expect_punct(p, '<', "\"<\"");
            if (!rc)
                rc = type_expr(p, &ty->elems[0]);
            tok c = peek(p);
            if (!rc && ty->kind == CM_LIST && is_punct(c, p, ',')) {
                take(p, c);
                rc = fixed_length(p, ty);
            }
            if (!rc)
                rc = expect_punct(p, '>', "\">\"");
            if (!rc)
                rc = finish(p, ty, out);
        } else if (cm__name_eq("map", s, n)) {
            rc = map_type(p, out);
        } else if (cm__name_eq("result", s, n)) {
            rc = result_type(p, out);
        } else if (cm__name_eq("tuple", s, n)) {
            rc = tuple_type(p, out);
        } else if (cm__name_eq("borrow", s, n)) {
            rc = handle(p, CM_BORROW, out);
        } else if (cm__name_eq("own", s, n)) {
            rc = handle(p, CM_OWN, out);
        } else if (cm__name_eq("stream", s, n) || cm__name_eq("future", s, n) ||
                   cm__name_eq("error-context", s, n)) {
            rc = fail(p, WH_UNSUPPORTED, t.start, "%.*s types are not supported", (int)n, s);
        } else {
            rc = fail(p, WH_ARG, t.start,
                      "expected a type, found keyword \"%.*s\" (a type of that name is "
                      "written %%%.*s)",
                      (int)n, s, (int)n, s);
        }
        p->depth--;
        return rc;
    }
    if (!cm__label_valid(s, n))
        return fail(p, WH_ARG, t.start, "\"%.*s\" is not a WIT identifier", (int)(n > 60 ? 60 : n),
                    s);
    take(p, t);
    const cm_type_t *ty = p->scope && p->scope->type ? p->scope->type(p->scope->ctx, s, n) : NULL;
    if (ty) {
        *out = ty;
        return WH_OK;
    }
    const cm_resource_t *r =
        p->scope && p->scope->resource ? p->scope->resource(p->scope->ctx, s, n) : NULL;
    if (r)
        return resource_name(p, CM_OWN, t.start, s, n, out);
    return fail(p, WH_NOTFOUND, t.start, "unknown type \"%.*s\"", (int)n, s);
}

static wh_rc at_end(wp *p)
{
    tok t = peek(p);
    if (t.kind != T_EOF)
        return expected(p, t, "end of input");
    return WH_OK;
}

static void start(wp *p, const char *src, size_t len, const cm__wit_scope *scope,
                  wh_arena_t *arena, wh_err_t *err)
{
    *p = (wp){.src = src, .len = len, .scope = scope, .arena = arena, .err = err};
}

wh_rc cm__wit_parse_type(const char *src, size_t len, const cm__wit_scope *scope,
                         wh_arena_t *arena, const cm_type_t **out, wh_err_t *err)
{
    wp p;
    start(&p, src, len, scope, arena, err);
    const cm_type_t *t = NULL;
    wh_rc rc = type_expr(&p, &t);
    if (!rc)
        rc = at_end(&p);
    *out = rc ? NULL : t;
    return rc;
}

/* The labelled items of record, variant, enum and flags: "{" item, … "}",
 * a trailing comma allowed, at least one item, no label twice. */
static wh_rc labelled(wp *p, uint8_t kind, cm_type_t *t)
{
    TRY(expect_punct(p, '{', "\"{\""));
    const char **labels = NULL;
    const cm_type_t **elems = NULL;
    uint32_t n = 0, lcap = 0, ecap = 0;
    const char *what = kind == CM_RECORD    ? "a field name"
                       : kind == CM_FLAGS ? "a flag name"
                                          : "a case name";
    for (;;) {
        tok c = peek(p);
        if (n > 0 && is_punct(c, p, '}')) {
            take(p, c);
            break;
        }
        const char *s;
        size_t sl, at;
        TRY(ident(p, what, &s, &sl, &at));
        for (uint32_t i = 0; i < n; i++)
            if (cm__name_eq(labels[i], s, sl))
                return fail(p, WH_INVALID, at, "\"%.*s\" appears twice", (int)sl, s);
        if (!grow(p, (void **)&labels, &lcap, n, sizeof *labels) ||
            !grow(p, (void **)&elems, &ecap, n, sizeof *elems) || !(labels[n] = dup_name(p, s, sl)))
            return NOMEM();
        elems[n] = NULL;
        if (kind == CM_RECORD) {
            TRY(expect_punct(p, ':', "\":\" and the field's type"));
            TRY(type_expr(p, &elems[n]));
        } else if (kind == CM_VARIANT) {
            tok o = peek(p);
            if (is_punct(o, p, '(')) {
                take(p, o);
                TRY(type_expr(p, &elems[n]));
                TRY(expect_punct(p, ')', "\")\""));
            }
        }
        n++;
        c = peek(p);
        if (is_punct(c, p, ',')) {
            take(p, c);
            continue;
        }
        if (is_punct(c, p, '}')) {
            take(p, c);
            break;
        }
        return expected(p, c, "\",\" or \"}\"");
    }
    if (kind == CM_FLAGS && n > 32)
        return fail(p, WH_INVALID, p->pos, "flags have at most 32 names, these have %u",
                    (unsigned)n);
    t->n = n;
    t->labels = labels;
    t->elems = kind == CM_RECORD || kind == CM_VARIANT ? elems : NULL;
    return WH_OK;
}

wh_rc cm__wit_parse_typedef(const char *name, const char *src, size_t len,
                            const cm__wit_scope *scope, wh_arena_t *arena, const cm_type_t **out,
                            bool *out_is_resource, wh_err_t *err)
{
    wp p;
    start(&p, src, len, scope, arena, err);
    *out = NULL;
    if (out_is_resource)
        *out_is_resource = false;
    if (!name || !cm__label_valid(name, strlen(name)))
        return wh_err(err, WH_ARG, -1,
                      "type name \"%s\" is not a WIT identifier (kebab-case, no '%%')",
                      name ? name : "(null)");
    tok t = peek(&p);
    size_t n = 0;
    const char *s = t.kind == T_ID ? id_text(&p, t, &n) : NULL;
    static const struct {
        const char *word;
        uint8_t kind;
    } defs[] = {{"record", CM_RECORD}, {"variant", CM_VARIANT}, {"enum", CM_ENUM}, {"flags", CM_FLAGS}};
    wh_rc rc;
    if (s && !t.pct && cm__name_eq("resource", s, n)) {
        take(&p, t);
        rc = at_end(&p);
        if (rc)
            return rc;
        if (!out_is_resource)
            return fail(&p, WH_INVALID, t.start, "a resource is not a value type");
        *out_is_resource = true;
        return WH_OK;
    }
    for (size_t i = 0; s && !t.pct && i < WH_ARRAY_LEN(defs); i++) {
        if (!cm__name_eq(defs[i].word, s, n))
            continue;
        take(&p, t);
        cm_type_t *ty = new_type(&p, defs[i].kind, 0);
        if (!ty)
            return wh_err(err, WH_NOMEM, -1, "out of memory");
        rc = labelled(&p, defs[i].kind, ty);
        if (!rc)
            rc = at_end(&p);
        if (!rc && !(ty->name = dup_name(&p, name, strlen(name))))
            return wh_err(err, WH_NOMEM, -1, "out of memory");
        if (!rc)
            rc = finish(&p, ty, out);
        if (rc)
            *out = NULL;
        return rc;
    }
    /* An alias: a copy of the aliased type that carries the new name. */
    const cm_type_t *aliased;
    rc = type_expr(&p, &aliased);
    if (!rc)
        rc = at_end(&p);
    if (rc)
        return rc;
    cm_type_t *ty = wh_arena_dup(arena, aliased, sizeof *ty);
    if (!ty || !(ty->name = dup_name(&p, name, strlen(name))))
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    *out = ty;
    return WH_OK;
}

wh_rc cm__wit_parse_func(const char *src, size_t len, const cm__wit_scope *scope,
                         wh_arena_t *arena, cm_functype_t **out, wh_err_t *err)
{
    wp p;
    start(&p, src, len, scope, arena, err);
    *out = NULL;
    tok t = peek(&p);
    size_t n = 0;
    const char *s = t.kind == T_ID && !t.pct ? id_text(&p, t, &n) : NULL;
    if (!s || !cm__name_eq("func", s, n))
        return expected(&p, t, "\"func\"");
    take(&p, t);
    wh_rc rc = expect_punct(&p, '(', "\"(\"");
    if (rc)
        return rc;
    const char **names = NULL;
    const cm_type_t **params = NULL;
    uint32_t np = 0, ncap = 0, pcap = 0;
    for (;;) {
        tok c = peek(&p);
        if (is_punct(c, &p, ')')) {
            take(&p, c);
            break;
        }
        const char *pn;
        size_t pl, at;
        if ((rc = ident(&p, "a parameter name or \")\"", &pn, &pl, &at)))
            return rc;
        for (uint32_t i = 0; i < np; i++)
            if (cm__name_eq(names[i], pn, pl))
                return fail(&p, WH_INVALID, at, "parameter \"%.*s\" appears twice", (int)pl, pn);
        if (!grow(&p, (void **)&names, &ncap, np, sizeof *names) ||
            !grow(&p, (void **)&params, &pcap, np, sizeof *params) ||
            !(names[np] = dup_name(&p, pn, pl)))
            return wh_err(err, WH_NOMEM, -1, "out of memory");
        if ((rc = expect_punct(&p, ':', "\":\" and the parameter's type")) ||
            (rc = type_expr(&p, &params[np])))
            return rc;
        np++;
        c = peek(&p);
        if (is_punct(c, &p, ',')) {
            take(&p, c);
            continue;
        }
        if (is_punct(c, &p, ')')) {
            take(&p, c);
            break;
        }
        return expected(&p, c, "\",\" or \")\"");
    }
    const cm_type_t *result = NULL;
    t = peek(&p);
    if (t.kind == T_ARROW) {
        take(&p, t);
        tok c = peek(&p);
        if (is_punct(c, &p, '('))
            return fail(&p, WH_ARG, c.start,
                        "expected a result type, found \"(\" (named results are no longer WIT)");
        if ((rc = type_expr(&p, &result)))
            return rc;
    }
    if ((rc = at_end(&p)))
        return rc;
    cm_functype_t *f = wh_arena_calloc(arena, sizeof *f);
    if (!f)
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    f->nparams = np;
    f->names = names;
    f->params = params;
    f->result = result;
    *out = f;
    return WH_OK;
}
