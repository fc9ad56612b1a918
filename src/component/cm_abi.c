/*
 * cm_abi.c — the canonical ABI's lifting and lowering (CanonicalABI.md:
 * load / store, lift_flat / lower_flat): turns a guest's core values and
 * linear memory into host values (cm_val_t) and back.
 *
 * Every guest pointer is checked against the memory's size and the type's
 * alignment before use, every discriminant, char and string is validated,
 * and a violation is a trap with a message, never a host crash. Host-side
 * values are allocated in the context's arena; guest-side memory comes from
 * the guest's realloc. Strings are UTF-8 on the host side in every
 * encoding.
 *
 * Flat values are wm_slot cells. Variant payloads travel in the "joined"
 * core types of all cases; because a slot is a union whose members all start
 * at its first byte, reading a case's own member of a joined slot performs
 * exactly the spec's coercions (i64 → i32 wraps, i32/i64 → f32/f64
 * reinterpret), and lowering zeroes every slot first so that a narrower
 * value written into a wider slot is zero-extended.
 */
#include "cm_rt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_STRING_BYTES ((1u << 28) - 1) /* CanonicalABI.md MAX_STRING_BYTE_LENGTH */
#define UTF16_TAG        (1u << 31)
#define MAX_LIST_ITEMS   (1u << 26)       /* host-side elements of one list */
#define MAX_LIST_BYTES   ((1u << 28) - 1) /* CanonicalABI.md MAX_LIST_BYTE_LENGTH */

wh_rc cm__trap(cm__cx *cx, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return wh_err(cx->err, WH_TRAP, -1, "canonical ABI: %s", msg);
}

static uint32_t align_to(uint32_t n, uint32_t a)
{
    return (n + a - 1) / a * a;
}

/* ---- memory access ---- */

static wh_rc mem_at(cm__cx *cx, uint64_t ptr, uint64_t n, uint32_t align, uint8_t **out)
{
    wm_memory_t *m = cx->opts->memory;
    if (!m)
        return cm__trap(cx, "the function has no memory option");
    if (align > 1 && ptr % align)
        return cm__trap(cx, "pointer %llu is not aligned to %u", (unsigned long long)ptr, align);
    if (!(*out = wm_memory_at(m, ptr, n)))
        return cm__trap(cx, "out of bounds: %llu bytes at %llu in a memory of %llu",
                        (unsigned long long)n, (unsigned long long)ptr,
                        (unsigned long long)wm_memory_size(m));
    return WH_OK;
}

