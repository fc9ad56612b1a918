/*
 * cm_parse_coretypes.c — core types inside components (Binary.md core:type):
 * core function types, limits, core extern types, module types with their
 * own scopes, and the subtyping that matches a core item or a module
 * against the type an import or an alias expects.
 */
#include "cm_parse.h"

#include <stdio.h>
#include <string.h>

/* ---- Core types ---- */

static wh_rc read_core_valtype(cm__ctx *x, cm__rd *r, uint8_t *out)
{
    uint32_t off = cm__off(r);
    TRY(cm__u8(x, r, out));
    switch (*out) {
    case WM_I32:
    case WM_I64:
    case WM_F32:
    case WM_F64:
    case WM_V128:
    case WM_FUNCREF:
    case WM_EXTERNREF:
        return WH_OK;
    default:
        return cm__fail(x, WH_MALFORMED, off, "unknown core value type 0x%02x", *out);
    }
}

static wh_rc read_core_functype(cm__ctx *x, cm__rd *r, const wm_functype_t **out)
{
    wm_functype_t *ft = cm__alloc(x, sizeof *ft);
    if (!ft)
        return cm__nomem(x);
    for (int k = 0; k < 2; k++) {
        uint32_t n;
        TRY(cm__count(x, r, 1, &n));
        uint8_t *v = cm__alloc(x, n);
        if (!v)
            return cm__nomem(x);
        for (uint32_t i = 0; i < n; i++)
            TRY(read_core_valtype(x, r, &v[i]));
        if (k == 0) {
            ft->nparams = n;
            ft->params = v;
        } else {
            ft->nresults = n;
            ft->results = v;
        }
    }
    *out = ft;
    return WH_OK;
}

/* Core limits (the WebAssembly spec's limits, memory64 and shared
 * included), checked as a module's would be: max at least min, and a
 * 32-bit memory within 65536 pages. */
static wh_rc read_limits(cm__ctx *x, cm__rd *r, bool memory, wm_limits_t *out)
{
    uint32_t off = cm__off(r);
    uint8_t flags;
    TRY(cm__u8(x, r, &flags));
    if (flags > (memory ? 0x07 : 0x05))
        return cm__fail(x, WH_MALFORMED, off, "unknown limits flags 0x%02x", flags);
    bool wide = flags & 4;
    uint64_t v[2] = {0, 0};
    for (int k = 0; k < 1 + (flags & 1); k++) {
        uint32_t voff = cm__off(r);
        if (!wide) {
            uint32_t u;
            TRY(cm__u32(x, r, &u));
            v[k] = u;
            continue;
        }
        uint64_t acc = 0;
        for (int shift = 0;; shift += 7) {
            uint8_t byte;
            TRY(cm__u8(x, r, &byte));
            if (shift == 63 && byte > 1)
                return cm__fail(x, WH_MALFORMED, voff, "integer too large");
            acc |= (uint64_t)(byte & 0x7f) << shift;
            if (!(byte & 0x80))
                break;
            if (shift == 63)
                return cm__fail(x, WH_MALFORMED, voff, "integer representation too long");
        }
        v[k] = acc;
    }
    *out = (wm_limits_t){.min = v[0], .max = v[1], .has_max = flags & 1};
    if (memory) {
        uint64_t cap = wide ? (1ull << 48) : 65536;
        if (v[0] > cap || (out->has_max && v[1] > cap))
            return cm__fail(x, WH_INVALID, off, "memory size must be at most %s",
                            wide ? "2**48 pages" : "65536 pages (4GiB)");
    }
    if (out->has_max && v[1] < v[0])
        return cm__fail(x, WH_INVALID, off, "size minimum must not be greater than maximum");
    return WH_OK;
}

/* A core:externtype of a module type; func types index `types`. */
static wh_rc read_core_externtype(cm__ctx *x, cm__rd *r, const cm__coretype *types, uint32_t ntypes,
                                  cm__coreitem *it)
{
    uint32_t off = cm__off(r);
    uint8_t kind, b;
    TRY(cm__u8(x, r, &kind));
    it->kind = kind;
    switch (kind) {
    case 0x00: {
        uint32_t idx;
        TRY(cm__u32(x, r, &idx));
        if (idx >= ntypes)
            return cm__fail(x, WH_INVALID, off, "type index out of bounds: %u", idx);
        if (types[idx].is_module)
            return cm__fail(x, WH_INVALID, off, "core type %u is not a function type", idx);
        it->func = types[idx].func;
        return WH_OK;
    }
    case 0x01:
        TRY(read_core_valtype(x, r, &it->t.table.elem));
        if (it->t.table.elem != WM_FUNCREF && it->t.table.elem != WM_EXTERNREF)
            return cm__fail(x, WH_MALFORMED, off, "table element type is not a reference type");
        return read_limits(x, r, false, &it->t.table.limits);
    case 0x02:
        return read_limits(x, r, true, &it->t.memory);
    case 0x03:
        TRY(read_core_valtype(x, r, &it->t.global.type));
        TRY(cm__u8(x, r, &b));
        if (b > 1)
            return cm__fail(x, WH_MALFORMED, off, "malformed mutability");
        it->t.global.mut = b;
        return WH_OK;
    case 0x04:
        return cm__fail(x, WH_UNSUPPORTED, off, "core tag type");
    default:
        return cm__fail(x, WH_MALFORMED, off, "unknown core extern kind 0x%02x", kind);
    }
}

