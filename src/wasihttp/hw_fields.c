/*
 * hw_fields.c — wasi:http fields (headers and trailers): an ordered list of
 * name/value pairs, names matched without regard to case and kept as
 * given, and the rules on what a guest may put in them.
 *
 * Invariant: every name in a list is a token (RFC 9110 5.6.2) and every
 * value is free of control characters but HTAB, so whatever a guest builds
 * can go on the wire as it is (no response splitting). Fields a guest
 * makes are mutable; fields the host gives (a request's headers, trailers
 * that arrived) and fields a guest handed over (to outgoing-response or
 * outgoing-request) are immutable, and headers() of those returns a view:
 * a child resource that shows the parent's list.
 *
 * Forbidden names: a guest may not set the fields that belong to the
 * connection, not to the message (RFC 9110 7.6.1), nor Host, which the
 * host derives from the authority: Connection, Keep-Alive,
 * Proxy-Connection, Proxy-Authenticate, Proxy-Authorization,
 * Transfer-Encoding, Upgrade, Host, HTTP2-Settings. This is the list
 * wasmtime uses, so a guest meets the same rules on both hosts. They are
 * refused in from-list, set, append and delete (header-error.forbidden);
 * get, has, entries and clone show them (an incoming request has them).
 */
#include "wasihttp/internal.h"

#include <string.h>
#include <strings.h>

/* The most bytes of names and values one fields may hold; a guest that
 * builds more traps (no header-error case says "too large"). Each field
 * counts 32 bytes more for the host's bookkeeping. */
enum { MAX_FIELDS_BYTES = 1 << 20, FIELD_OVERHEAD = 32 };

static const char *const forbidden[] = {
    "connection",          "keep-alive",        "proxy-connection", "proxy-authenticate",
    "proxy-authorization", "transfer-encoding", "upgrade",          "host",
    "http2-settings",
};

/* header-error cases */
enum { HE_INVALID_SYNTAX, HE_FORBIDDEN, HE_IMMUTABLE };

/* ---- the list ---- */

bool hw__name_ok(const char *s, size_t n)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (c && strchr(extra, c))))
            return false;
    }
    return true;
}

bool hw__value_ok(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
            return false;
    return true;
}

static bool is_forbidden(const char *s, size_t n)
{
    for (size_t i = 0; i < WH_ARRAY_LEN(forbidden); i++)
        if (strlen(forbidden[i]) == n && strncasecmp(forbidden[i], s, n) == 0)
            return true;
    return false;
}

static bool name_eq(const hw_field_t *f, const char *s, size_t n)
{
    return f->name_len == n && strncasecmp(f->name, s, n) == 0;
}

static void fields_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    hw_fields_t *f = (hw_fields_t *)o;
    if (f->text)
        wh_free(f->text);
    else
        for (uint32_t i = 0; i < f->list.len; i++)
            wh_free(f->list.data[i].name);
    wh_vec_free(&f->list);
    wasi_obj_unref(ctx, f->of ? &f->of->obj : NULL);
    wh_free(f);
}

const wasi_objtype_t hw_type_fields = {"fields", fields_destroy};

hw_fields_t *hw__fields_new(void)
{
    hw_fields_t *f = wh_calloc(1, sizeof *f);
    if (f)
        f->obj = (wasi_obj_t){&hw_type_fields, 1};
    return f;
}

/* Adds a field at position at (the end when at == len). false when out of
 * memory. */
static bool insert(hw_fields_t *f, uint32_t at, const char *name, size_t nl, const uint8_t *value,
                   size_t vl)
{
    if (nl > UINT32_MAX || vl > UINT32_MAX || !wh_vec_reserve(&f->list, 1))
        return false;
    char *p = wh_malloc(nl + vl + 1);
    if (!p)
        return false;
    memcpy(p, name, nl);
    if (vl)
        memcpy(p + nl, value, vl);
    memmove(&f->list.data[at + 1], &f->list.data[at], (f->list.len - at) * sizeof *f->list.data);
    f->list.data[at] = (hw_field_t){p, (uint32_t)nl, (uint32_t)vl};
    f->list.len++;
    f->bytes += nl + vl + FIELD_OVERHEAD;
    return true;
}