static uint64_t get_le(const uint8_t *p, uint32_t n)
{
    uint64_t v = 0;
    for (uint32_t i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

static void put_le(uint8_t *p, uint64_t v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

wh_rc cm__guest_alloc(cm__cx *cx, uint32_t align, uint32_t size, uint32_t *out)
{
    if (!cx->opts->realloc)
        return cm__trap(cx, "the function has no realloc option");
    wm_val_t args[4] = {{.type = WM_I32, .of.i32 = 0},
                        {.type = WM_I32, .of.i32 = 0},
                        {.type = WM_I32, .of.i32 = align},
                        {.type = WM_I32, .of.i32 = size}};
    wm_val_t res;
    wh_rc rc =
        wm_func_call(cm_instance_store(cx->inst), cx->opts->realloc, args, 4, &res, 1, cx->err);
    if (rc)
        return rc;
    uint8_t *p;
    if ((rc = mem_at(cx, res.of.i32, size, align, &p)))
        return rc;
    *out = res.of.i32;
    return WH_OK;
}

/* ---- strings ---- */

static wh_rc load_string(cm__cx *cx, uint32_t ptr, uint32_t tagged, cm_val_t *out)
{
    uint8_t enc = cx->opts->encoding;
    bool utf16 = enc == CM_UTF16 || (enc == CM_LATIN1_UTF16 && (tagged & UTF16_TAG));
    uint64_t units = enc == CM_LATIN1_UTF16 ? (tagged & ~UTF16_TAG) : tagged;
    uint64_t bytes = utf16 ? 2 * units : units;
    if (bytes > MAX_STRING_BYTES)
        return cm__trap(cx, "string of %llu bytes is too long", (unsigned long long)bytes);
    /* CanonicalABI.md load_string_from_range: latin1+utf16 strings are
     * 2-aligned whichever form the tag gives (a latin1 one may be widened
     * in place), so the check does not depend on the tag. */
    uint8_t *p;
    wh_rc rc = mem_at(cx, ptr, bytes, enc == CM_UTF8 ? 1 : 2, &p);
    if (rc)
        return rc;
    out->kind = CM_STRING;
    if (enc == CM_UTF8) {
        for (size_t i = 0; i < bytes;) {
            uint32_t cp;
            size_t n = wh_utf8_decode(p + i, bytes - i, &cp);
            if (!n)
                return cm__trap(cx, "invalid UTF-8 at byte %zu of a string", i);
            i += n;
        }
        char *s = wh_arena_dup(cx->arena, p, bytes);
        if (!s && bytes)
            return wh_err(cx->err, WH_NOMEM, -1, "out of memory");
        out->of.str.ptr = s;
        out->of.str.len = bytes;
        return WH_OK;
    }
    /* UTF-16 takes at most 3 UTF-8 bytes per unit, Latin-1 2 per byte. */
    char *s = wh_arena_alloc(cx->arena, utf16 ? units * 3 : units * 2);
    if (!s && units)
        return wh_err(cx->err, WH_NOMEM, -1, "out of memory");
    size_t o = 0;
    if (!utf16) {
        for (uint64_t i = 0; i < units; i++)
            o += wh_utf8_encode(p[i], s + o);
    } else {
        for (uint64_t i = 0; i < units; i++) {
            uint32_t u = p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
            if (u >= 0xd800 && u <= 0xdbff && i + 1 < units) {
                uint32_t lo = p[2 * i + 2] | (uint32_t)p[2 * i + 3] << 8;
                if (lo >= 0xdc00 && lo <= 0xdfff) {
                    u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                    i++;
                }
            }
            if (u >= 0xd800 && u <= 0xdfff)
                return cm__trap(cx, "unpaired UTF-16 surrogate at unit %llu of a string",
                                (unsigned long long)i);
            o += wh_utf8_encode(u, s + o);
        }
    }
    out->of.str.ptr = s;
    out->of.str.len = o;
    return WH_OK;
}

/* Writes a host string into guest memory in the guest's encoding. */
static wh_rc store_string(cm__cx *cx, const cm_val_t *v, uint32_t *out_ptr, uint32_t *out_len)
{
    const uint8_t *s = (const uint8_t *)v->of.str.ptr;
    size_t n = v->of.str.len;
    if (n > MAX_STRING_BYTES)
        return cm__trap(cx, "string of %zu bytes is too long", n);
    size_t units = 0;
    bool latin1 = true;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = wh_utf8_decode(s + i, n - i, &cp);
        if (!k)
            return wh_err(cx->err, WH_ARG, -1, "a host string is not valid UTF-8");
        units += cp >= 0x10000 ? 2 : 1;
        latin1 &= cp < 0x100;
        i += k;
    }
    uint8_t enc = cx->opts->encoding;
    uint32_t ptr;
    uint8_t *p;
    wh_rc rc;
    if (enc == CM_UTF8) {
        if ((rc = cm__guest_alloc(cx, 1, (uint32_t)n, &ptr)) || (rc = mem_at(cx, ptr, n, 1, &p)))
            return rc;
        if (n)
            memcpy(p, s, n);
        *out_ptr = ptr;
        *out_len = (uint32_t)n;
        return WH_OK;
    }
    if (enc == CM_LATIN1_UTF16 && latin1) {
        if ((rc = cm__guest_alloc(cx, 2, (uint32_t)units, &ptr)) ||
            (rc = mem_at(cx, ptr, units, 1, &p)))
            return rc;
        size_t o = 0;
        for (size_t i = 0; i < n;) {
            uint32_t cp;
            i += wh_utf8_decode(s + i, n - i, &cp);
            p[o++] = (uint8_t)cp;
        }
        *out_ptr = ptr;
        *out_len = (uint32_t)units;
        return WH_OK;
    }
    if ((rc = cm__guest_alloc(cx, 2, (uint32_t)(2 * units), &ptr)) ||
        (rc = mem_at(cx, ptr, 2 * units, 2, &p)))
        return rc;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += wh_utf8_decode(s + i, n - i, &cp);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put_le(p + o, 0xd800 + (cp >> 10), 2);
            put_le(p + o + 2, 0xdc00 + (cp & 0x3ff), 2);
            o += 4;
        } else {
            put_le(p + o, cp, 2);
            o += 2;
        }
    }
    *out_ptr = ptr;
    *out_len = (uint32_t)units | (enc == CM_LATIN1_UTF16 ? UTF16_TAG : 0);
    return WH_OK;
}

/* ---- shared pieces of variants ---- */

static uint32_t case_count(const cm_type_t *t)
{
    return t->kind == CM_OPTION || t->kind == CM_RESULT ? 2 : t->n;
}

