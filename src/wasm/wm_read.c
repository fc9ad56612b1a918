/*
 * wm_read.c — the primitive readers of the binary format: bytes, LEB128
 * integers, floats and UTF-8 names.
 *
 * LEB128 rules (spec 5.2.2): an N-bit integer takes at most ceil(N/7) bytes
 * ("integer representation too long" beyond), and the unused bits of the
 * last byte must be zero for unsigned or a sign extension for signed
 * ("integer too large" otherwise).
 */
#include "internal.h"

#include <string.h>

static wh_rc unexpected_end(wm__reader *r, wh_err_t *err)
{
    return wh_err(err, WH_MALFORMED, wm__offset(r), "unexpected end");
}

wh_rc wm__read_u8(wm__reader *r, uint8_t *out, wh_err_t *err)
{
    if (r->p >= r->end)
        return unexpected_end(r, err);
    *out = *r->p++;
    return WH_OK;
}

/* Reads an unsigned LEB128 of at most `bits` bits. */
static wh_rc read_uleb(wm__reader *r, unsigned bits, uint64_t *out, wh_err_t *err)
{
    const uint8_t *start = r->p;
    uint64_t v = 0;
    unsigned shift = 0;
    unsigned maxbytes = (bits + 6) / 7;
    for (unsigned i = 0;; i++) {
        if (r->p >= r->end)
            return unexpected_end(r, err);
        if (i >= maxbytes)
            return wh_err(err, WH_MALFORMED, (int64_t)(start - r->base),
                          "integer representation too long");
        uint8_t b = *r->p++;
        if (i == maxbytes - 1) {
            /* The last byte may only carry the remaining bits. */
            unsigned left = bits - shift;
            if (b & 0x80)
                return wh_err(err, WH_MALFORMED, (int64_t)(start - r->base),
                              "integer representation too long");
            if (left < 7 && (b >> left) != 0)
                return wh_err(err, WH_MALFORMED, (int64_t)(start - r->base), "integer too large");
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    *out = v;
    return WH_OK;
}

/* Reads a signed LEB128 of at most `bits` bits. */
static wh_rc read_sleb(wm__reader *r, unsigned bits, int64_t *out, wh_err_t *err)
{
    const uint8_t *start = r->p;
    uint64_t v = 0;
    unsigned shift = 0;
    unsigned maxbytes = (bits + 6) / 7;
    uint8_t b;
    for (unsigned i = 0;; i++) {
        if (r->p >= r->end)
            return unexpected_end(r, err);
        if (i >= maxbytes)
            return wh_err(err, WH_MALFORMED, (int64_t)(start - r->base),
                          "integer representation too long");
        b = *r->p++;
        if (i == maxbytes - 1) {
            if (b & 0x80)
                return wh_err(err, WH_MALFORMED, (int64_t)(start - r->base),
                              "integer representation too long");
            /* The bits above `bits` must all equal the sign bit. */
            unsigned left = bits - shift; /* payload bits in this byte, 1..7 */
            if (left < 7) {
                int sign = (b >> (left - 1)) & 1;
                uint8_t high = (uint8_t)(b & 0x7f) >> (left - 1); /* sign bit and above */
                uint8_t want = sign ? (uint8_t)(0x7f >> (left - 1)) : 0;
                if (high != want)
                    return wh_err(err, WH_MALFORMED, (int64_t)(start - r->base),
                                  "integer too large");
            }
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    if (shift < 64 && (b & 0x40))
        v |= ~(uint64_t)0 << shift;
    *out = (int64_t)v;
    return WH_OK;
}

wh_rc wm__read_u32(wm__reader *r, uint32_t *out, wh_err_t *err)
{
    uint64_t v;
    wh_rc rc = read_uleb(r, 32, &v, err);
    *out = (uint32_t)v;
    return rc;
}

wh_rc wm__read_u64(wm__reader *r, uint64_t *out, wh_err_t *err)
{
    return read_uleb(r, 64, out, err);
}

wh_rc wm__read_s32(wm__reader *r, int32_t *out, wh_err_t *err)
{
    int64_t v;
    wh_rc rc = read_sleb(r, 32, &v, err);
    *out = (int32_t)v;
    return rc;
}

wh_rc wm__read_s33(wm__reader *r, int64_t *out, wh_err_t *err)
{
    return read_sleb(r, 33, out, err);
}

wh_rc wm__read_s64(wm__reader *r, int64_t *out, wh_err_t *err)
{
    return read_sleb(r, 64, out, err);
}

wh_rc wm__read_bytes(wm__reader *r, uint32_t n, const uint8_t **out, wh_err_t *err)
{
    if ((size_t)(r->end - r->p) < n)
        return unexpected_end(r, err);
    *out = r->p;
    r->p += n;
    return WH_OK;
}

wh_rc wm__read_f32(wm__reader *r, uint32_t *out_bits, wh_err_t *err)
{
    const uint8_t *b = NULL;
    wh_rc rc = wm__read_bytes(r, 4, &b, err);
    if (rc)
        return rc;
    *out_bits = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return WH_OK;
}

wh_rc wm__read_f64(wm__reader *r, uint64_t *out_bits, wh_err_t *err)
{
    const uint8_t *b = NULL;
    wh_rc rc = wm__read_bytes(r, 8, &b, err);
    if (rc)
        return rc;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    *out_bits = v;
    return WH_OK;
}

wh_rc wm__read_name(wm__reader *r, wh_arena_t *arena, char **out, uint32_t *out_len, wh_err_t *err)
{
    uint32_t n;
    const uint8_t *b = NULL;
    wh_rc rc = wm__read_u32(r, &n, err);
    if (rc)
        return rc;
    uint32_t at = wm__offset(r);
    if ((rc = wm__read_bytes(r, n, &b, err)))
        return rc;
    if (!wh_utf8_valid(b, n))
        return wh_err(err, WH_MALFORMED, at, "malformed UTF-8 encoding");
    char *s = wh_arena_alloc(arena, (size_t)n + 1);
    if (!s)
        return wh_err(err, WH_NOMEM, at, "out of memory");
    memcpy(s, b, n);
    s[n] = 0;
    *out = s;
    if (out_len)
        *out_len = n;
    return WH_OK;
}

uint32_t wm__types_slots(const uint8_t *types, uint32_t n)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i++)
        s += wm__slots(types[i]);
    return s;
}

bool wm_functype_eq(const wm_functype_t *a, const wm_functype_t *b)
{
    if (a == b)
        return true;
    /* memcmp must not see the NULL arrays of empty lists. */
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           (!a->nparams || !memcmp(a->params, b->params, a->nparams)) &&
           (!a->nresults || !memcmp(a->results, b->results, a->nresults));
}

const char *wm_valtype_name(uint8_t t)
{
    switch (t) {
    case WM_I32:
        return "i32";
    case WM_I64:
        return "i64";
    case WM_F32:
        return "f32";
    case WM_F64:
        return "f64";
    case WM_V128:
        return "v128";
    case WM_FUNCREF:
        return "funcref";
    case WM_EXTERNREF:
        return "externref";
    case WM_EXNREF:
        return "exnref";
    default:
        return "?";
    }
}