static void remove_at(hw_fields_t *f, uint32_t i)
{
    hw_field_t *x = &f->list.data[i];
    f->bytes -= x->name_len + x->value_len + FIELD_OVERHEAD;
    wh_free(x->name);
    memmove(x, x + 1, (f->list.len - i - 1) * sizeof *x);
    f->list.len--;
}

hw_fields_t *hw__fields_from_hx(const hx_header_t *h, size_t n)
{
    hw_fields_t *f = hw__fields_new();
    if (!f)
        return NULL;
    f->immutable = true;
    /* One block for all the text, and the list sized at once: a request's
     * headers cost three allocations. The parser lets through names we
     * could not hand to a guest as the tokens the WIT promises; they are
     * left out. */
    size_t text = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        if (hw__name_ok(h[i].name, h[i].name_len)) {
            text += h[i].name_len + h[i].value_len;
            k++;
        }
    if (k > UINT32_MAX || text > UINT32_MAX || (k && !wh_vec_reserve(&f->list, (uint32_t)k)) ||
        !(f->text = wh_malloc(text ? text : 1))) {
        fields_destroy(NULL, &f->obj);
        return NULL;
    }
    char *p = f->text;
    for (size_t i = 0; i < n; i++) {
        if (!hw__name_ok(h[i].name, h[i].name_len))
            continue;
        memcpy(p, h[i].name, h[i].name_len);
        if (h[i].value_len)
            memcpy(p + h[i].name_len, h[i].value, h[i].value_len);
        f->list.data[f->list.len++] =
            (hw_field_t){p, (uint32_t)h[i].name_len, (uint32_t)h[i].value_len};
        f->bytes += h[i].name_len + h[i].value_len + FIELD_OVERHEAD;
        p += h[i].name_len + h[i].value_len;
    }
    return f;
}

uint32_t hw__fields_view(wasi_ctx_t *ctx, hw_fields_t *f)
{
    hw_fields_t *v = hw__fields_new();
    if (!v)
        return 0;
    v->immutable = true;
    v->of = (hw_fields_t *)hw__fields_data(f);
    wasi_obj_ref(&v->of->obj);
    return wasi_table_add(ctx, &v->obj);
}

hw_fields_t *hw__fields_take(cm_call_t *call, const cm_val_t *v)
{
    hw_fields_t *f = WASI_ARG(call, v, hw_fields_t, hw_type_fields);
    if (!f)
        return NULL;
    wasi_obj_ref(&f->obj);
    wasi_table_remove(wasi_ctx_of(call), v->of.handle.rep);
    f->immutable = true;
    return f;
}

const char *hw__fields_get(const hw_fields_t *f, const char *name, size_t *out_len)
{
    const hw_fields_t *d = hw__fields_data(f);
    size_t n = strlen(name);
    for (uint32_t i = 0; i < d->list.len; i++)
        if (name_eq(&d->list.data[i], name, n)) {
            *out_len = d->list.data[i].value_len;
            return d->list.data[i].name + d->list.data[i].name_len;
        }
    return NULL;
}

/* What may not be a trailer, beyond the forbidden names. */
static bool not_trailer(const hw_field_t *x)
{
    return is_forbidden(x->name, x->name_len) || name_eq(x, "content-length", 14) ||
           name_eq(x, "trailer", 7);
}

hx_header_t *hw__fields_hx(const hw_fields_t *f, const hx_header_t *extra, size_t nextra,
                           bool trailers, size_t *out_n, bool *out_nomem)
{
    const hw_fields_t *d = f ? hw__fields_data(f) : NULL;
    size_t n = (d ? d->list.len : 0) + nextra;
    *out_n = n;
    *out_nomem = false;
    if (n == 0)
        return NULL;
    hx_header_t *h = wh_malloc(n * sizeof *h);
    if (!h) {
        *out_nomem = true;
        return NULL;
    }
    size_t k = 0;
    for (uint32_t i = 0; d && i < d->list.len; i++) {
        const hw_field_t *x = &d->list.data[i];
        if (!trailers || !not_trailer(x))
            h[k++] = (hx_header_t){x->name, x->name_len, x->name + x->name_len, x->value_len};
    }
    for (size_t i = 0; i < nextra; i++)
        h[k++] = extra[i];
    *out_n = k;
    return h;
}