static const cm_type_t *case_payload(const cm_type_t *t, uint32_t i)
{
    switch (t->kind) {
    case CM_VARIANT:
        return t->elems[i];
    case CM_OPTION:
        return i == 1 ? t->elems[0] : NULL;
    case CM_RESULT:
        return t->elems[i];
    default: /* enum */
        return NULL;
    }
}

static uint32_t disc_size(uint32_t n)
{
    return n <= 256 ? 1 : n <= 65536 ? 2 : 4;
}

static uint32_t payload_offset(const cm_type_t *t)
{
    uint32_t n = case_count(t), a = 1;
    for (uint32_t i = 0; i < n; i++) {
        const cm_type_t *p = case_payload(t, i);
        if (p && p->align > a)
            a = p->align;
    }
    return align_to(disc_size(n), a);
}

static bool is_variantish(uint8_t k)
{
    return k == CM_VARIANT || k == CM_ENUM || k == CM_OPTION || k == CM_RESULT;
}

static cm_val_t *new_vals(cm__cx *cx, uint64_t n)
{
    if (n > MAX_LIST_ITEMS) {
        wh_err(cx->err, WH_TRAP, -1, "canonical ABI: a list of %llu elements is too long",
               (unsigned long long)n);
        return NULL;
    }
    cm_val_t *v = wh_arena_calloc(cx->arena, (size_t)(n ? n : 1) * sizeof *v);
    if (!v)
        wh_err(cx->err, WH_NOMEM, -1, "out of memory");
    return v;
}

/* ---- handles ---- */

/* The runtime type a handle type names, as the function's type sees it. */
static cm__rres *handle_rtype(cm__cx *cx, const cm_type_t *t)
{
    cm__rres *rt = cx->tci->res_bind[t->res->id];
    if (!rt)
        wh_err(cx->err, WH_TRAP, -1, "resource type %s is not bound in this component instance",
               t->res->name ? t->res->name : "(unnamed)");
    return rt;
}

static wh_rc lift_handle(cm__cx *cx, const cm_type_t *t, uint32_t index, cm_val_t *out)
{
    cm__rres *rt = handle_rtype(cx, t);
    uint32_t rep;
    if (!rt)
        return WH_TRAP;
    wh_rc rc = cm__handle_take(cx->inst, cx->ci, index, rt, t->kind == CM_OWN, cx->borrow_scope,
                               &rep, cx->err);
    if (rc)
        return rc;
    out->of.handle.rep = rep;
    out->of.handle.type = t->res;
    return WH_OK;
}

static wh_rc lower_handle(cm__cx *cx, const cm_type_t *t, const cm_val_t *v, uint32_t *out)
{
    cm__rres *rt = handle_rtype(cx, t);
    if (!rt)
        return WH_TRAP;
    /* CanonicalABI.md lower_borrow: the instance that defined the resource
     * gets the representation itself, not a handle it would have to drop. */
    if (t->kind == CM_BORROW && rt->impl == cx->ci) {
        *out = v->of.handle.rep;
        return WH_OK;
    }
    return cm__handle_new(cx->inst, cx->ci, rt, v->of.handle.rep, t->kind == CM_OWN,
                          cx->borrow_scope, out, cx->err);
}

static wh_rc check_char(cm__cx *cx, uint32_t c)
{
    if (c >= 0x110000 || (c >= 0xd800 && c <= 0xdfff))
        return cm__trap(cx, "0x%x is not a valid char (a Unicode scalar value)", c);
    return WH_OK;
}

static float canon_f32(float f)
{
    if (f != f) {
        uint32_t bits = 0x7fc00000u;
        memcpy(&f, &bits, 4);
    }
    return f;
}

static double canon_f64(double d)
{
    if (d != d) {
        uint64_t bits = 0x7ff8000000000000ull;
        memcpy(&d, &bits, 8);
    }
    return d;
}

/* ---- maps ---- */

/* CanonicalABI.md despecialize: map<K, V> is list<tuple<K, V>> in memory
 * and flat; this is one entry's layout, a tuple's. Each entry is a host
 * value of kind CM_TUPLE holding the key and the value, in the order the
 * guest wrote them: duplicate keys are kept (a map is not deduplicated). */
typedef struct {
    uint32_t size, align, voff; /* voff: the value's offset in the entry */
} map_entry;

static map_entry entry_of(const cm_type_t *t)
{
    const cm_type_t *k = t->elems[0], *v = t->elems[1];
    map_entry e;
    e.align = k->align > v->align ? k->align : v->align;
    e.voff = align_to(k->size, v->align);
    e.size = align_to(e.voff + v->size, e.align);
    return e;
}

/* ---- lifting from memory (load) ---- */

