/*
 * wm_decode.c — wm_module_load: decodes a module binary into struct
 * wm_module and validates everything outside function bodies (index
 * ranges, limits, constant expressions, segments, exports, start); each
 * body goes to wm__compile_func.
 *
 * Like the spec's reference decoder, sections are read from one stream that
 * ends at the end of the module, and each section's size is checked once it
 * has been read ("section size mismatch"). So a count or a length that runs
 * past its section gets the same message the spec tests expect. Invariant:
 * every count and length is checked against the bytes left before anything
 * is allocated for it, so memory use stays proportional to the input.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* WebAssembly 2.0 allows one memory; multi-memory (3.0) allows as many as
 * the index space holds, which the section's own limits bound. */
#define MAX_MEMORIES_2_0 1u

enum {
    SEC_CUSTOM,
    SEC_TYPE,
    SEC_IMPORT,
    SEC_FUNC,
    SEC_TABLE,
    SEC_MEMORY,
    SEC_GLOBAL,
    SEC_EXPORT,
    SEC_START,
    SEC_ELEM,
    SEC_CODE,
    SEC_DATA,
    SEC_DATACOUNT,
    SEC_TAG, /* exception handling */
    SEC_COUNT
};

static const char *const sec_names[SEC_COUNT] = {
    "custom", "type",  "import",  "function", "table", "memory",     "global",
    "export", "start", "element", "code",     "data",  "data count", "tag"};

/* The order the binary format requires: data count sits between element and
 * code, tag between memory and global. Custom sections (rank 0) may appear
 * anywhere. */
static const uint8_t sec_rank[SEC_COUNT] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};

typedef struct {
    wm_module_t *m;
    wm__reader r; /* the whole module; r.p is the next byte to read */
    wh_err_t *err;
    uint32_t max_mems;
    bool exceptions;         /* WM_FEATURE_EXCEPTIONS */
    uint32_t ndefined_funcs; /* from the function section */
    bool seen_code, seen_data;
} dec;

#define TRY(x)                                                                                     \
    do {                                                                                           \
        if ((rc = (x)) != WH_OK)                                                                   \
            goto fail;                                                                             \
    } while (0)

static uint32_t off_of(const dec *d, const uint8_t *p)
{
    return (uint32_t)(p - d->r.base);
}

static uint32_t here(const dec *d)
{
    return off_of(d, d->r.p);
}

__attribute__((format(printf, 3, 4))) static wh_rc malformed(dec *d, uint32_t at, const char *fmt,
                                                             ...)
{
    va_list ap;
    va_start(ap, fmt);
    wh_verr(d->err, WH_MALFORMED, at, fmt, ap);
    va_end(ap);
    return WH_MALFORMED;
}

__attribute__((format(printf, 3, 4))) static wh_rc invalid(dec *d, uint32_t at, const char *fmt,
                                                           ...)
{
    va_list ap;
    va_start(ap, fmt);
    wh_verr(d->err, WH_INVALID, at, fmt, ap);
    va_end(ap);
    return WH_INVALID;
}

/* Arena memory for count items of size bytes each, zeroed. Callers have
 * already bounded count by the input size. */
static void *alloc_n(dec *d, uint64_t count, size_t size, void *out_ptr)
{
    void **out = out_ptr;
    if (count > SIZE_MAX / (size ? size : 1) / 2) {
        *out = NULL;
        return NULL;
    }
    *out = wh_arena_calloc(&d->m->arena, (size_t)count * size);
    return *out;
}

static wh_rc nomem(dec *d)
{
    return wh_err(d->err, WH_NOMEM, here(d), "out of memory");
}

/* ---- Primitive reads ---- */

static wh_rc rd_u8(dec *d, uint8_t *v)
{
    return wm__read_u8(&d->r, v, d->err);
}

static wh_rc rd_u32(dec *d, uint32_t *v)
{
    return wm__read_u32(&d->r, v, d->err);
}

/* A length or a vector count. As in the reference decoder it may not exceed
 * the bytes left counted from where it starts; every vector item takes at
 * least one byte, so this also bounds what gets allocated for it. */
static wh_rc rd_len(dec *d, uint32_t *n)
{
    const uint8_t *at = d->r.p;
    wh_rc rc = rd_u32(d, n);
    if (rc)
        return rc;
    if (*n > (size_t)(d->r.end - at))
        return malformed(d, off_of(d, at), "length out of bounds");
    return WH_OK;
}

static wh_rc rd_name(dec *d, char **out, uint32_t *out_len)
{
    const uint8_t *at = d->r.p;
    uint32_t n;
    wh_rc rc = rd_len(d, &n);
    if (rc)
        return rc;
    d->r.p = at;
    return wm__read_name(&d->r, &d->m->arena, out, out_len, d->err);
}

/* Type bytes are one-byte signed LEB128 numbers in the spec's grammar, so
 * a continuation bit means an over-long encoding. */
static wh_rc rd_typebyte(dec *d, uint8_t *b)
{
    uint32_t at = here(d);
    wh_rc rc = rd_u8(d, b);
    if (rc)
        return rc;
    if (*b & 0x80)
        return malformed(d, at, "integer representation too long");
    return WH_OK;
}

