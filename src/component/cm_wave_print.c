/*
 * cm_wave_print.c — writing values as WAVE text, in the form the
 * reference writer (wasm-wave) gives, so that output compares with
 * wasmtime's: floats as the shortest decimal that reads back to the same
 * value, never with an exponent (1.5, 100000000000000000000, -0, nan, inf);
 * \\ \" \' \t \n \r and other control characters escaped in chars and
 * strings; options and results always in their variant form; record
 * fields that are none left out, as the reference writer does (a record
 * with nothing left prints as {:}).
 *
 * Whatever this prints for a type, cm_wave_parse reads back to the same
 * value (NaN payloads aside).
 */
#include "cm_wit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The shortest decimal digits that read back to x (a float when f32), as
 * digits d[0..*nd) and the exponent of the first: x = 0.d… × 10^(*exp+1). */
static void shortest(double x, bool f32, char *d, int *nd, int *exp)
{
    char tmp[40];
    int maxp = f32 ? 9 : 17;
    for (int prec = 1; prec <= maxp; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, x);
        if (prec == maxp || (f32 ? strtof(tmp, NULL) == (float)x : strtod(tmp, NULL) == x))
            break;
    }
    /* tmp is "d.ddde±XX" (x is finite and positive here). */
    int n = 0;
    const char *s = tmp;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9')
            d[n++] = *s;
    while (n > 1 && d[n - 1] == '0')
        n--;
    *nd = n;
    *exp = atoi(s + 1);
}

/* Formats a float as the reference writer does (Rust's Display): never an
 * exponent, the shortest digits that read back to the same value. */
static void put_float(cm__out *o, double x, bool f32)
{
    if (isnan(x)) {
        cm__puts(o, "nan");
        return;
    }
    if (isinf(x)) {
        cm__puts(o, x < 0 ? "-inf" : "inf");
        return;
    }
    if (signbit(x))
        cm__puts(o, "-");
    x = fabs(x);
    if (x == 0) {
        cm__puts(o, "0");
        return;
    }
    char d[24];
    int nd, e;
    shortest(x, f32, d, &nd, &e);
    if (e < 0) {
        cm__puts(o, "0.");
        for (int i = 0; i < -e - 1; i++)
            cm__puts(o, "0");
        cm__put(o, d, (size_t)nd);
        return;
    }
    /* e + 1 digits before the point, zeros where the digits run out. */
    for (int i = 0; i <= e; i++)
        cm__put(o, i < nd ? &d[i] : "0", 1);
    if (nd > e + 1) {
        cm__puts(o, ".");
        cm__put(o, d + e + 1, (size_t)(nd - e - 1));
    }
}

static void put_char(cm__out *o, uint32_t cp)
{
    char buf[8];
    switch (cp) {
    case '\\':
        cm__puts(o, "\\\\");
        return;
    case '"':
        cm__puts(o, "\\\"");
        return;
    case '\'':
        cm__puts(o, "\\'");
        return;
    case '\t':
        cm__puts(o, "\\t");
        return;
    case '\n':
        cm__puts(o, "\\n");
        return;
    case '\r':
        cm__puts(o, "\\r");
        return;
    }
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
        cm__printf(o, "\\u{%x}", (unsigned)cp);
        return;
    }
    cm__put(o, buf, wh_utf8_encode(cp, buf));
}

static void put_string(cm__out *o, const char *s, size_t n)
{
    cm__puts(o, "\"");
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = wh_utf8_decode((const uint8_t *)s + i, n - i, &cp);
        if (k == 0) {
            /* Not UTF-8 (should not happen for a lifted string): show the
             * replacement character rather than text that will not parse. */
            cp = 0xfffd;
            k = 1;
        }
        put_char(o, cp);
        i += k;
    }
    cm__puts(o, "\"");
}

static bool wave_keyword(const char *s)
{
    static const char *const kw[] = {"true", "false", "some", "none", "ok", "err", "inf", "nan"};
    for (size_t i = 0; i < WH_ARRAY_LEN(kw); i++)
        if (strcmp(kw[i], s) == 0)
            return true;
    return false;
}

static void put_case(cm__out *o, const cm_type_t *t, uint32_t tag)
{
    if (tag >= t->n || !t->labels[tag]) {
        cm__printf(o, "<case %u?>", (unsigned)tag);
        return;
    }
    if (wave_keyword(t->labels[tag]))
        cm__puts(o, "%");
    cm__puts(o, t->labels[tag]);
}

static void put_value(cm__out *o, const cm_val_t *v, const cm_type_t *t);

static void put_payload(cm__out *o, const cm_val_t *v, const cm_type_t *t)
{
    if (!v || !t)
        return;
    cm__puts(o, "(");
    put_value(o, v, t);
    cm__puts(o, ")");
}

