/*
 * cm_parse_valtypes.c — value types and function types of the component
 * parser (Binary.md defvaltype, functype): each into a cm_type_t with its
 * canonical ABI layout, bounded (CanonicalABI.md elem_size below 2^28) before
 * cm__layout computes it in 32 bits; and the core signature a lift or lower
 * of a function type has (flatten_functype).
 *
 * Invariant: every cm_type_t made here is the `t` of a vtype, whose flags
 * say (transitively) whether it holds a string or list, a borrow or a handle;
 * so validation never walks a type graph (which a hostile binary can make
 * very deep). The shared primitives are the only other cm_type_t seen.
 */
#include "cm_parse.h"

#include <stdio.h>
#include <string.h>

enum { F_MEM = 1, F_BORROW = 2, F_HANDLE = 4 };
typedef struct {
    cm_type_t t;
    uint8_t flags;
    const void *vis; /* own, borrow: the resource's name (cm__decl.vis) */
    /* CanonicalABI.md elem_size(t, 'i64') and alignment(t, 'i64'), which
     * validation bounds below 2^28 for every type a component defines */
    uint64_t size64;
    uint32_t align64;
} vtype;

static uint8_t tflags(const cm_type_t *t)
{
    if (!t)
        return 0;
    if (cm_prim((cm_kind)t->kind) == t)
        return t->kind == CM_STRING ? F_MEM : 0;
    return ((const vtype *)t)->flags;
}

bool cm__has_memory_type(const cm_type_t *t)
{
    return tflags(t) & F_MEM;
}

bool cm__has_borrow(const cm_type_t *t)
{
    return tflags(t) & F_BORROW;
}

bool cm__has_handle(const cm_type_t *t)
{
    return tflags(t) & F_HANDLE;
}

/* The i64 size and alignment of any type (CanonicalABI.md). */
static void abi64(const cm_type_t *t, uint64_t *size, uint32_t *align)
{
    if (cm_prim((cm_kind)t->kind) != t) {
        *size = ((const vtype *)t)->size64;
        *align = ((const vtype *)t)->align64;
        return;
    }
    switch (t->kind) {
    case CM_STRING:
        *size = 16;
        *align = 8;
        return;
    default: /* the primitives' sizes do not depend on the pointer size */
        *size = t->size;
        *align = t->align;
        return;
    }
}

/* A copy of t as a vtype of the parser (flags, name, sizes and all). */
static vtype *copy_vtype(cm__ctx *x, const cm_type_t *t)
{
    vtype *v = cm__alloc(x, sizeof *v);
    if (!v)
        return NULL;
    if (cm_prim((cm_kind)t->kind) != t) {
        *v = *(const vtype *)t;
    } else {
        v->t = *t;
        v->flags = tflags(t);
        abi64(t, &v->size64, &v->align64);
    }
    return v;
}

cm_type_t *cm__copy_type(cm__ctx *x, const cm_type_t *t)
{
    vtype *v = copy_vtype(x, t);
    return v ? &v->t : NULL;
}

const void *cm__handle_vis(const cm_type_t *t)
{
    if (!t || (t->kind != CM_OWN && t->kind != CM_BORROW))
        return NULL;
    return ((const vtype *)t)->vis;
}

void cm__set_handle_vis(cm_type_t *t, const void *vis)
{
    ((vtype *)t)->vis = vis;
}

const void *cm__new_vis(cm__ctx *x)
{
    return cm__alloc(x, 1);
}

static vtype *new_vtype(cm__ctx *x, uint8_t kind, uint32_t n)
{
    vtype *v = cm__alloc(x, sizeof *v);
    if (!v)
        return NULL;
    v->t.kind = kind;
    v->t.n = n;
    return v;
}

const cm_type_t *cm__created_type(cm__ctx *x, const cm_type_t *t, const char *name)
{
    if (!t->name && cm_prim((cm_kind)t->kind) != t)
        ((cm_type_t *)t)->name = name; /* ours, in the arena: printed with its first name */
    vtype *v = copy_vtype(x, t);
    if (!v)
        return NULL;
    v->t.name = name;
    return &v->t;
}