/* CanonicalABI.md load_list_from_range: the list's bytes must lie in the
 * memory before anything is allocated for its elements, so that a huge
 * length traps instead of making the host allocate. */
static wh_rc list_range(cm__cx *cx, uint32_t ptr, uint32_t len, uint32_t esize, uint32_t ealign,
                        uint8_t **p)
{
    uint64_t bytes = (uint64_t)len * esize;
    if (bytes > MAX_LIST_BYTES)
        return cm__trap(cx, "a list of %u elements of %u bytes exceeds the maximum length", len,
                        esize);
    return mem_at(cx, ptr, bytes, ealign, p);
}

static wh_rc load_map(cm__cx *cx, const cm_type_t *t, uint32_t ptr, uint32_t len, cm_val_t *out)
{
    map_entry e = entry_of(t);
    uint8_t *p;
    wh_rc rc = list_range(cx, ptr, len, e.size, e.align, &p);
    if (rc)
        return rc;
    out->kind = CM_MAP;
    cm_val_t *ents = new_vals(cx, len), *kv = ents ? new_vals(cx, 2 * (uint64_t)len) : NULL;
    if (!kv)
        return cx->err ? cx->err->code : WH_NOMEM;
    out->of.list.v = ents;
    out->of.list.n = len;
    for (uint32_t i = 0; i < len; i++) {
        uint32_t at = ptr + i * e.size;
        ents[i].kind = CM_TUPLE;
        ents[i].of.list.v = &kv[2 * (size_t)i];
        ents[i].of.list.n = 2;
        if ((rc = cm__lift_mem(cx, t->elems[0], at, &kv[2 * (size_t)i])) ||
            (rc = cm__lift_mem(cx, t->elems[1], at + e.voff, &kv[2 * (size_t)i + 1])))
            return rc;
    }
    return WH_OK;
}

static wh_rc load_list(cm__cx *cx, const cm_type_t *et, uint32_t ptr, uint32_t len, cm_val_t *out)
{
    uint8_t *p;
    wh_rc rc = list_range(cx, ptr, len, et->size, et->align, &p);
    if (rc)
        return rc;
    out->kind = CM_LIST;
    if (et->kind == CM_U8 || et->kind == CM_S8) {
        /* bytes stay bytes (a copy: the guest may run, and change or grow
         * its memory, before the host is done with them) */
        uint8_t *b = wh_arena_dup(cx->arena, p, len);
        if (!b && len)
            return wh_err(cx->err, WH_NOMEM, -1, "out of memory");
        out->of.bytes.ptr = b;
        out->of.bytes.n = len;
        return WH_OK;
    }
    out->of.list.n = len;
    if (!(out->of.list.v = new_vals(cx, len)))
        return cx->err ? cx->err->code : WH_NOMEM;
    for (uint32_t i = 0; i < len; i++)
        if ((rc = cm__lift_mem(cx, et, ptr + i * et->size, &out->of.list.v[i])))
            return rc;
    return WH_OK;
}