int64_t hw__fields_content_length(const hw_fields_t *f)
{
    const hw_fields_t *d = hw__fields_data(f);
    int64_t len = -1;
    for (uint32_t i = 0; i < d->list.len; i++) {
        const hw_field_t *x = &d->list.data[i];
        if (!name_eq(x, "content-length", 14))
            continue;
        const char *v = x->name + x->name_len;
        size_t n = x->value_len;
        while (n && (v[0] == ' ' || v[0] == '\t'))
            v++, n--;
        while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
            n--;
        if (n == 0 || n > 18)
            return -2;
        int64_t x64 = 0;
        for (size_t k = 0; k < n; k++) {
            if (v[k] < '0' || v[k] > '9')
                return -2;
            x64 = x64 * 10 + (v[k] - '0');
        }
        if (len >= 0 && len != x64)
            return -2;
        len = x64;
    }
    return len;
}

/* ---- host functions ---- */

static hw_fields_t *self_arg(cm_call_t *call, const cm_val_t *v)
{
    return WASI_ARG(call, v, hw_fields_t, hw_type_fields);
}

static wh_rc header_error(cm_call_t *call, cm_val_t *result, uint32_t which)
{
    cm_val_t e = {.kind = CM_VARIANT};
    e.of.var.tag = which;
    return wasi_errv(call, result, &e);
}

static wh_rc too_big(cm_call_t *call)
{
    return cm_call_trap(call, "wasi:http fields: more than %d bytes of names and values",
                        MAX_FIELDS_BYTES);
}

/* The checks every change makes: 0 when fine, else 1 + the header-error. */
static uint32_t check_name(const hw_fields_t *f, const cm_val_t *name)
{
    if (f && f->immutable)
        return 1 + HE_IMMUTABLE;
    if (!hw__name_ok(name->of.str.ptr, name->of.str.len))
        return 1 + HE_INVALID_SYNTAX;
    if (is_forbidden(name->of.str.ptr, name->of.str.len))
        return 1 + HE_FORBIDDEN;
    return 0;
}

static bool value_ok(const cm_val_t *list)
{
    for (uint32_t i = 0; i < list->of.bytes.n; i++) {
        uint8_t b = list->of.bytes.ptr[i];
        if ((b < 0x20 && b != '\t') || b == 0x7f)
            return false;
    }
    return true;
}

/* Appends name: value (value a list<u8>) to f. */
static wh_rc add(cm_call_t *call, hw_fields_t *f, uint32_t at, const cm_val_t *name,
                 const cm_val_t *value)
{
    size_t nl = name->of.str.len, vl = value->of.bytes.n;
    if (f->bytes + nl + vl + FIELD_OVERHEAD > MAX_FIELDS_BYTES)
        return too_big(call);
    if (!insert(f, at, name->of.str.ptr, nl, value->of.bytes.ptr, vl))
        return wasi_nomem(call);
    return WH_OK;
}

static wh_rc fields_new(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    hw_fields_t *f = hw__fields_new();
    if (!f)
        return wasi_nomem(call);
    return hw__own(call, &f->obj, result);
}

static wh_rc fields_from_list(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    const cm_val_t *entries = args[0].of.list.v;
    uint32_t n = args[0].of.list.n;
    for (uint32_t i = 0; i < n; i++) {
        const cm_val_t *kv = entries[i].of.list.v;
        uint32_t bad = check_name(NULL, &kv[0]);
        if (!bad && !value_ok(&kv[1]))
            bad = 1 + HE_INVALID_SYNTAX;
        if (bad)
            return header_error(call, result, bad - 1);
    }
    hw_fields_t *f = hw__fields_new();
    if (!f)
        return wasi_nomem(call);
    for (uint32_t i = 0; i < n; i++) {
        const cm_val_t *kv = entries[i].of.list.v;
        wh_rc rc = add(call, f, f->list.len, &kv[0], &kv[1]);
        if (rc) {
            fields_destroy(wasi_ctx_of(call), &f->obj);
            return rc;
        }
    }
    cm_val_t own;
    wh_rc rc = hw__own(call, &f->obj, &own);
    return rc ? rc : wasi_ok(call, result, &own);
}