static bool limits_match(const wm_limits_t *have, const wm_limits_t *want)
{
    if (have->min < want->min)
        return false;
    return !want->has_max || (have->has_max && have->max <= want->max);
}

static const char *core_kind(uint8_t k)
{
    static const char *const names[] = {"func", "table", "memory", "global"};
    return k < 4 ? names[k] : "tag";
}

bool cm__core_item_matches(const cm__coreitem *have, const cm__coreitem *want, char *why, size_t n)
{
    if (have->kind != want->kind) {
        snprintf(why, n, "expected %s, found %s", core_kind(want->kind), core_kind(have->kind));
        return false;
    }
    switch (want->kind) {
    case WM_EXTERN_FUNC:
        if (have->func && want->func && !wm_functype_eq(have->func, want->func)) {
            snprintf(why, n, "expected: (func) of another type");
            return false;
        }
        return true;
    case WM_EXTERN_TABLE:
        if (have->t.table.elem != want->t.table.elem) {
            snprintf(why, n, "expected table element type %s, found %s",
                     wm_valtype_name(want->t.table.elem), wm_valtype_name(have->t.table.elem));
            return false;
        }
        if (!limits_match(&have->t.table.limits, &want->t.table.limits)) {
            snprintf(why, n, "mismatch in table limits");
            return false;
        }
        return true;
    case WM_EXTERN_MEMORY:
        if (!limits_match(&have->t.memory, &want->t.memory)) {
            snprintf(why, n, "mismatch in memory limits");
            return false;
        }
        return true;
    default:
        if (have->t.global.type != want->t.global.type) {
            snprintf(why, n, "expected global type %s, found %s",
                     wm_valtype_name(want->t.global.type), wm_valtype_name(have->t.global.type));
            return false;
        }
        if (have->t.global.mut != want->t.global.mut) {
            snprintf(why, n, "global mutability differs");
            return false;
        }
        return true;
    }
}

bool cm__modtype_matches(const cm__modtype *have, const cm__modtype *want, char *why, size_t n)
{
    char sub[120];
    for (uint32_t i = 0; i < have->nimports; i++) {
        const cm__coreitem *h = &have->imports[i], *w = NULL;
        for (uint32_t k = 0; k < want->nimports && !w; k++)
            if (!strcmp(want->imports[k].module, h->module) &&
                !strcmp(want->imports[k].name, h->name))
                w = &want->imports[k];
        if (!w) {
            snprintf(why, n, "missing expected import `%s::%s`", h->module, h->name);
            return false;
        }
        /* contravariant: what will be supplied (want's) must fit have's */
        if (!cm__core_item_matches(w, h, sub, sizeof sub)) {
            snprintf(why, n, "type mismatch in import `%s::%s`: %s", h->module, h->name, sub);
            return false;
        }
    }
    for (uint32_t i = 0; i < want->nexports; i++) {
        const cm__coreitem *w = &want->exports[i], *h = NULL;
        for (uint32_t k = 0; k < have->nexports && !h; k++)
            if (!strcmp(have->exports[k].name, w->name))
                h = &have->exports[k];
        if (!h) {
            snprintf(why, n, "missing expected export `%s`", w->name);
            return false;
        }
        if (!cm__core_item_matches(h, w, sub, sizeof sub)) {
            snprintf(why, n, "type mismatch in export `%s`: %s", w->name, sub);
            return false;
        }
    }
    return true;
}

/* Adds a core import's two-level name to seen: two imports whose names
 * mangle to the same single-level name `module:name` are refused (a
 * component names core imports that way). */
wh_rc cm__core_import_name(cm__ctx *x, cm__nameset *seen, const char *module, const char *name,
                           uint32_t off)
{
    size_t lm = strlen(module), ln = strlen(name);
    char *m = cm__alloc(x, lm + ln + 2);
    bool dup;
    if (!m)
        return cm__nomem(x);
    memcpy(m, module, lm);
    m[lm] = ':';
    memcpy(m + lm + 1, name, ln);
    TRY(cm__nameset_add_mode(x, seen, m, true, &dup));
    if (dup)
        return cm__fail(x, WH_INVALID, off, "duplicate import name `%s`", m);
    return WH_OK;
}