wh_rc cm__lift_mem(cm__cx *cx, const cm_type_t *t, uint32_t ptr, cm_val_t *out)
{
    uint8_t *p;
    wh_rc rc = mem_at(cx, ptr, t->size, t->align, &p);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    switch (t->kind) {
    case CM_BOOL:
        out->of.b = p[0] != 0;
        return WH_OK;
    case CM_S8:
        out->of.s = (int8_t)p[0];
        return WH_OK;
    case CM_U8:
        out->of.u = p[0];
        return WH_OK;
    case CM_S16:
        out->of.s = (int16_t)get_le(p, 2);
        return WH_OK;
    case CM_U16:
        out->of.u = get_le(p, 2);
        return WH_OK;
    case CM_S32:
        out->of.s = (int32_t)get_le(p, 4);
        return WH_OK;
    case CM_U32:
        out->of.u = get_le(p, 4);
        return WH_OK;
    case CM_S64:
        out->of.s = (int64_t)get_le(p, 8);
        return WH_OK;
    case CM_U64:
        out->of.u = get_le(p, 8);
        return WH_OK;
    case CM_F32: {
        uint32_t bits = (uint32_t)get_le(p, 4);
        memcpy(&out->of.f32, &bits, 4);
        out->of.f32 = canon_f32(out->of.f32);
        return WH_OK;
    }
    case CM_F64: {
        uint64_t bits = get_le(p, 8);
        memcpy(&out->of.f64, &bits, 8);
        out->of.f64 = canon_f64(out->of.f64);
        return WH_OK;
    }
    case CM_CHAR:
        out->of.ch = (uint32_t)get_le(p, 4);
        return check_char(cx, out->of.ch);
    case CM_STRING:
        return load_string(cx, (uint32_t)get_le(p, 4), (uint32_t)get_le(p + 4, 4), out);
    case CM_LIST:
        return load_list(cx, t->elems[0], (uint32_t)get_le(p, 4), (uint32_t)get_le(p + 4, 4), out);
    case CM_MAP:
        return load_map(cx, t, (uint32_t)get_le(p, 4), (uint32_t)get_le(p + 4, 4), out);
    case CM_FIXED_LIST: {
        /* CanonicalABI.md load_list with a length: its elements in place */
        const cm_type_t *et = t->elems[0];
        if (!(out->of.list.v = new_vals(cx, t->length)))
            return cx->err ? cx->err->code : WH_NOMEM;
        out->of.list.n = t->length;
        for (uint32_t i = 0; i < t->length; i++)
            if ((rc = cm__lift_mem(cx, et, ptr + i * et->size, &out->of.list.v[i])))
                return rc;
        return WH_OK;
    }
    case CM_RECORD:
    case CM_TUPLE: {
        if (!(out->of.list.v = new_vals(cx, t->n)))
            return cx->err ? cx->err->code : WH_NOMEM;
        out->of.list.n = t->n;
        uint32_t off = 0;
        for (uint32_t i = 0; i < t->n; i++) {
            const cm_type_t *f = t->elems[i];
            off = align_to(off, f->align);
            if ((rc = cm__lift_mem(cx, f, ptr + off, &out->of.list.v[i])))
                return rc;
            off += f->size;
        }
        return WH_OK;
    }
    case CM_VARIANT:
    case CM_ENUM:
    case CM_OPTION:
    case CM_RESULT: {
        uint32_t n = case_count(t);
        uint32_t tag = (uint32_t)get_le(p, disc_size(n));
        if (tag >= n)
            return cm__trap(cx, "discriminant %u out of range (%u cases)", tag, n);
        out->of.var.tag = tag;
        const cm_type_t *pt = case_payload(t, tag);
        if (!pt)
            return WH_OK;
        if (!(out->of.var.v = new_vals(cx, 1)))
            return cx->err ? cx->err->code : WH_NOMEM;
        return cm__lift_mem(cx, pt, ptr + payload_offset(t), out->of.var.v);
    }
    case CM_FLAGS:
        out->of.flags = (uint32_t)get_le(p, t->size);
        if (t->n < 32)
            out->of.flags &= (1u << t->n) - 1;
        return WH_OK;
    case CM_OWN:
    case CM_BORROW:
        return lift_handle(cx, t, (uint32_t)get_le(p, 4), out);
    default:
        return cm__trap(cx, "values of this type are not supported yet");
    }
}

/* ---- lifting from core values (lift_flat) ---- */