static void put_value(cm__out *o, const cm_val_t *v, const cm_type_t *t)
{
    switch (t->kind) {
    case CM_BOOL:
        cm__puts(o, v->of.b ? "true" : "false");
        return;
    case CM_S8:
    case CM_S16:
    case CM_S32:
    case CM_S64:
        cm__printf(o, "%lld", (long long)v->of.s);
        return;
    case CM_U8:
    case CM_U16:
    case CM_U32:
    case CM_U64:
        cm__printf(o, "%llu", (unsigned long long)v->of.u);
        return;
    case CM_F32:
        put_float(o, v->of.f32, true);
        return;
    case CM_F64:
        put_float(o, v->of.f64, false);
        return;
    case CM_CHAR:
        cm__puts(o, "'");
        put_char(o, v->of.ch);
        cm__puts(o, "'");
        return;
    case CM_STRING:
        put_string(o, v->of.str.ptr, v->of.str.len);
        return;
    case CM_LIST:
        if (cm_type_is_bytes(t)) {
            cm__puts(o, "[");
            for (uint32_t i = 0; i < v->of.bytes.n; i++) {
                uint8_t b = v->of.bytes.ptr[i];
                cm__printf(o, "%s%d", i ? ", " : "",
                           t->elems[0]->kind == CM_S8 ? (int)(int8_t)b : (int)b);
            }
            cm__puts(o, "]");
            return;
        }
        /* fall through */
    case CM_FIXED_LIST:
    case CM_MAP:
    case CM_TUPLE: {
        /* a map prints as its list of (key, value) tuples, as cm_wave.c reads it */
        cm_type_t entry = {.kind = CM_TUPLE, .n = 2, .elems = t->elems};
        const cm_type_t *et = t->kind == CM_MAP ? &entry : t->elems[0];
        cm__puts(o, t->kind == CM_TUPLE ? "(" : "[");
        for (uint32_t i = 0; i < v->of.list.n; i++) {
            if (i)
                cm__puts(o, ", ");
            if (t->kind == CM_TUPLE && i >= t->n)
                break;
            put_value(o, &v->of.list.v[i], t->kind == CM_TUPLE ? t->elems[i] : et);
        }
        cm__puts(o, t->kind == CM_TUPLE ? ")" : "]");
        return;
    }
    case CM_RECORD: {
        bool any = false;
        for (uint32_t i = 0; i < t->n && i < v->of.list.n; i++) {
            const cm_val_t *f = &v->of.list.v[i];
            if (t->elems[i]->kind == CM_OPTION && f->of.var.tag == 0)
                continue; /* none: omitted, and read back as none */
            cm__puts(o, any ? ", " : "{");
            any = true;
            cm__puts(o, t->labels[i]);
            cm__puts(o, ": ");
            put_value(o, f, t->elems[i]);
        }
        cm__puts(o, any ? "}" : "{:}");
        return;
    }
    case CM_FLAGS: {
        cm__puts(o, "{");
        bool first = true;
        for (uint32_t i = 0; i < t->n && i < 32; i++) {
            if (!(v->of.flags & (UINT32_C(1) << i)))
                continue;
            if (!first)
                cm__puts(o, ", ");
            first = false;
            cm__puts(o, t->labels[i]);
        }
        cm__puts(o, "}");
        return;
    }
    case CM_VARIANT:
        put_case(o, t, v->of.var.tag);
        if (v->of.var.tag < t->n)
            put_payload(o, v->of.var.v, t->elems[v->of.var.tag]);
        return;
    case CM_ENUM:
        put_case(o, t, v->of.var.tag);
        return;
    case CM_OPTION:
        if (v->of.var.tag == 0) {
            cm__puts(o, "none");
            return;
        }
        cm__puts(o, "some");
        put_payload(o, v->of.var.v, t->elems[0]);
        return;
    case CM_RESULT:
        cm__puts(o, v->of.var.tag ? "err" : "ok");
        put_payload(o, v->of.var.v, t->elems[v->of.var.tag ? 1 : 0]);
        return;
    case CM_OWN:
    case CM_BORROW:
        /* WAVE has no text for handles; show what it is, clearly not WAVE. */
        cm__printf(o, "<%s ", t->kind == CM_OWN ? "own" : "borrow");
        cm__puts(o, t->res && t->res->name ? t->res->name : "resource");
        cm__printf(o, " %u>", (unsigned)v->of.handle.rep);
        return;
    default:
        cm__printf(o, "<value of type kind %u>", (unsigned)t->kind);
        return;
    }
}

void cm_wave_print(FILE *out, const cm_val_t *v, const cm_type_t *t)
{
    cm__out o = {.f = out};
    put_value(&o, v, t);
}