static wh_rc read_moduletype(cm__ctx *x, cm__rd *r, cm__scope *s, const cm__modtype **out)
{
    WH_VEC(cm__coretype) types = {0};
    WH_VEC(cm__coreitem) imports = {0}, exports = {0};
    cm__nameset inames = {0}, enames = {0};
    uint32_t n;
    bool dup;
    wh_rc rc = cm__count(x, r, 2, &n);
    for (uint32_t i = 0; !rc && i < n; i++) {
        uint32_t off = cm__off(r);
        uint8_t tag, b;
        cm__coreitem it = {0};
        if ((rc = cm__u8(x, r, &tag)))
            break;
        switch (tag) {
        case 0x00:
            if ((rc = cm__name(x, r, &it.module)) || (rc = cm__name(x, r, &it.name)) ||
                (rc = read_core_externtype(x, r, types.data, types.len, &it)) ||
                (rc = cm__core_import_name(x, &inames, it.module, it.name, off)))
                break;
            if (!wh_vec_push(&imports, it))
                rc = cm__nomem(x);
            break;
        case 0x01: {
            cm__coretype ct = {0};
            if ((rc = cm__u8(x, r, &b)))
                break;
            if (b != 0x60) {
                rc = cm__fail(x, b == 0x50 ? WH_INVALID : WH_UNSUPPORTED, off,
                              b == 0x50 ? "module type inside a module type"
                                        : "core type 0x%02x in a module type",
                              b);
                break;
            }
            if (!(rc = read_core_functype(x, r, &ct.func)) && !wh_vec_push(&types, ct))
                rc = cm__nomem(x);
            break;
        }
        case 0x02: {
            uint32_t ct, idx;
            uint8_t b2;
            if ((rc = cm__u8(x, r, &b)) || (rc = cm__u8(x, r, &b2)))
                break;
            if (b != 0x10 || b2 != 0x01) {
                rc = cm__fail(x, WH_MALFORMED, off, "malformed alias in a module type");
                break;
            }
            if ((rc = cm__u32(x, r, &ct)) || (rc = cm__u32(x, r, &idx)))
                break;
            const cm__coretype *src = NULL;
            if (ct == 0) {
                if (idx < types.len)
                    src = &types.data[idx];
            } else {
                cm__scope *o = cm__outer_scope(s, ct - 1);
                if (!o) {
                    rc = cm__fail(x, WH_INVALID, off, "invalid outer alias count %u", ct);
                    break;
                }
                if (idx < o->coretypes.len)
                    src = &o->coretypes.data[idx];
            }
            if (!src) {
                rc = cm__fail(x, WH_INVALID, off, "unknown core type %u", idx);
                break;
            }
            if (src->is_module) {
                rc = cm__fail(x, WH_INVALID, off, "outer alias of a module type in a module type");
                break;
            }
            if (!wh_vec_push(&types, *src))
                rc = cm__nomem(x);
            break;
        }
        case 0x03:
            if ((rc = cm__name(x, r, &it.name)) ||
                (rc = read_core_externtype(x, r, types.data, types.len, &it)) ||
                (rc = cm__nameset_add_mode(x, &enames, it.name, true, &dup)))
                break;
            if (dup) {
                rc = cm__fail(x, WH_INVALID, off, "export name `%s` already defined", it.name);
                break;
            }
            if (!wh_vec_push(&exports, it))
                rc = cm__nomem(x);
            break;
        default:
            rc = cm__fail(x, WH_MALFORMED, off, "unknown module type declaration 0x%02x", tag);
        }
    }
    cm__modtype *mt = rc ? NULL : cm__alloc(x, sizeof *mt);
    if (!rc && mt) {
        mt->nimports = imports.len;
        mt->nexports = exports.len;
        mt->imports = cm__dup(x, imports.data, sizeof(cm__coreitem) * imports.len);
        mt->exports = cm__dup(x, exports.data, sizeof(cm__coreitem) * exports.len);
        if (!mt->imports || !mt->exports)
            mt = NULL;
    }
    if (!rc && !mt)
        rc = cm__nomem(x);
    wh_vec_free(&types);
    wh_vec_free(&imports);
    wh_vec_free(&exports);
    cm__nameset_free(&inames);
    cm__nameset_free(&enames);
    *out = mt;
    return rc;
}

wh_rc cm__read_core_type(cm__ctx *x, cm__rd *r, cm__scope *s)
{
    uint32_t off = cm__off(r);
    uint8_t b;
    cm__coretype ct = {0};
    TRY(cm__u8(x, r, &b));
    if (b == 0x60) {
        TRY(read_core_functype(x, r, &ct.func));
    } else if (b == 0x50) {
        ct.is_module = true;
        TRY(read_moduletype(x, r, s, &ct.module));
    } else if (b == 0x4e || b == 0x4f || b == 0x00 || b == 0x5e || b == 0x5f) {
        return cm__fail(x, WH_UNSUPPORTED, off, "core GC type (rec, sub, struct or array)");
    } else {
        return cm__fail(x, WH_MALFORMED, off, "unknown core type 0x%02x", b);
    }
    if (!wh_vec_push(&s->coretypes, ct))
        return cm__nomem(x);
    return WH_OK;
}