static bool is_valtype(const dec *d, uint8_t b)
{
    switch (b) {
    case WM_EXNREF:
        return d->exceptions;
    case WM_I32:
    case WM_I64:
    case WM_F32:
    case WM_F64:
    case WM_V128:
    case WM_FUNCREF:
    case WM_EXTERNREF:
        return true;
    default:
        return false;
    }
}

static wh_rc rd_valtype(dec *d, uint8_t *out)
{
    uint32_t at = here(d);
    wh_rc rc = rd_typebyte(d, out);
    if (rc)
        return rc;
    if (!is_valtype(d, *out))
        return malformed(d, at, "malformed value type 0x%02x", *out);
    return WH_OK;
}

static wh_rc rd_reftype(dec *d, uint8_t *out)
{
    uint32_t at = here(d);
    wh_rc rc = rd_typebyte(d, out);
    if (rc)
        return rc;
    if (*out != WM_FUNCREF && *out != WM_EXTERNREF && !(*out == WM_EXNREF && d->exceptions))
        return malformed(d, at, "malformed reference type 0x%02x", *out);
    return WH_OK;
}

/* Limits: a flag (a small LEB128 in the spec's grammar: bit 0 = a maximum
 * follows, bit 2 = i64 addresses, memory64), then min and max, u32 or
 * (i64 addresses) u64. range is the largest valid value of either kind. */
static wh_rc rd_limits(dec *d, wm_limits_t *lim, uint64_t range, const char *range_msg,
                       uint64_t range64, const char *range64_msg)
{
    uint32_t at = here(d);
    uint8_t flag;
    wh_rc rc = rd_u8(d, &flag);
    if (rc)
        return rc;
    if (flag & 0x80)
        return malformed(d, at, "integer representation too long");
    bool is64 = (d->m->cfg.features & WM_FEATURE_MEMORY64) && (flag & ~1u) == 4;
    if (flag > 1 && !is64)
        return malformed(d, at, "integer too large");
    bool has_max = flag & 1;
    uint64_t min = 0, max = 0;
    if (is64) {
        if ((rc = wm__read_u64(&d->r, &min, d->err)) ||
            (has_max && (rc = wm__read_u64(&d->r, &max, d->err))))
            return rc;
    } else {
        uint32_t min32, max32 = 0;
        if ((rc = rd_u32(d, &min32)) || (has_max && (rc = rd_u32(d, &max32))))
            return rc;
        min = min32;
        max = max32;
    }
    lim->min = min;
    lim->max = max;
    lim->has_max = has_max;
    lim->is64 = is64;
    if (is64)
        range = range64, range_msg = range64_msg;
    if (min > range || (has_max && max > range))
        return invalid(d, at, "%s", range_msg);
    if (has_max && min > max)
        return invalid(d, at, "size minimum must not be greater than maximum");
    return WH_OK;
}

static wh_rc rd_tabletype(dec *d, wm_tabletype_t *t)
{
    wh_rc rc = rd_reftype(d, &t->elem);
    if (rc)
        return rc;
    return rd_limits(d, &t->limits, UINT32_MAX, "table size must be at most 2^32-1", UINT64_MAX,
                     "");
}

static wh_rc rd_memtype(dec *d, wm_limits_t *lim)
{
    return rd_limits(d, lim, WM_MAX_PAGES, "memory size must be at most 65536 pages (4GiB)",
                     UINT64_C(1) << 48, "memory size must be at most 2^48 pages");
}

static wh_rc rd_globaltype(dec *d, wm_globaltype_t *g)
{
    uint8_t mut;
    uint32_t at;
    wh_rc rc = rd_valtype(d, &g->type);
    if (rc)
        return rc;
    at = here(d);
    if ((rc = rd_u8(d, &mut)))
        return rc;
    if (mut > 1)
        return malformed(d, at, "malformed mutability");
    g->mut = mut;
    return WH_OK;
}

/* ---- Constant expressions ---- */

/* Whether a one-byte opcode exists in WebAssembly 2.0, to tell "illegal
 * opcode" (malformed) from "constant expression required" (invalid). */
static bool known_opcode(uint8_t op)
{
    return op <= 0x05 || (op >= 0x0b && op <= 0x11) || (op >= 0x1a && op <= 0x1c) ||
           (op >= 0x20 && op <= 0x26) || (op >= 0x28 && op <= 0xc4) || (op >= 0xd0 && op <= 0xd2) ||
           op == 0xfc || op == 0xfd;
}

/* The binary operators of extended constant expressions and the type they
 * take and give, or 0. */
static uint8_t ext_binop(uint8_t op)
{
    switch (op) {
    case 0x6a: /* i32.add */
    case 0x6b: /* i32.sub */
    case 0x6c: /* i32.mul */
        return WM_I32;
    case 0x7c: /* i64.add */
    case 0x7d: /* i64.sub */
    case 0x7e: /* i64.mul */
        return WM_I64;
    default:
        return 0;
    }
}