cm_resource_t *cm__new_resource(cm__ctx *x, const char *name, cm__resdef **out_def)
{
    cm_resource_t *res;
    cm__resdef *def = NULL;
    if (out_def) {
        def = cm__alloc(x, sizeof *def);
        if (!def)
            return NULL;
        def->dtor = CM_NONE;
        res = &def->r;
        *out_def = def;
    } else {
        res = cm__alloc(x, sizeof *res);
        if (!res)
            return NULL;
    }
    res->name = name;
    res->id = x->c->nresources;
    if (!wh_vec_push(&x->resdefs, def) || !wh_vec_push(&x->name_rank, name ? 1 : 0))
        return NULL;
    x->c->nresources++;
    return res;
}

void cm__name_resource(cm__ctx *x, const cm_resource_t *res, const char *name, uint8_t sc)
{
    uint8_t rank = sc == CM__SC_INSTTYPE ? 2 : 1;
    uint8_t *have = &x->name_rank.data[res->id];
    if (!res->name || rank > *have) {
        ((cm_resource_t *)res)->name = name;
        *have = rank;
    }
}

void cm__mark_host(const cm__decl *d)
{
    if (d->desc.kind == CM_EXTERN_TYPE && d->desc.resource) {
        ((cm_resource_t *)d->desc.resource)->host = true;
    } else if (d->desc.kind == CM_EXTERN_INSTANCE && d->desc.instance) {
        const cm_instancetype_t *it = d->desc.instance;
        for (uint32_t i = 0; i < it->n; i++)
            if (it->exports[i].desc.kind == CM_EXTERN_TYPE && it->exports[i].desc.resource)
                ((cm_resource_t *)it->exports[i].desc.resource)->host = true;
    }
}

/* Labels are kebab-case words (Explainer.md label): each word all lower- or
 * all upper-case letters and digits, starting with a letter. */
static bool label_ok(const char *s)
{
    if (!*s)
        return false;
    while (*s) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
            return false;
        bool lower = *s >= 'a' && *s <= 'z';
        for (; *s && *s != '-'; s++) {
            bool digit = *s >= '0' && *s <= '9';
            if (!digit && (lower ? !(*s >= 'a' && *s <= 'z') : !(*s >= 'A' && *s <= 'Z')))
                return false;
        }
        if (*s == '-' && !*++s)
            return false;
    }
    return true;
}

static wh_rc read_label(cm__ctx *x, cm__rd *r, cm__nameset *seen, const char *what,
                        const char **out)
{
    uint32_t off = cm__off(r);
    TRY(cm__name(x, r, out));
    if (!label_ok(*out))
        return cm__fail(x, WH_INVALID, off, "%s name `%s` is not a valid label", what, *out);
    bool dup;
    TRY(cm__nameset_add(x, seen, *out, &dup));
    if (dup)
        return cm__fail(x, WH_INVALID, off, "duplicate %s name `%s`", what, *out);
    return WH_OK;
}

/* A signed LEB128 of at most 33 bits: negative values are type opcodes,
 * the others type indices (Binary.md: the negative-SLEB128 scheme). */
static wh_rc read_s33(cm__ctx *x, cm__rd *r, int64_t *out)
{
    uint32_t off = cm__off(r);
    int64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    do {
        if (r->p >= r->end)
            return cm__fail(x, WH_MALFORMED, off, "unexpected end");
        if (shift >= 35)
            return cm__fail(x, WH_MALFORMED, off, "integer representation too long");
        b = *r->p++;
        v |= (int64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40))
        v -= (int64_t)1 << shift;
    if (v < -((int64_t)1 << 32) || v >= ((int64_t)1 << 32))
        return cm__fail(x, WH_MALFORMED, off, "integer too large");
    *out = v;
    return WH_OK;
}

static const cm_type_t *prim_of(uint8_t op)
{
    if (op >= 0x73 && op <= 0x7f)
        return cm_prim((cm_kind)(CM_BOOL + (0x7f - op)));
    if (op == 0x64)
        return cm_prim(CM_ERROR_CONTEXT);
    return NULL;
}