static wh_rc fields_get(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    hw_fields_t *self = self_arg(call, &args[0]);
    if (!self)
        return WH_TRAP;
    const hw_fields_t *d = hw__fields_data(self);
    const char *name = args[1].of.str.ptr;
    size_t nl = args[1].of.str.len;
    uint32_t k = 0;
    for (uint32_t i = 0; i < d->list.len; i++)
        k += name_eq(&d->list.data[i], name, nl);
    cm_val_t *vals = cm_call_alloc(call, (k ? k : 1) * sizeof *vals);
    if (!vals)
        return wasi_nomem(call);
    k = 0;
    for (uint32_t i = 0; i < d->list.len; i++) {
        const hw_field_t *x = &d->list.data[i];
        if (name_eq(x, name, nl) &&
            wasi_bytes(call, (const uint8_t *)x->name + x->name_len, x->value_len, &vals[k++]))
            return wasi_nomem(call);
    }
    result->kind = CM_LIST;
    result->of.list.v = vals;
    result->of.list.n = k;
    return WH_OK;
}

static wh_rc fields_has(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    hw_fields_t *self = self_arg(call, &args[0]);
    if (!self)
        return WH_TRAP;
    const hw_fields_t *d = hw__fields_data(self);
    result->kind = CM_BOOL;
    result->of.b = false;
    for (uint32_t i = 0; i < d->list.len && !result->of.b; i++)
        result->of.b = name_eq(&d->list.data[i], args[1].of.str.ptr, args[1].of.str.len);
    return WH_OK;
}

/* Removes every field called name; returns where the first one was (the
 * end when there was none). */
static uint32_t remove_all(hw_fields_t *f, const char *name, size_t nl)
{
    uint32_t first = UINT32_MAX;
    for (uint32_t i = 0; i < f->list.len;) {
        if (name_eq(&f->list.data[i], name, nl)) {
            if (first == UINT32_MAX)
                first = i;
            remove_at(f, i);
        } else {
            i++;
        }
    }
    return first == UINT32_MAX ? f->list.len : first;
}

/* set: the new values take the place of the first old one (or go to the
 * end), so a replaced field keeps its position on the wire. */
static wh_rc fields_set(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    hw_fields_t *self = self_arg(call, &args[0]);
    if (!self)
        return WH_TRAP;
    const cm_val_t *vals = args[2].of.list.v;
    uint32_t n = args[2].of.list.n;
    uint32_t bad = check_name(self, &args[1]);
    for (uint32_t i = 0; i < n && !bad; i++)
        if (!value_ok(&vals[i]))
            bad = 1 + HE_INVALID_SYNTAX;
    if (bad)
        return header_error(call, result, bad - 1);
    size_t more = 0;
    for (uint32_t i = 0; i < n; i++)
        more += args[1].of.str.len + vals[i].of.bytes.n + FIELD_OVERHEAD;
    if (self->bytes + more > MAX_FIELDS_BYTES)
        return too_big(call);
    uint32_t at = remove_all(self, args[1].of.str.ptr, args[1].of.str.len);
    for (uint32_t i = 0; i < n; i++) {
        wh_rc rc = add(call, self, at + i, &args[1], &vals[i]);
        if (rc)
            return rc;
    }
    return wasi_ok(call, result, NULL);
}

static wh_rc fields_delete(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    hw_fields_t *self = self_arg(call, &args[0]);
    if (!self)
        return WH_TRAP;
    uint32_t bad = check_name(self, &args[1]);
    if (bad)
        return header_error(call, result, bad - 1);
    remove_all(self, args[1].of.str.ptr, args[1].of.str.len);
    return wasi_ok(call, result, NULL);
}