wh_rc cm__lift_flat(cm__cx *cx, const cm_type_t *t, const wm_slot *vals, uint32_t nvals,
                    uint32_t *i, cm_val_t *out)
{
    if (*i + t->nflat > nvals)
        return cm__trap(cx, "too few core values for a %s", t->name ? t->name : "value");
    const wm_slot *v = &vals[*i];
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    wh_rc rc = WH_OK;
    switch (t->kind) {
    case CM_BOOL:
        out->of.b = v->i32 != 0;
        break;
    case CM_S8:
        out->of.s = (int8_t)v->i32;
        break;
    case CM_U8:
        out->of.u = (uint8_t)v->i32;
        break;
    case CM_S16:
        out->of.s = (int16_t)v->i32;
        break;
    case CM_U16:
        out->of.u = (uint16_t)v->i32;
        break;
    case CM_S32:
        out->of.s = (int32_t)v->i32;
        break;
    case CM_U32:
        out->of.u = v->i32;
        break;
    case CM_S64:
        out->of.s = (int64_t)v->i64;
        break;
    case CM_U64:
        out->of.u = v->i64;
        break;
    case CM_F32:
        out->of.f32 = canon_f32(v->f32);
        break;
    case CM_F64:
        out->of.f64 = canon_f64(v->f64);
        break;
    case CM_CHAR:
        out->of.ch = v->i32;
        rc = check_char(cx, v->i32);
        break;
    case CM_STRING:
        rc = load_string(cx, v[0].i32, v[1].i32, out);
        break;
    case CM_LIST:
        rc = load_list(cx, t->elems[0], v[0].i32, v[1].i32, out);
        break;
    case CM_MAP:
        rc = load_map(cx, t, v[0].i32, v[1].i32, out);
        break;
    case CM_FIXED_LIST: { /* CanonicalABI.md lift_flat_list with a length */
        if (!(out->of.list.v = new_vals(cx, t->length)))
            return cx->err ? cx->err->code : WH_NOMEM;
        out->of.list.n = t->length;
        uint32_t k = *i;
        for (uint32_t e = 0; e < t->length && !rc; e++)
            rc = cm__lift_flat(cx, t->elems[0], vals, nvals, &k, &out->of.list.v[e]);
        break;
    }
    case CM_RECORD:
    case CM_TUPLE: {
        if (!(out->of.list.v = new_vals(cx, t->n)))
            return cx->err ? cx->err->code : WH_NOMEM;
        out->of.list.n = t->n;
        uint32_t k = *i;
        for (uint32_t f = 0; f < t->n && !rc; f++)
            rc = cm__lift_flat(cx, t->elems[f], vals, nvals, &k, &out->of.list.v[f]);
        break;
    }
    case CM_VARIANT:
    case CM_ENUM:
    case CM_OPTION:
    case CM_RESULT: {
        uint32_t n = case_count(t), tag = v->i32;
        if (tag >= n)
            return cm__trap(cx, "discriminant %u out of range (%u cases)", tag, n);
        out->of.var.tag = tag;
        const cm_type_t *pt = case_payload(t, tag);
        if (pt) {
            if (!(out->of.var.v = new_vals(cx, 1)))
                return cx->err ? cx->err->code : WH_NOMEM;
            uint32_t k = *i + 1;
            rc = cm__lift_flat(cx, pt, vals, nvals, &k, out->of.var.v);
        }
        break;
    }
    case CM_FLAGS:
        out->of.flags = t->n < 32 ? v->i32 & ((1u << t->n) - 1) : v->i32;
        break;
    case CM_OWN:
    case CM_BORROW:
        rc = lift_handle(cx, t, v->i32, out);
        break;
    default:
        return cm__trap(cx, "values of this type are not supported yet");
    }
    *i += t->nflat;
    return rc;
}

/* ---- lowering into memory (store) ---- */

static wh_rc check_kind(cm__cx *cx, const cm_type_t *t, const cm_val_t *v)
{
    bool ok = v->kind == t->kind || (t->kind == CM_TUPLE && v->kind == CM_RECORD) ||
              (t->kind == CM_RECORD && v->kind == CM_TUPLE);
    if (!ok)
        return wh_err(cx->err, WH_ARG, -1, "a host value of kind %u where kind %u was expected",
                      v->kind, t->kind);
    if ((t->kind == CM_RECORD || t->kind == CM_TUPLE) && v->of.list.n != t->n)
        return wh_err(cx->err, WH_ARG, -1, "a host value with %u fields where %u were expected",
                      v->of.list.n, t->n);
    if (t->kind == CM_FIXED_LIST && v->of.list.n != t->length)
        return wh_err(cx->err, WH_ARG, -1,
                      "a host list of %u elements where a fixed length of %u was expected",
                      v->of.list.n, t->length);
    if (is_variantish(t->kind)) {
        if (v->of.var.tag >= case_count(t))
            return wh_err(cx->err, WH_ARG, -1, "a host value with case %u of %u", v->of.var.tag,
                          case_count(t));
        if (case_payload(t, v->of.var.tag) && !v->of.var.v)
            return wh_err(cx->err, WH_ARG, -1, "a host value lacks its case's payload");
    }
    return WH_OK;
}

/* The number of elements of a list value of element type et. */
static uint32_t list_len(const cm_type_t *et, const cm_val_t *v)
{
    return et->kind == CM_U8 || et->kind == CM_S8 ? v->of.bytes.n : v->of.list.n;
}

static wh_rc store_list(cm__cx *cx, const cm_type_t *et, const cm_val_t *v, uint32_t *out_ptr)
{
    if (et->kind == CM_U8 || et->kind == CM_S8) {
        uint32_t n = v->of.bytes.n, ptr;
        uint8_t *p;
        wh_rc rc = cm__guest_alloc(cx, 1, n, &ptr);
        if (!rc && n && !(rc = mem_at(cx, ptr, n, 1, &p)))
            memcpy(p, v->of.bytes.ptr, n);
        *out_ptr = ptr;
        return rc;
    }
    uint64_t bytes = (uint64_t)v->of.list.n * et->size;
    if (bytes > UINT32_MAX)
        return cm__trap(cx, "a list of %llu bytes does not fit", (unsigned long long)bytes);
    uint32_t ptr;
    wh_rc rc = cm__guest_alloc(cx, et->align, (uint32_t)bytes, &ptr);
    for (uint32_t i = 0; i < v->of.list.n && !rc; i++)
        rc = cm__lower_mem(cx, et, &v->of.list.v[i], ptr + i * et->size);
    *out_ptr = ptr;
    return rc;
}