/* Reads a constant expression up to its end opcode and checks that it is
 * constant and produces one value of type want (spec 3.3.10, with the
 * extended constant expressions of WebAssembly 3.0: i32 and i64 add, sub
 * and mul). global.get may name only immutable globals, imported ones
 * (2.0) or any defined before (3.0, WM_FEATURE_CONST_GLOBALS). Functions
 * named by ref.func are recorded in func_refs (spec C.refs). */
static wh_rc rd_constexpr(dec *d, uint8_t want, wm__constexpr *ce)
{
    wm_module_t *m = d->m;
    uint32_t start = here(d), depth = 0;
    uint8_t types[WM__CE_MAX_DEPTH];
    WH_VEC(wm__constexpr) code = {0};
    wh_rc rc;
    memset(ce, 0, sizeof *ce);
    for (;;) {
        uint32_t at = here(d), x;
        uint8_t op, t;
        wm__constexpr cur = {0};
        TRY(rd_u8(d, &op));
        cur.op = op;
        switch (op) {
        case 0x0b:
            goto end;
        case 0x41: {
            int32_t v;
            TRY(wm__read_s32(&d->r, &v, d->err));
            cur.val[0].i64 = (uint32_t)v;
            t = WM_I32;
            break;
        }
        case 0x42: {
            int64_t v;
            TRY(wm__read_s64(&d->r, &v, d->err));
            cur.val[0].i64 = (uint64_t)v;
            t = WM_I64;
            break;
        }
        case 0x43: {
            uint32_t bits;
            TRY(wm__read_f32(&d->r, &bits, d->err));
            cur.val[0].i64 = bits;
            t = WM_F32;
            break;
        }
        case 0x44:
            TRY(wm__read_f64(&d->r, &cur.val[0].i64, d->err));
            t = WM_F64;
            break;
        case 0xd0:
            TRY(rd_reftype(d, &t));
            break;
        case 0xd2:
            TRY(rd_u32(d, &x));
            if (x >= m->nfuncs) {
                rc = invalid(d, at, "unknown function %u", x);
                goto fail;
            }
            m->func_refs[x] = true;
            cur.index = x;
            t = WM_FUNCREF;
            break;
        case 0x23:
            TRY(rd_u32(d, &x));
            /* WebAssembly 2.0 lets constant expressions see imported globals
             * only; 3.0 every global defined before (the one being defined
             * is not counted yet: sec_global). */
            if (x >=
                ((m->cfg.features & WM_FEATURE_CONST_GLOBALS) ? m->nglobals : m->nglobal_imports)) {
                rc = invalid(d, at, "unknown global %u", x);
                goto fail;
            }
            if (m->globals[x].type.mut) {
                rc = invalid(d, at, "constant expression required: global %u is mutable", x);
                goto fail;
            }
            cur.index = x;
            t = m->globals[x].type.type;
            break;
        case 0xfd: {
            const uint8_t *b;
            TRY(rd_u32(d, &x));
            if (x != 12) { /* v128.const */
                rc = x <= 0xff ? invalid(d, at, "constant expression required")
                               : malformed(d, at, "illegal opcode 0xfd %u", x);
                goto fail;
            }
            TRY(wm__read_bytes(&d->r, 16, &b, d->err));
            memcpy(&cur.val[0].i64, b, 8);
            memcpy(&cur.val[1].i64, b + 8, 8);
            cur.op = WM__CE_V128;
            t = WM_V128;
            break;
        }
        case 0xfc:
            TRY(rd_u32(d, &x));
            rc = x <= 17 ? invalid(d, at, "constant expression required")
                         : malformed(d, at, "illegal opcode 0xfc %u", x);
            goto fail;
        default:
            if ((t = ext_binop(op))) {
                if (depth < 2 || types[depth - 1] != t || types[depth - 2] != t) {
                    rc = invalid(d, at, "type mismatch: %s operator needs two %s operands",
                                 wm_valtype_name(t), wm_valtype_name(t));
                    goto fail;
                }
                depth -= 2;
                break;
            }
            rc = known_opcode(op) ? invalid(d, at, "constant expression required")
                                  : malformed(d, at, "illegal opcode 0x%02x", op);
            goto fail;
        }
        cur.type = t;
        if (depth == WM__CE_MAX_DEPTH) {
            rc = invalid(d, at,
                         "constant expression deeper than %d values (a limit of this "
                         "engine)",
                         WM__CE_MAX_DEPTH);
            goto fail;
        }
        types[depth++] = t;
        if (!wh_vec_push(&code, cur)) {
            rc = wh_err(d->err, WH_NOMEM, -1, "out of memory");
            goto fail;
        }
    }
end:
    if (depth != 1) {
        rc = invalid(d, start, "type mismatch: constant expression must produce one %s value",
                     wm_valtype_name(want));
        goto fail;
    }
    if (types[0] != want) {
        rc = invalid(d, start, "type mismatch: expected %s, got %s", wm_valtype_name(want),
                     wm_valtype_name(types[0]));
        goto fail;
    }
    if (code.len == 1) {
        *ce = code.data[0];
    } else {
        wm__constexpr *items;
        if (!alloc_n(d, code.len, sizeof *items, &items)) {
            rc = wh_err(d->err, WH_NOMEM, -1, "out of memory");
            goto fail;
        }
        memcpy(items, code.data, code.len * sizeof *items);
        *ce = (wm__constexpr){.op = WM__CE_EXPR, .type = want, .index = code.len, .code = items};
    }
    wh_vec_free(&code);
    return WH_OK;
fail:
    wh_vec_free(&code);
    return rc;
}