wh_rc cm__type_at(cm__ctx *x, cm__scope *s, uint32_t idx, uint32_t off, const cm__typedef **out)
{
    if (idx >= s->types.len)
        return cm__fail(x, WH_INVALID, off, "unknown type %u", idx);
    *out = &s->types.data[idx];
    return WH_OK;
}

wh_rc cm__read_valtype(cm__ctx *x, cm__rd *r, cm__scope *s, const cm_type_t **out)
{
    uint32_t off = cm__off(r);
    int64_t v = 0;
    TRY(read_s33(x, r, &v));
    if (v < 0) {
        const cm_type_t *p = v >= -0x40 ? prim_of((uint8_t)(v + 0x80)) : NULL;
        if (!p)
            return cm__fail(x, WH_MALFORMED, off, "unknown value type 0x%02x",
                            (unsigned)(uint8_t)(v + 0x80));
        *out = p;
        return WH_OK;
    }
    const cm__typedef *td = NULL;
    TRY(cm__type_at(x, s, (uint32_t)v, off, &td));
    if (td->kind != CM__T_VAL)
        return cm__fail(x, WH_INVALID, off, "type %u is not a value type", (uint32_t)v);
    *out = td->of.val;
    return WH_OK;
}

static wh_rc read_opt_valtype(cm__ctx *x, cm__rd *r, cm__scope *s, const cm_type_t **out)
{
    uint32_t off = cm__off(r);
    uint8_t b;
    TRY(cm__u8(x, r, &b));
    *out = NULL;
    if (b == 0x00)
        return WH_OK;
    if (b != 0x01)
        return cm__fail(x, WH_MALFORMED, off, "expected 0x00 or 0x01, got 0x%02x", b);
    return cm__read_valtype(x, r, s, out);
}

/* Bounds the type's size and flattening before cm__layout computes them in
 * 32 bits, then checks the spec's elem_size limit. */
static uint64_t align_to(uint64_t n, uint32_t a)
{
    return (n + a - 1) / a * a;
}

/* CanonicalABI.md elem_size(t, 'i64') and alignment(t, 'i64') of a type
 * made of types already sized. */
static void size64(vtype *v)
{
    const cm_type_t *t = &v->t;
    uint64_t s = 0, es;
    uint32_t a = 1, ea;
    switch (t->kind) {
    case CM_RECORD:
    case CM_TUPLE:
        for (uint32_t i = 0; i < t->n; i++) {
            abi64(t->elems[i], &es, &ea);
            s = align_to(s, ea) + es;
            a = ea > a ? ea : a;
        }
        s = align_to(s, a);
        break;
    case CM_VARIANT:
    case CM_ENUM:
    case CM_OPTION:
    case CM_RESULT: {
        uint32_t n = t->kind == CM_OPTION || t->kind == CM_RESULT ? 2 : t->n;
        uint32_t np = t->kind == CM_ENUM ? 0 : t->kind == CM_OPTION ? 1 : n;
        uint32_t d = n <= 256 ? 1 : n <= 65536 ? 2 : 4;
        uint64_t cs = 0;
        for (uint32_t i = 0; i < np; i++) {
            if (!t->elems[i])
                continue;
            abi64(t->elems[i], &es, &ea);
            cs = es > cs ? es : cs;
            a = ea > a ? ea : a;
        }
        s = align_to(d, a) + cs;
        a = d > a ? d : a;
        s = align_to(s, a);
        break;
    }
    case CM_FLAGS:
        s = a = t->n <= 8 ? 1 : t->n <= 16 ? 2 : 4;
        break;
    case CM_LIST:
    case CM_MAP:
        s = 16;
        a = 8;
        break;
    case CM_FIXED_LIST:
        abi64(t->elems[0], &es, &ea);
        s = t->length * es; /* below 2^32 * 2^28: no overflow */
        a = ea;
        break;
    default: /* handles, streams, futures */
        s = a = 4;
        break;
    }
    v->size64 = s;
    v->align64 = a;
}