/* A map's entries, each a (key, value) tuple value, into a new guest
 * array (CanonicalABI.md store_list_into_range of the despecialized list). */
static wh_rc store_map(cm__cx *cx, const cm_type_t *t, const cm_val_t *v, uint32_t *out_ptr)
{
    map_entry e = entry_of(t);
    uint32_t n = v->of.list.n, ptr;
    for (uint32_t i = 0; i < n; i++) {
        const cm_val_t *ent = &v->of.list.v[i];
        if ((ent->kind != CM_TUPLE && ent->kind != CM_RECORD) || ent->of.list.n != 2)
            return wh_err(cx->err, WH_ARG, -1,
                          "map entry %u is not a (key, value) tuple of the host value", i);
    }
    uint64_t bytes = (uint64_t)n * e.size;
    if (bytes > MAX_LIST_BYTES)
        return cm__trap(cx, "a map of %u entries exceeds the maximum list length", n);
    wh_rc rc = cm__guest_alloc(cx, e.align, (uint32_t)bytes, &ptr);
    for (uint32_t i = 0; i < n && !rc; i++) {
        const cm_val_t *kv = v->of.list.v[i].of.list.v;
        uint32_t at = ptr + i * e.size;
        if (!(rc = cm__lower_mem(cx, t->elems[0], &kv[0], at)))
            rc = cm__lower_mem(cx, t->elems[1], &kv[1], at + e.voff);
    }
    *out_ptr = ptr;
    return rc;
}

wh_rc cm__lower_mem(cm__cx *cx, const cm_type_t *t, const cm_val_t *v, uint32_t ptr)
{
    wh_rc rc = check_kind(cx, t, v);
    uint8_t *p;
    if (rc || (rc = mem_at(cx, ptr, t->size, t->align, &p)))
        return rc;
    switch (t->kind) {
    case CM_BOOL:
        p[0] = v->of.b ? 1 : 0;
        return WH_OK;
    case CM_S8:
    case CM_U8:
    case CM_S16:
    case CM_U16:
    case CM_S32:
    case CM_U32:
    case CM_S64:
    case CM_U64:
        put_le(p, v->of.u, t->size);
        return WH_OK;
    case CM_F32: {
        float f = canon_f32(v->of.f32);
        uint32_t bits;
        memcpy(&bits, &f, 4);
        put_le(p, bits, 4);
        return WH_OK;
    }
    case CM_F64: {
        double d = canon_f64(v->of.f64);
        uint64_t bits;
        memcpy(&bits, &d, 8);
        put_le(p, bits, 8);
        return WH_OK;
    }
    case CM_CHAR:
        if ((rc = check_char(cx, v->of.ch)))
            return rc;
        put_le(p, v->of.ch, 4);
        return WH_OK;
    case CM_STRING:
    case CM_LIST:
    case CM_MAP: {
        uint32_t sp, sl;
        if (t->kind == CM_STRING)
            rc = store_string(cx, v, &sp, &sl);
        else if (t->kind == CM_MAP)
            rc = store_map(cx, t, v, &sp), sl = v->of.list.n;
        else
            rc = store_list(cx, t->elems[0], v, &sp), sl = list_len(t->elems[0], v);
        /* realloc may have grown the memory: look up the place again */
        if (rc || (rc = mem_at(cx, ptr, 8, 4, &p)))
            return rc;
        put_le(p, sp, 4);
        put_le(p + 4, sl, 4);
        return WH_OK;
    }
    case CM_FIXED_LIST: {
        const cm_type_t *et = t->elems[0];
        for (uint32_t i = 0; i < t->length && !rc; i++)
            rc = cm__lower_mem(cx, et, &v->of.list.v[i], ptr + i * et->size);
        return rc;
    }
    case CM_RECORD:
    case CM_TUPLE: {
        uint32_t off = 0;
        for (uint32_t i = 0; i < t->n && !rc; i++) {
            const cm_type_t *f = t->elems[i];
            off = align_to(off, f->align);
            rc = cm__lower_mem(cx, f, &v->of.list.v[i], ptr + off);
            off += f->size;
        }
        return rc;
    }
    case CM_VARIANT:
    case CM_ENUM:
    case CM_OPTION:
    case CM_RESULT: {
        put_le(p, v->of.var.tag, disc_size(case_count(t)));
        const cm_type_t *pt = case_payload(t, v->of.var.tag);
        return pt ? cm__lower_mem(cx, pt, v->of.var.v, ptr + payload_offset(t)) : WH_OK;
    }
    case CM_FLAGS:
        put_le(p, v->of.flags, t->size);
        return WH_OK;
    case CM_OWN:
    case CM_BORROW: {
        uint32_t h;
        if ((rc = lower_handle(cx, t, v, &h)) || (rc = mem_at(cx, ptr, 4, 4, &p)))
            return rc;
        put_le(p, h, 4);
        return WH_OK;
    }
    default:
        return cm__trap(cx, "values of this type are not supported yet");
    }
}