/* A tag's type (exception handling): an attribute, 0 for exceptions (the
 * only kind there is), and a function type index whose results must be
 * empty. */
static wh_rc rd_tagtype(dec *d, wm__tag *t)
{
    uint32_t at = here(d), x;
    uint8_t attr;
    wh_rc rc = rd_u8(d, &attr);
    if (rc)
        return rc;
    if (attr != 0)
        return malformed(d, at, "malformed tag attribute %u", attr);
    at = here(d);
    if ((rc = rd_u32(d, &x)))
        return rc;
    if (x >= d->m->ntypes)
        return invalid(d, at, "unknown type %u", x);
    if (d->m->types[x].nresults)
        return invalid(d, at, "non-empty tag result type");
    t->type_index = x;
    t->type = &d->m->types[x];
    return WH_OK;
}

/* ---- Sections ---- */

static wh_rc sec_type(dec *d)
{
    wm_module_t *m = d->m;
    uint32_t n;
    wh_rc rc;
    TRY(rd_len(d, &n));
    if (!alloc_n(d, n, sizeof *m->types, &m->types))
        return nomem(d);
    for (uint32_t i = 0; i < n; i++) {
        wm_functype_t *ft = &m->types[i];
        uint32_t at = here(d), np, nr;
        uint8_t form, *params, *results;
        TRY(rd_typebyte(d, &form));
        if (form != 0x60)
            return malformed(d, at, "malformed function type 0x%02x", form);
        TRY(rd_len(d, &np));
        if (!alloc_n(d, np, 1, &params))
            return nomem(d);
        for (uint32_t k = 0; k < np; k++)
            TRY(rd_valtype(d, &params[k]));
        TRY(rd_len(d, &nr));
        if (!alloc_n(d, nr, 1, &results))
            return nomem(d);
        for (uint32_t k = 0; k < nr; k++)
            TRY(rd_valtype(d, &results[k]));
        ft->nparams = np;
        ft->nresults = nr;
        ft->params = params;
        ft->results = results;
        m->ntypes = i + 1;
    }
    return WH_OK;
fail:
    return rc;
}

static wh_rc check_mems(dec *d, uint32_t at)
{
    if (d->m->nmems > d->max_mems)
        return invalid(d, at, "multiple memories");
    return WH_OK;
}

static wh_rc sec_import(dec *d)
{
    wm_module_t *m = d->m;
    uint32_t n, at;
    wh_rc rc;
    TRY(rd_len(d, &n));
    /* Each index space gets room for every import; most stay unused, but
     * the total is bounded by the import count, itself bounded by the input. */
    if (!alloc_n(d, n, sizeof *m->imports, &m->imports) ||
        !alloc_n(d, n, sizeof *m->funcs, &m->funcs) ||
        !alloc_n(d, n, sizeof *m->tables, &m->tables) ||
        !alloc_n(d, n, sizeof *m->mems, &m->mems) ||
        !alloc_n(d, n, sizeof *m->globals, &m->globals) ||
        !alloc_n(d, n, sizeof *m->tags, &m->tags))
        return nomem(d);
    for (uint32_t i = 0; i < n; i++) {
        wm__import *imp = &m->imports[i];
        uint8_t kind;
        TRY(rd_name(d, &imp->module, &imp->module_len));
        TRY(rd_name(d, &imp->name, &imp->name_len));
        at = here(d);
        TRY(rd_u8(d, &kind));
        imp->kind = kind;
        switch (kind) {
        case WM_EXTERN_FUNC: {
            uint32_t t;
            TRY(rd_u32(d, &t));
            if (t >= m->ntypes)
                return invalid(d, at, "unknown type %u", t);
            imp->index = m->nfuncs;
            m->funcs[m->nfuncs++] =
                (wm__func){.type_index = t, .type = &m->types[t], .imported = true};
            break;
        }
        case WM_EXTERN_TABLE:
            imp->index = m->ntables;
            m->tables[m->ntables].imported = true;
            TRY(rd_tabletype(d, &m->tables[m->ntables++].type));
            break;
        case WM_EXTERN_MEMORY:
            imp->index = m->nmems;
            m->mems[m->nmems].imported = true;
            TRY(rd_memtype(d, &m->mems[m->nmems++].limits));
            TRY(check_mems(d, at));
            break;
        case WM_EXTERN_GLOBAL:
            imp->index = m->nglobals;
            m->globals[m->nglobals].imported = true;
            TRY(rd_globaltype(d, &m->globals[m->nglobals++].type));
            break;
        case WM_EXTERN_TAG:
            if (!d->exceptions)
                return malformed(d, at, "malformed import kind %u", kind);
            imp->index = m->ntags;
            m->tags[m->ntags].imported = true;
            TRY(rd_tagtype(d, &m->tags[m->ntags++]));
            break;
        default:
            return malformed(d, at, "malformed import kind %u", kind);
        }
        m->nimports = i + 1;
    }
    m->nfunc_imports = m->nfuncs;
    m->ntable_imports = m->ntables;
    m->nmem_imports = m->nmems;
    m->nglobal_imports = m->nglobals;
    m->ntag_imports = m->ntags;
    return WH_OK;
fail:
    return rc;
}