static wh_rc finish_type(cm__ctx *x, vtype *v, uint32_t off)
{
    cm_type_t *t = &v->t;
    size64(v);
    if (v->size64 >= CM__MAX_ELEM_SIZE)
        return cm__fail(x, WH_INVALID, off,
                        "type exceeds maximum byte size (elem_size 2^28 or more with 64-bit "
                        "pointers)");
    bool sum = t->kind == CM_RECORD || t->kind == CM_TUPLE;
    bool cases = t->kind == CM_VARIANT || t->kind == CM_OPTION || t->kind == CM_RESULT;
    if (sum || cases) {
        uint32_t n = t->kind == CM_OPTION ? 1 : t->kind == CM_RESULT ? 2 : t->n;
        for (uint32_t i = 0; i < n; i++)
            v->flags |= tflags(t->elems[i]);
    } else if (t->kind == CM_LIST) {
        v->flags |= F_MEM | (tflags(t->elems[0]) & ~F_MEM);
    } else if (t->kind == CM_STREAM || t->kind == CM_FUTURE || t->kind == CM_FIXED_LIST) {
        v->flags |= tflags(t->elems[0]);
    } else if (t->kind == CM_MAP) {
        v->flags |= F_MEM | tflags(t->elems[0]) | tflags(t->elems[1]);
    } else if (t->kind == CM_OWN) {
        v->flags |= F_HANDLE;
    } else if (t->kind == CM_BORROW) {
        v->flags |= F_HANDLE | F_BORROW;
    }
    /* size64, exact and never below the 32-bit size, was checked: so
     * cm__layout's 32-bit sums cannot overflow; it saturates flat counts */
    if (cm__layout(t, &x->c->arena))
        return cm__nomem(x);
    if (t->size >= CM__MAX_ELEM_SIZE)
        return cm__fail(x, WH_INVALID, off, "type is too large (elem_size 2^28 or more)");
    x->total_flat += t->nflat;
    if (x->total_flat > CM__MAX_TOTAL_FLAT)
        return cm__fail(x, WH_UNSUPPORTED, off, "the component's types are too large");
    return WH_OK;
}