/* ---- lowering into core values (lower_flat) ---- */

static wh_rc lower_flat_into(cm__cx *cx, const cm_type_t *t, const cm_val_t *v, wm_slot *s)
{
    wh_rc rc = check_kind(cx, t, v);
    if (rc)
        return rc;
    switch (t->kind) {
    case CM_BOOL:
        s->i32 = v->of.b ? 1 : 0;
        return WH_OK;
    case CM_S8:
    case CM_U8:
    case CM_S16:
    case CM_U16:
    case CM_S32:
    case CM_U32: {
        /* core i32 carries the value's bits; signed values are sign-extended to 32 */
        uint64_t mask = t->size == 4 ? 0xffffffffu : (1u << (t->size * 8)) - 1;
        uint32_t bits = (uint32_t)(v->of.u & mask);
        if ((t->kind == CM_S8 || t->kind == CM_S16) && (bits >> (t->size * 8 - 1)))
            bits |= ~(uint32_t)mask;
        s->i32 = bits;
        return WH_OK;
    }
    case CM_S64:
    case CM_U64:
        s->i64 = v->of.u;
        return WH_OK;
    case CM_F32:
        s->f32 = canon_f32(v->of.f32);
        return WH_OK;
    case CM_F64:
        s->f64 = canon_f64(v->of.f64);
        return WH_OK;
    case CM_CHAR:
        s->i32 = v->of.ch;
        return check_char(cx, v->of.ch);
    case CM_STRING: {
        uint32_t sp, sl;
        if ((rc = store_string(cx, v, &sp, &sl)))
            return rc;
        s[0].i32 = sp;
        s[1].i32 = sl;
        return WH_OK;
    }
    case CM_LIST: {
        uint32_t sp;
        if ((rc = store_list(cx, t->elems[0], v, &sp)))
            return rc;
        s[0].i32 = sp;
        s[1].i32 = list_len(t->elems[0], v);
        return WH_OK;
    }
    case CM_MAP: {
        uint32_t sp;
        if ((rc = store_map(cx, t, v, &sp)))
            return rc;
        s[0].i32 = sp;
        s[1].i32 = v->of.list.n;
        return WH_OK;
    }
    case CM_FIXED_LIST: {
        uint32_t k = 0;
        for (uint32_t i = 0; i < t->length && !rc; i++) {
            rc = lower_flat_into(cx, t->elems[0], &v->of.list.v[i], s + k);
            k += t->elems[0]->nflat;
        }
        return rc;
    }
    case CM_RECORD:
    case CM_TUPLE: {
        uint32_t k = 0;
        for (uint32_t i = 0; i < t->n && !rc; i++) {
            rc = lower_flat_into(cx, t->elems[i], &v->of.list.v[i], s + k);
            k += t->elems[i]->nflat;
        }
        return rc;
    }
    case CM_VARIANT:
    case CM_ENUM:
    case CM_OPTION:
    case CM_RESULT: {
        s[0].i32 = v->of.var.tag;
        const cm_type_t *pt = case_payload(t, v->of.var.tag);
        return pt ? lower_flat_into(cx, pt, v->of.var.v, s + 1) : WH_OK;
    }
    case CM_FLAGS:
        s->i32 = v->of.flags;
        return WH_OK;
    case CM_OWN:
    case CM_BORROW: {
        uint32_t h;
        if ((rc = lower_handle(cx, t, v, &h)))
            return rc;
        s->i32 = h;
        return WH_OK;
    }
    default:
        return cm__trap(cx, "values of this type are not supported yet");
    }
}

wh_rc cm__lower_flat(cm__cx *cx, const cm_type_t *t, const cm_val_t *v, wm_slot *vals,
                     uint32_t nvals, uint32_t *i)
{
    if (*i + t->nflat > nvals)
        return wh_err(cx->err, WH_ARG, -1, "too few core values for a lowered value");
    /* Zero first: narrower payloads in joined slots must be zero-extended. */
    memset(vals + *i, 0, t->nflat * sizeof *vals);
    wh_rc rc = lower_flat_into(cx, t, v, vals + *i);
    *i += t->nflat;
    return rc;
}