/* Makes room for n definitions after the imports of an index space. */
static void *extend(dec *d, void *old, uint32_t nold, uint32_t n, size_t size)
{
    void *p;
    if (!alloc_n(d, (uint64_t)nold + n, size, &p))
        return NULL;
    if (nold)
        memcpy(p, old, (size_t)nold * size);
    return p;
}

static wh_rc sec_func(dec *d)
{
    wm_module_t *m = d->m;
    uint32_t n;
    wh_rc rc;
    TRY(rd_len(d, &n));
    if (!(m->funcs = extend(d, m->funcs, m->nfuncs, n, sizeof *m->funcs)))
        return nomem(d);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = here(d), t;
        TRY(rd_u32(d, &t));
        if (t >= m->ntypes)
            return invalid(d, at, "unknown type %u", t);
        m->funcs[m->nfuncs++] = (wm__func){.type_index = t, .type = &m->types[t]};
    }
    d->ndefined_funcs = n;
    return WH_OK;
fail:
    return rc;
}

static wh_rc sec_table(dec *d)
{
    wm_module_t *m = d->m;
    uint32_t n;
    wh_rc rc;
    TRY(rd_len(d, &n));
    if (!(m->tables = extend(d, m->tables, m->ntables, n, sizeof *m->tables)))
        return nomem(d);
    for (uint32_t i = 0; i < n; i++)
        TRY(rd_tabletype(d, &m->tables[m->ntables++].type));
    return WH_OK;
fail:
    return rc;
}

static wh_rc sec_memory(dec *d)
{
    wm_module_t *m = d->m;
    uint32_t n;
    wh_rc rc;
    TRY(rd_len(d, &n));
    if (!(m->mems = extend(d, m->mems, m->nmems, n, sizeof *m->mems)))
        return nomem(d);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = here(d);
        TRY(rd_memtype(d, &m->mems[m->nmems++].limits));
        TRY(check_mems(d, at));
    }
    return WH_OK;
fail:
    return rc;
}

static wh_rc sec_tag(dec *d)
{
    wm_module_t *m = d->m;
    uint32_t n;
    wh_rc rc;
    TRY(rd_len(d, &n));
    if (!(m->tags = extend(d, m->tags, m->ntags, n, sizeof *m->tags)))
        return nomem(d);
    for (uint32_t i = 0; i < n; i++)
        TRY(rd_tagtype(d, &m->tags[m->ntags++]));
    return WH_OK;
fail:
    return rc;
}

static wh_rc sec_global(dec *d)
{
    wm_module_t *m = d->m;
    uint32_t n;
    wh_rc rc;
    TRY(rd_len(d, &n));
    if (!(m->globals = extend(d, m->globals, m->nglobals, n, sizeof *m->globals)))
        return nomem(d);
    for (uint32_t i = 0; i < n; i++) {
        wm__global *g = &m->globals[m->nglobals];
        TRY(rd_globaltype(d, &g->type));
        TRY(rd_constexpr(d, g->type.type, &g->init));
        /* Counted only now: its own initializer may not refer to it. */
        m->nglobals++;
    }
    return WH_OK;
fail:
    return rc;
}

typedef struct {
    const char *s;
    uint32_t len;
    uint32_t at;
} name_ref;