wh_rc cm__read_defvaltype(cm__ctx *x, cm__rd *r, cm__scope *s, uint8_t op, uint32_t off,
                          const cm_type_t **out)
{
    const cm_type_t *p = prim_of(op);
    if (p) {
        *out = p;
        return WH_OK;
    }
    vtype *v = NULL;
    uint32_t n = 0;
    cm__nameset seen = {0};
    wh_rc rc = WH_OK;
#define CHECK(e)                                                                                   \
    do {                                                                                           \
        if ((rc = (e)))                                                                            \
            goto done;                                                                             \
    } while (0)
#define NEW(kind, count, nlabels, nelems)                                                          \
    do {                                                                                           \
        if (!(v = new_vtype(x, kind, count)) ||                                                    \
            ((nlabels) && !(v->t.labels = cm__alloc(x, sizeof(char *) * (nlabels)))) ||            \
            ((nelems) && !(v->t.elems = cm__alloc(x, sizeof(cm_type_t *) * (nelems))))) {          \
            rc = cm__nomem(x);                                                                     \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)
    switch (op) {
    case 0x72: /* record */
    case 0x71: /* variant */
    case 0x6e: /* flags */
    case 0x6d: /* enum */
    case 0x6f: /* tuple */ {
        const char *what = op == 0x72   ? "record"
                           : op == 0x71 ? "variant"
                           : op == 0x6e ? "flags"
                           : op == 0x6d ? "enum"
                                        : "tuple";
        CHECK(cm__count(x, r, op == 0x6f ? 1 : op == 0x71 ? 3 : 2, &n));
        if (n == 0) {
            rc = cm__fail(x, WH_INVALID, off, "%s type must have at least one %s", what,
                          op == 0x72   ? "field"
                          : op == 0x6f ? "element"
                                       : "case");
            goto done;
        }
        if (op == 0x6e && n > 32) {
            rc = cm__fail(x, WH_INVALID, off, "flags type has %u flags, at most 32 allowed", n);
            goto done;
        }
        uint8_t kind = op == 0x72   ? CM_RECORD
                       : op == 0x71 ? CM_VARIANT
                       : op == 0x6e ? CM_FLAGS
                       : op == 0x6d ? CM_ENUM
                                    : CM_TUPLE;
        bool labels = op != 0x6f, elems = op == 0x72 || op == 0x71 || op == 0x6f;
        NEW(kind, n, labels ? n : 0, elems ? n : 0);
        const char *lwhat = op == 0x72 ? "field" : op == 0x6e ? "flag" : "case";
        for (uint32_t i = 0; i < n; i++) {
            if (labels)
                CHECK(read_label(x, r, &seen, lwhat, &v->t.labels[i]));
            if (op == 0x72 || op == 0x6f) {
                CHECK(cm__read_valtype(x, r, s, &v->t.elems[i]));
            } else if (op == 0x71) {
                CHECK(read_opt_valtype(x, r, s, &v->t.elems[i]));
                uint32_t roff = cm__off(r);
                uint8_t refines;
                CHECK(cm__u8(x, r, &refines));
                if (refines != 0x00) { /* Binary.md case: the byte is 0x00 */
                    rc = cm__fail(x, WH_MALFORMED, roff,
                                  "invalid leading byte (0x%02x) for variant case", refines);
                    goto done;
                }
            }
        }
        break;
    }
    case 0x70: /* list */
    case 0x6b: /* option */
        NEW(op == 0x70 ? CM_LIST : CM_OPTION, 1, 0, 1);
        CHECK(cm__read_valtype(x, r, s, &v->t.elems[0]));
        break;
    case 0x6a: /* result */
        NEW(CM_RESULT, 2, 0, 2);
        CHECK(read_opt_valtype(x, r, s, &v->t.elems[0]));
        CHECK(read_opt_valtype(x, r, s, &v->t.elems[1]));
        break;
    case 0x69: /* own */
    case 0x68: /* borrow */ {
        uint32_t ioff = cm__off(r), idx;
        const cm__typedef *td = NULL;
        CHECK(cm__u32(x, r, &idx));
        CHECK(cm__type_at(x, s, idx, ioff, &td));
        if (td->kind != CM__T_RESOURCE) {
            rc = cm__fail(x, WH_INVALID, ioff, "type %u is not a resource type", idx);
            goto done;
        }
        NEW(op == 0x69 ? CM_OWN : CM_BORROW, 0, 0, 0);
        v->t.res = td->of.res;
        v->vis = td->vis;
        break;
    }
    case 0x66: /* stream */
    case 0x65: /* future */
        NEW(op == 0x66 ? CM_STREAM : CM_FUTURE, 1, 0, 1);
        CHECK(read_opt_valtype(x, r, s, &v->t.elems[0]));
        if (tflags(v->t.elems[0]) & F_BORROW) {
            rc = cm__fail(x, WH_INVALID, off, "stream or future of a borrow");
            goto done;
        }
        /* Explainer.md: `(stream char)` is rejected for now, until streams
         * can use the string encoding without splitting code points */
        if (op == 0x66 && v->t.elems[0] && v->t.elems[0]->kind == CM_CHAR) {
            rc = cm__fail(x, WH_INVALID, off, "`stream<char>` is not valid at this time");
            goto done;
        }
        break;
    case 0x67: /* list t len */ {
        NEW(CM_FIXED_LIST, 1, 0, 1);
        CHECK(cm__read_valtype(x, r, s, &v->t.elems[0]));
        uint32_t loff = cm__off(r);
        CHECK(cm__u32(x, r, &v->t.length));
        if (v->t.length == 0) {
            rc = cm__fail(x, WH_INVALID, loff, "fixed-length list must have a length above 0");
            goto done;
        }
        break;
    }
    case 0x63: /* map k v */ {
        NEW(CM_MAP, 2, 0, 2);
        uint32_t koff = cm__off(r);
        CHECK(cm__read_valtype(x, r, s, &v->t.elems[0]));
        CHECK(cm__read_valtype(x, r, s, &v->t.elems[1]));
        uint8_t k = v->t.elems[0]->kind; /* Explainer.md keytype */
        if (!((k >= CM_BOOL && k <= CM_U64) || k == CM_CHAR || k == CM_STRING)) {
            rc = cm__fail(x, WH_INVALID, koff,
                          "map key type must be a boolean, an integer, a char or a string");
            goto done;
        }
        break;
    }
    default:
        rc = cm__fail(x, WH_MALFORMED, off, "unknown type opcode 0x%02x", op);
        goto done;
    }
    CHECK(finish_type(x, v, off));
    *out = &v->t;
done:
    cm__nameset_free(&seen);
    return rc;
#undef CHECK
#undef NEW
}

wh_rc cm__read_functype(cm__ctx *x, cm__rd *r, cm__scope *s, uint32_t off,
                        const cm_functype_t **out)
{
    cm_functype_t *ft = cm__alloc(x, sizeof *ft);
    cm__nameset seen = {0};
    wh_rc rc;
    uint32_t n;
    if (!ft)
        return cm__nomem(x);
    if ((rc = cm__count(x, r, 2, &n)))
        return rc;
    ft->nparams = n;
    ft->names = cm__alloc(x, sizeof(char *) * n);
    ft->params = cm__alloc(x, sizeof(cm_type_t *) * n);
    if (!ft->names || !ft->params)
        return cm__nomem(x);
    for (uint32_t i = 0; i < n; i++) {
        if ((rc = read_label(x, r, &seen, "parameter", &ft->names[i])) ||
            (rc = cm__read_valtype(x, r, s, &ft->params[i])))
            break;
    }
    cm__nameset_free(&seen);
    if (rc)
        return rc;
    uint32_t roff = cm__off(r);
    uint8_t b;
    TRY(cm__u8(x, r, &b));
    if (b == 0x00) {
        TRY(cm__read_valtype(x, r, s, &ft->result));
        if (cm__has_borrow(ft->result))
            return cm__fail(x, WH_INVALID, roff, "function result contains a borrow");
    } else if (b == 0x01) {
        uint8_t nres;
        TRY(cm__u8(x, r, &nres));
        if (nres != 0) /* Binary.md resultlist: 0x01 0x00, no named results */
            return cm__fail(x, WH_MALFORMED, roff,
                            "invalid leading byte (0x%02x) for number of results", nres);
    } else {
        return cm__fail(x, WH_MALFORMED, roff, "unknown result list 0x%02x", b);
    }
    *out = ft;
    return WH_OK;
}

/* ---- Flattening (CanonicalABI.md flatten_functype, sync) ---- */

wh_rc cm__flatten_functype(cm__ctx *x, const cm_functype_t *ft, bool lower,
                           const wm_functype_t **out)
{
    static const uint8_t i32[] = {WM_I32};
    wm_functype_t *f = cm__alloc(x, sizeof *f);
    if (!f)
        return cm__nomem(x);
    uint64_t np = 0;
    for (uint32_t i = 0; i < ft->nparams; i++)
        np += ft->params[i]->nflat;
    uint32_t nr = ft->result ? ft->result->nflat : 0;
    bool retptr = lower && nr > CM_MAX_FLAT_RESULTS;
    uint8_t *params = cm__alloc(x, (np > CM_MAX_FLAT_PARAMS ? 1 : np) + 1);
    if (!params)
        return cm__nomem(x);
    if (np > CM_MAX_FLAT_PARAMS) {
        params[0] = WM_I32;
        np = 1;
    } else {
        uint32_t k = 0;
        for (uint32_t i = 0; i < ft->nparams; i++)
            for (uint32_t j = 0; j < ft->params[i]->nflat; j++)
                params[k++] = ft->params[i]->flat[j];
    }
    if (retptr)
        params[np++] = WM_I32;
    f->nparams = (uint32_t)np;
    f->params = params;
    if (retptr || nr == 0) {
        f->nresults = 0;
    } else if (nr > CM_MAX_FLAT_RESULTS) {
        f->nresults = 1;
        f->results = i32;
    } else {
        f->nresults = nr;
        f->results = ft->result->flat;
    }
    *out = f;
    return WH_OK;
}