static wh_rc fields_append(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    hw_fields_t *self = self_arg(call, &args[0]);
    if (!self)
        return WH_TRAP;
    uint32_t bad = check_name(self, &args[1]);
    if (!bad && !value_ok(&args[2]))
        bad = 1 + HE_INVALID_SYNTAX;
    if (bad)
        return header_error(call, result, bad - 1);
    wh_rc rc = add(call, self, self->list.len, &args[1], &args[2]);
    return rc ? rc : wasi_ok(call, result, NULL);
}

static wh_rc fields_entries(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    hw_fields_t *self = self_arg(call, &args[0]);
    if (!self)
        return WH_TRAP;
    const hw_fields_t *d = hw__fields_data(self);
    uint32_t n = d->list.len;
    cm_val_t *tuples = cm_call_alloc(call, (n ? n : 1) * sizeof *tuples);
    cm_val_t *kv = cm_call_alloc(call, (n ? n : 1) * 2 * sizeof *kv);
    if (!tuples || !kv)
        return wasi_nomem(call);
    for (uint32_t i = 0; i < n; i++) {
        const hw_field_t *x = &d->list.data[i];
        kv[2 * i] = wasi_str(call, x->name, x->name_len);
        if (wasi_bytes(call, (const uint8_t *)x->name + x->name_len, x->value_len, &kv[2 * i + 1]))
            return wasi_nomem(call);
        tuples[i] = (cm_val_t){.kind = CM_TUPLE};
        tuples[i].of.list.v = &kv[2 * i];
        tuples[i].of.list.n = 2;
    }
    result->kind = CM_LIST;
    result->of.list.v = tuples;
    result->of.list.n = n;
    return WH_OK;
}

static wh_rc fields_clone(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    hw_fields_t *self = self_arg(call, &args[0]);
    if (!self)
        return WH_TRAP;
    const hw_fields_t *d = hw__fields_data(self);
    hw_fields_t *f = hw__fields_new();
    if (!f)
        return wasi_nomem(call);
    for (uint32_t i = 0; i < d->list.len; i++) {
        const hw_field_t *x = &d->list.data[i];
        if (!insert(f, i, x->name, x->name_len, (const uint8_t *)x->name + x->name_len,
                    x->value_len)) {
            fields_destroy(wasi_ctx_of(call), &f->obj);
            return wasi_nomem(call);
        }
    }
    return hw__own(call, &f->obj, result);
}

#define F "borrow<fields>"
const wasi_func_t hw__fields_funcs[] = {
    {"[constructor]fields", "func() -> fields", fields_new},
    {"[static]fields.from-list",
     "func(entries: list<tuple<string, list<u8>>>) -> result<fields, header-error>",
     fields_from_list},
    {"[method]fields.get", "func(self: " F ", name: string) -> list<list<u8>>", fields_get},
    {"[method]fields.has", "func(self: " F ", name: string) -> bool", fields_has},
    {"[method]fields.set",
     "func(self: " F ", name: string, value: list<list<u8>>) -> result<_, header-error>",
     fields_set},
    {"[method]fields.delete", "func(self: " F ", name: string) -> result<_, header-error>",
     fields_delete},
    {"[method]fields.append",
     "func(self: " F ", name: string, value: list<u8>) -> result<_, header-error>", fields_append},
    {"[method]fields.entries", "func(self: " F ") -> list<tuple<string, list<u8>>>",
     fields_entries},
    {"[method]fields.clone", "func(self: " F ") -> fields", fields_clone},
};
#undef F
const size_t hw__nfields_funcs = WH_ARRAY_LEN(hw__fields_funcs);

wh_rc hw__headers_result(cm_call_t *call, hw_fields_t *f, cm_val_t *result)
{
    uint32_t rep = hw__fields_view(wasi_ctx_of(call), f);
    if (!rep)
        return wasi_nomem(call);
    *result = wasi_own(rep);
    return WH_OK;
}