static int name_cmp(const void *a, const void *b)
{
    const name_ref *x = a, *y = b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static wh_rc sec_export(dec *d)
{
    wm_module_t *m = d->m;
    uint32_t n;
    name_ref *names = NULL;
    wh_rc rc;
    TRY(rd_len(d, &n));
    if (!alloc_n(d, n, sizeof *m->exports, &m->exports) ||
        !(names = wh_malloc((size_t)n * sizeof *names + 1)))
        return nomem(d);
    for (uint32_t i = 0; i < n; i++) {
        wm__export *ex = &m->exports[i];
        uint32_t at = here(d), x, len;
        uint8_t kind;
        TRY(rd_name(d, &ex->name, &len));
        ex->name_len = len;
        names[i] = (name_ref){ex->name, len, at};
        at = here(d);
        TRY(rd_u8(d, &kind));
        TRY(rd_u32(d, &x));
        ex->kind = kind;
        ex->index = x;
        switch (kind) {
        case WM_EXTERN_FUNC:
            if (x >= m->nfuncs) {
                rc = invalid(d, at, "unknown function %u", x);
                goto fail;
            }
            m->func_refs[x] = true;
            break;
        case WM_EXTERN_TABLE:
            if (x >= m->ntables) {
                rc = invalid(d, at, "unknown table %u", x);
                goto fail;
            }
            break;
        case WM_EXTERN_MEMORY:
            if (x >= m->nmems) {
                rc = invalid(d, at, "unknown memory %u", x);
                goto fail;
            }
            break;
        case WM_EXTERN_GLOBAL:
            if (x >= m->nglobals) {
                rc = invalid(d, at, "unknown global %u", x);
                goto fail;
            }
            break;
        case WM_EXTERN_TAG:
            if (!d->exceptions) {
                rc = malformed(d, at, "malformed export kind %u", kind);
                goto fail;
            }
            if (x >= m->ntags) {
                rc = invalid(d, at, "unknown tag %u", x);
                goto fail;
            }
            break;
        default:
            rc = malformed(d, at, "malformed export kind %u", kind);
            goto fail;
        }
        m->nexports = i + 1;
    }
    /* Duplicates: sort a copy of the names (which may hold NUL bytes). */
    qsort(names, n, sizeof *names, name_cmp);
    for (uint32_t i = 1; i < n; i++) {
        if (!name_cmp(&names[i - 1], &names[i])) {
            uint32_t at = names[i - 1].at > names[i].at ? names[i - 1].at : names[i].at;
            rc = invalid(d, at, "duplicate export name \"%s\"", names[i].s);
            goto fail;
        }
    }
    wh_free(names);
    return WH_OK;
fail:
    wh_free(names);
    return rc;
}

static wh_rc sec_start(dec *d)
{
    wm_module_t *m = d->m;
    uint32_t at = here(d), x;
    wh_rc rc;
    TRY(rd_u32(d, &x));
    if (x >= m->nfuncs)
        return invalid(d, at, "unknown function %u", x);
    if (m->funcs[x].type->nparams || m->funcs[x].type->nresults)
        return invalid(d, at, "start function %u must have type [] -> []", x);
    m->has_start = true;
    m->start = x;
    return WH_OK;
fail:
    return rc;
}

/* Element segments, spec 5.5.12: the flags' bit 0 = passive/declarative,
 * bit 1 = explicit table index (active) or declarative (not active),
 * bit 2 = items are expressions rather than function indices. */
static wh_rc rd_elem(dec *d, wm__elem *e)
{
    wm_module_t *m = d->m;
    uint32_t at = here(d), flags, n;
    wh_rc rc;
    TRY(rd_u32(d, &flags));
    if (flags > 7)
        return malformed(d, at, "malformed elements segment kind %u", flags);
    bool passive_or_decl = flags & 1, has_table = (flags & 3) == 2, exprs = flags & 4;
    e->elemtype = WM_FUNCREF;
    e->mode = !passive_or_decl ? WM__SEG_ACTIVE
              : (flags & 2)    ? WM__SEG_DECLARATIVE
                               : WM__SEG_PASSIVE;
    if (e->mode == WM__SEG_ACTIVE) {
        uint32_t tat = here(d);
        if (has_table)
            TRY(rd_u32(d, &e->table));
        if (e->table >= m->ntables)
            return invalid(d, tat, "unknown table %u", e->table);
        TRY(rd_constexpr(d, m->tables[e->table].type.limits.is64 ? WM_I64 : WM_I32, &e->offset));
    }
    /* Encodings 0 and 4 imply funcref; the others name the type. */
    if (flags & 3) {
        uint32_t kat = here(d);
        if (exprs) {
            TRY(rd_reftype(d, &e->elemtype));
        } else {
            uint8_t kind;
            TRY(rd_u8(d, &kind));
            if (kind != 0x00)
                return malformed(d, kat, "malformed element kind %u", kind);
        }
    }
    if (e->mode == WM__SEG_ACTIVE && m->tables[e->table].type.elem != e->elemtype)
        return invalid(d, at, "type mismatch: %s segment for a %s table",
                       wm_valtype_name(e->elemtype),
                       wm_valtype_name(m->tables[e->table].type.elem));
    TRY(rd_len(d, &n));
    if (!alloc_n(d, n, sizeof *e->items, &e->items))
        return nomem(d);
    for (uint32_t i = 0; i < n; i++) {
        wm__constexpr *ce = &e->items[i];
        if (exprs) {
            TRY(rd_constexpr(d, e->elemtype, ce));
        } else {
            uint32_t xat = here(d), x;
            TRY(rd_u32(d, &x));
            if (x >= m->nfuncs)
                return invalid(d, xat, "unknown function %u", x);
            m->func_refs[x] = true;
            *ce = (wm__constexpr){.op = 0xd2, .type = WM_FUNCREF, .index = x};
        }
        e->count = i + 1;
    }
    return WH_OK;
fail:
    return rc;
}

static wh_rc sec_elem(dec *d)
{
    wm_module_t *m = d->m;
    uint32_t n;
    wh_rc rc;
    TRY(rd_len(d, &n));
    if (!alloc_n(d, n, sizeof *m->elems, &m->elems))
        return nomem(d);
    for (uint32_t i = 0; i < n; i++) {
        TRY(rd_elem(d, &m->elems[i]));
        m->nelems = i + 1;
    }
    return WH_OK;
fail:
    return rc;
}

static wh_rc sec_datacount(dec *d)
{
    wh_rc rc = rd_u32(d, &d->m->datacount);
    if (rc)
        return rc;
    d->m->has_datacount = true;
    return WH_OK;
}

/* Compiles one body. Its reader spans exactly the body; when the compiler
 * runs off that end, the declared size was too small, and the reference
 * decoder would have read on through the module. To report what it would
 * (the spec tests check that text), the body is compiled once more over the
 * rest of the module; this happens only on that error path. */
static wh_rc compile_body(dec *d, uint32_t idx, const uint8_t *body, uint32_t size)
{
    wm_module_t *m = d->m;
    /* A size checked as the spec does (from where the size starts) may still
     * reach a few bytes past the module: the reader stops at its end. */
    bool truncated = size > (size_t)(d->r.end - body);
    const uint8_t *body_end = truncated ? d->r.end : body + size;
    wm__reader br = {body, body_end, d->r.base};
    wh_rc rc = wm__compile_func(m, idx, &br, d->err);
    if (rc == WH_OK && (truncated || br.p != body_end))
        return malformed(d, off_of(d, br.p),
                         "section size mismatch: body of function %u ends early", idx);
    if (rc == WH_MALFORMED && !strncmp(d->err->msg, "unexpected end", 14)) {
        wm__reader lr = {body, d->r.end, d->r.base};
        wh_err_t e2;
        wh_err_clear(&e2);
        rc = wm__compile_func(m, idx, &lr, &e2);
        if (rc == WH_OK)
            return malformed(d, off_of(d, body_end),
                             "section size mismatch: body of function %u is longer than its size",
                             idx);
        *d->err = e2;
        if (rc == WH_MALFORMED && !strncmp(e2.msg, "unexpected end", 14))
            snprintf(d->err->msg, sizeof d->err->msg,
                     "unexpected end of section or function (function %u)", idx);
    }
    return rc;
}

static wh_rc sec_code(dec *d)
{
    wm_module_t *m = d->m;
    uint32_t at = here(d), n;
    wh_rc rc;
    TRY(rd_len(d, &n));
    if (n != d->ndefined_funcs)
        return malformed(d, at, "function and code section have inconsistent lengths (%u and %u)",
                         d->ndefined_funcs, n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size, idx = m->nfunc_imports + i;
        TRY(rd_len(d, &size));
        const uint8_t *body = d->r.p;
        m->funcs[idx].body_offset = here(d);
        TRY(compile_body(d, idx, body, size));
        d->r.p = body + size;
    }
    return WH_OK;
fail:
    return rc;
}

static wh_rc sec_data(dec *d)
{
    wm_module_t *m = d->m;
    uint32_t at0 = here(d), n;
    wh_rc rc;
    TRY(rd_len(d, &n));
    if (!alloc_n(d, n, sizeof *m->datas, &m->datas))
        return nomem(d);
    for (uint32_t i = 0; i < n; i++) {
        wm__data *seg = &m->datas[i];
        uint32_t at = here(d), flags, len;
        const uint8_t *b;
        TRY(rd_u32(d, &flags));
        if (flags > 2)
            return malformed(d, at, "malformed data segment kind %u", flags);
        seg->mode = flags == 1 ? WM__SEG_PASSIVE : WM__SEG_ACTIVE;
        if (seg->mode == WM__SEG_ACTIVE) {
            uint32_t mat = here(d);
            if (flags == 2)
                TRY(rd_u32(d, &seg->memory));
            if (seg->memory >= m->nmems)
                return invalid(d, mat, "unknown memory %u", seg->memory);
            TRY(rd_constexpr(d, m->mems[seg->memory].limits.is64 ? WM_I64 : WM_I32, &seg->offset));
        }
        TRY(rd_len(d, &len));
        TRY(wm__read_bytes(&d->r, len, &b, d->err));
        if (!(seg->bytes = wh_arena_dup(&m->arena, b, len)))
            return nomem(d);
        seg->len = len;
        m->ndatas = i + 1;
    }
    if (m->has_datacount && m->datacount != n)
        return malformed(d, at0,
                         "data count and data section have inconsistent lengths (%u and %u)",
                         m->datacount, n);
    return WH_OK;
fail:
    return rc;
}

static wh_rc sec_custom(dec *d, const uint8_t *end, bool truncated)
{
    /* Only the name is checked (well-formed UTF-8 within the section); the
     * contents are skipped. */
    const uint8_t *module_end = d->r.end;
    char *name;
    wh_rc rc;
    d->r.end = end;
    rc = rd_name(d, &name, NULL);
    d->r.end = module_end;
    if (rc)
        return rc;
    if (truncated)
        return malformed(d, off_of(d, module_end), "unexpected end");
    d->r.p = end;
    return WH_OK;
}

/* The function index space is final once the function section is behind;
 * ref.func in constant expressions, exports and bodies need func_refs. */
static wh_rc ensure_func_refs(dec *d)
{
    if (!d->m->func_refs && !alloc_n(d, (uint64_t)d->m->nfuncs + 1, sizeof(bool), &d->m->func_refs))
        return nomem(d);
    return WH_OK;
}

static wh_rc section(dec *d, uint8_t id, const uint8_t *end, bool truncated)
{
    if (sec_rank[id] > sec_rank[SEC_FUNC]) {
        wh_rc rc = ensure_func_refs(d);
        if (rc)
            return rc;
    }
    switch (id) {
    case SEC_CUSTOM:
        return sec_custom(d, end, truncated);
    case SEC_TYPE:
        return sec_type(d);
    case SEC_IMPORT:
        return sec_import(d);
    case SEC_FUNC:
        return sec_func(d);
    case SEC_TABLE:
        return sec_table(d);
    case SEC_MEMORY:
        return sec_memory(d);
    case SEC_TAG:
        return sec_tag(d);
    case SEC_GLOBAL:
        return sec_global(d);
    case SEC_EXPORT:
        return sec_export(d);
    case SEC_START:
        return sec_start(d);
    case SEC_ELEM:
        return sec_elem(d);
    case SEC_DATACOUNT:
        return sec_datacount(d);
    case SEC_CODE:
        d->seen_code = true;
        return sec_code(d);
    case SEC_DATA:
        d->seen_data = true;
        return sec_data(d);
    }
    return WH_OK;
}

/* Gives an error from a section its place: readers say "unexpected end",
 * which inside a section is the spec's "unexpected end of section or
 * function"; then the section's name is appended. */
static void annotate(dec *d, uint8_t id)
{
    wh_err_t *e = d->err;
    if (e->code == WH_MALFORMED && !strcmp(e->msg, "unexpected end"))
        snprintf(e->msg, sizeof e->msg, "unexpected end of section or function");
    size_t n = strlen(e->msg);
    snprintf(e->msg + n, sizeof e->msg - n, " (%s section)", sec_names[id]);
}

static wh_rc decode(dec *d)
{
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};
    static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
    wm_module_t *m = d->m;
    const uint8_t *b;
    uint8_t last_rank = 0;
    wh_rc rc;

    TRY(wm__read_bytes(&d->r, 4, &b, d->err));
    if (memcmp(b, magic, 4))
        return malformed(d, 0, "magic header not detected");
    TRY(wm__read_bytes(&d->r, 4, &b, d->err));
    if (memcmp(b, version, 4))
        return malformed(d, 4, "unknown binary version");

    while (d->r.p < d->r.end) {
        uint32_t at = here(d), size;
        uint8_t id = *d->r.p;
        if (id >= SEC_COUNT || (id == SEC_TAG && !d->exceptions))
            return malformed(d, at, "malformed section id %u", id);
        if (id != SEC_CUSTOM) {
            if (sec_rank[id] <= last_rank)
                return malformed(d, at, "unexpected content after last section (%s section)",
                                 sec_names[id]);
            last_rank = sec_rank[id];
        }
        d->r.p++;
        TRY(rd_len(d, &size));
        /* rd_len counts from where the size starts, as the spec's decoder
         * does, so the section may claim a few bytes more than remain; it
         * is then read up to the module's end and fails one way or another. */
        bool truncated = size > (size_t)(d->r.end - d->r.p);
        const uint8_t *end = truncated ? d->r.end : d->r.p + size;
        if ((rc = section(d, id, end, truncated))) {
            annotate(d, id);
            return rc;
        }
        if (truncated || d->r.p != end)
            return malformed(d, here(d), "section size mismatch (%s section)", sec_names[id]);
    }

    TRY(ensure_func_refs(d));
    if (!d->seen_code && d->ndefined_funcs)
        return malformed(d, here(d),
                         "function and code section have inconsistent lengths (%u and 0)",
                         d->ndefined_funcs);
    if (!d->seen_data && m->has_datacount && m->datacount)
        return malformed(d, here(d),
                         "data count and data section have inconsistent lengths (%u and 0)",
                         m->datacount);
    if (m->data_use_without_count) {
        uint32_t at = m->data_use_without_count - 1;
        if (m->ndatas)
            return malformed(d, at, "data count section required (code section)");
        return invalid(d, at, "unknown data segment: the module has none (code section)");
    }
    return WH_OK;
fail:
    return rc;
}

wh_rc wm_module_load(const uint8_t *bytes, size_t len, const wm_config_t *cfg, wm_module_t **out,
                     wh_err_t *err)
{
    wh_err_t e;
    wm_module_t *m;
    wh_rc rc;
    *out = NULL;
    wh_err_clear(&e);
    if (!bytes && len)
        return wh_err(err, WH_ARG, -1, "no module bytes");
    /* Offsets are reported as uint32_t; a module cannot be that large anyway. */
    if (len > UINT32_MAX)
        return wh_err(err, WH_MALFORMED, -1, "module larger than 4 GiB");
    if (!(m = wh_calloc(1, sizeof *m)))
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    wh_arena_init(&m->arena, 16384);
    m->cfg.features = cfg ? cfg->features : WM_FEATURES_ALL;
    static const uint8_t empty[1] = {0};
    if (!bytes)
        bytes = empty;
    dec d = {.m = m, .r = {bytes, bytes + len, bytes}, .err = &e, .max_mems = MAX_MEMORIES_2_0};
    if (m->cfg.features & WM_FEATURE_MULTI_MEMORY)
        d.max_mems = UINT32_MAX;
    d.exceptions = m->cfg.features & WM_FEATURE_EXCEPTIONS;
    if ((rc = decode(&d))) {
        if (err)
            *err = e;
        wm_module_free(m);
        return rc;
    }
    wm__image_build(m);
    *out = m;
    return WH_OK;
}
