/*
 * cm_parse_types.c — the type side of the component parser (Binary.md
 * "Type Definitions"): value types into cm_type_t with their canonical ABI
 * layout, function types, component and instance types with their own
 * scopes, resource types, core types, extern types and aliases.
 *
 * Invariant: every cm_type_t made here is the `t` of a vtype, whose flags
 * say (transitively) whether it holds a string or list, a borrow or a handle;
 * so validation never walks a type graph (which a hostile binary can make
 * very deep). The shared primitives are the only other cm_type_t seen.
 */
#include "cm_parse.h"

#include <stdio.h>
#include <string.h>

#define TRY(x)                                                                                     \
    do {                                                                                           \
        wh_rc rc_ = (x);                                                                           \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

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

static wh_rc type_at(cm__ctx *x, cm__scope *s, uint32_t idx, uint32_t off, const cm__typedef **out)
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
    TRY(type_at(x, s, (uint32_t)v, off, &td));
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

static wh_rc read_defvaltype(cm__ctx *x, cm__rd *r, cm__scope *s, uint8_t op, uint32_t off,
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
        CHECK(type_at(x, s, idx, ioff, &td));
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

static wh_rc read_functype(cm__ctx *x, cm__rd *r, cm__scope *s, uint32_t off,
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

static cm__scope *outer_scope(cm__scope *s, uint32_t ct)
{
    while (s && ct--)
        s = s->outer;
    return s;
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
                cm__scope *o = outer_scope(s, ct - 1);
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

/* ---- Extern types and declarations ---- */

wh_rc cm__read_externtype(cm__ctx *x, cm__rd *r, cm__scope *s, cm__decl *d)
{
    uint32_t off = cm__off(r), idx;
    uint8_t kind, b;
    const cm__typedef *td = NULL;
    d->desc.name = d->name;
    TRY(cm__u8(x, r, &kind));
    switch (kind) {
    case 0x00:
        TRY(cm__u8(x, r, &b));
        if (b != 0x11)
            return cm__fail(x, WH_MALFORMED, off, "malformed core module extern type");
        TRY(cm__u32(x, r, &idx));
        if (idx >= s->coretypes.len)
            return cm__fail(x, WH_INVALID, off, "unknown core type %u", idx);
        if (!s->coretypes.data[idx].is_module)
            return cm__fail(x, WH_INVALID, off, "core type %u is not a module type", idx);
        d->desc.kind = CM_EXTERN_MODULE;
        d->module = s->coretypes.data[idx].module;
        return WH_OK;
    case 0x01:
    case 0x04:
    case 0x05: {
        static const uint8_t want[] = {
            [0x01] = CM__T_FUNC, [0x04] = CM__T_COMPONENT, [0x05] = CM__T_INSTANCE};
        static const char *const what[] = {
            [0x01] = "function", [0x04] = "component", [0x05] = "instance"};
        uint32_t ioff = cm__off(r);
        TRY(cm__u32(x, r, &idx));
        TRY(type_at(x, s, idx, ioff, &td));
        if (td->kind != want[kind])
            return cm__fail(x, WH_INVALID, ioff, "type %u is not a %s type", idx, what[kind]);
        if (kind == 0x01) {
            d->desc.kind = CM_EXTERN_FUNC;
            d->desc.func = td->of.func;
        } else if (kind == 0x04) {
            d->desc.kind = CM_EXTERN_COMPONENT;
            d->component = td->of.comp;
        } else {
            /* Explainer.md: each import or export of an instance type has
             * resource types of its own */
            d->desc.kind = CM_EXTERN_INSTANCE;
            TRY(cm__subst_fresh_instance(x, td->of.inst, &d->desc.instance));
        }
        return WH_OK;
    }
    case 0x02:
        return cm__fail(x, WH_UNSUPPORTED, off, "value import or export");
    case 0x03:
        d->desc.kind = CM_EXTERN_TYPE;
        TRY(cm__u8(x, r, &b));
        if (b == 0x01) {
            d->desc.resource = cm__new_resource(x, NULL, NULL);
            d->vis = cm__new_vis(x);
            if (!d->desc.resource || !d->vis)
                return cm__nomem(x);
            cm__name_resource(x, d->desc.resource, d->name, s->kind);
            return WH_OK;
        }
        if (b != 0x00)
            return cm__fail(x, WH_MALFORMED, off, "unknown type bound 0x%02x", b);
        {
            uint32_t ioff = cm__off(r);
            TRY(cm__u32(x, r, &idx));
            TRY(type_at(x, s, idx, ioff, &td));
            if (td->kind == CM__T_RESOURCE) {
                d->desc.resource = td->of.res;
                if (!(d->vis = cm__new_vis(x)))
                    return cm__nomem(x);
                cm__name_resource(x, td->of.res, d->name, s->kind);
            } else if (td->kind == CM__T_VAL) {
                d->eq = d->desc.type = cm__created_type(x, td->of.val, d->name);
                if (!d->eq)
                    return cm__nomem(x);
            } else {
                /* refused by cm__vis_extern, after the visibility check */
                d->other = td->kind == CM__T_FUNC       ? (const void *)td->of.func
                           : td->kind == CM__T_INSTANCE ? (const void *)td->of.inst
                                                        : (const void *)td->of.comp;
                d->other_kind = td->kind;
            }
        }
        return WH_OK;
    default:
        return cm__fail(x, WH_MALFORMED, off, "unknown extern kind 0x%02x", kind);
    }
}

wh_rc cm__add_decl_item(cm__ctx *x, cm__scope *s, const cm__decl *d, uint32_t off)
{
    bool ok = true;
    switch (d->desc.kind) {
    case CM_EXTERN_FUNC:
        ok = wh_vec_push(&s->funcs, d->desc.func);
        break;
    case CM_EXTERN_INSTANCE:
        ok = wh_vec_push(&s->instances, d->desc.instance);
        break;
    case CM_EXTERN_COMPONENT:
        ok = wh_vec_push(&s->components, d->component);
        break;
    case CM_EXTERN_TYPE: {
        cm__typedef td = {0};
        if (d->desc.resource) {
            td.kind = CM__T_RESOURCE;
            td.of.res = d->desc.resource;
            td.vis = d->vis;
        } else {
            td.kind = CM__T_VAL;
            td.of.val = d->desc.type;
        }
        ok = wh_vec_push(&s->types, td);
        break;
    }
    case CM_EXTERN_MODULE:
        /* not a module of the component's own: known at instantiation */
        if (s->kind == CM__SC_COMPONENT)
            ok = wh_vec_push(&s->modules, d->module) && wh_vec_push(&s->module_ids, CM_NONE);
        else
            s->ncoremodules_decl++;
        break;
    default:
        return cm__fail(x, WH_UNSUPPORTED, off, "value import or export");
    }
    return ok ? WH_OK : cm__nomem(x);
}

/* An import or export declaration of a component or instance type. */
static wh_rc read_decl(cm__ctx *x, cm__rd *r, cm__scope *ts, bool import)
{
    uint32_t off = cm__off(r);
    cm__decl d = {0};
    const char *impl;
    bool dup;
    TRY(cm__externname(x, r, import, &d.name, &impl));
    TRY(cm__nameset_add(x, import ? &ts->import_names : &ts->export_names, d.name, &dup));
    if (dup)
        return cm__fail(x, WH_INVALID, off, "duplicate %s name `%s`", import ? "import" : "export",
                        d.name);
    TRY(cm__read_externtype(x, r, ts, &d));
    TRY(cm__check_implements(x, d.name, impl, d.desc.kind, off));
    TRY(cm__check_annotated(x, ts, &d, import, off));
    TRY(cm__vis_extern(x, ts, &d, import, off));
    TRY(cm__add_decl_item(x, ts, &d, off));
    bool ok = import ? wh_vec_push(&ts->imports, d) : wh_vec_push(&ts->exports, d);
    return ok ? WH_OK : cm__nomem(x);
}

static wh_rc read_scoped_type(cm__ctx *x, cm__rd *r, cm__scope *s, bool component, uint32_t off,
                              cm__typedef *out)
{
    if (x->depth >= CM__MAX_DEPTH)
        return cm__fail(x, WH_UNSUPPORTED, off, "types nested more than %u deep", CM__MAX_DEPTH);
    cm__scope ts = {.outer = s, .kind = component ? CM__SC_COMPTYPE : CM__SC_INSTTYPE};
    uint32_t n, res_lo = x->c->nresources;
    wh_rc rc = cm__count(x, r, 2, &n);
    x->depth++;
    for (uint32_t i = 0; !rc && i < n; i++) {
        uint32_t doff = cm__off(r);
        uint8_t tag = 0;
        if ((rc = cm__u8(x, r, &tag)))
            break;
        switch (tag) {
        case 0x00:
            rc = cm__read_core_type(x, r, &ts);
            break;
        case 0x01:
            rc = cm__read_type(x, r, &ts, NULL);
            break;
        case 0x02:
            rc = cm__read_alias(x, r, &ts, NULL);
            break;
        case 0x03:
            if (!component) {
                rc = cm__fail(x, WH_MALFORMED, doff, "import declaration in an instance type");
                break;
            }
            rc = read_decl(x, r, &ts, true);
            break;
        case 0x04:
            rc = read_decl(x, r, &ts, false);
            break;
        default:
            rc = cm__fail(x, WH_MALFORMED, doff, "unknown %s type declaration 0x%02x",
                          component ? "component" : "instance", tag);
        }
    }
    x->depth--;
    if (!rc) {
        cm__decl *ex = cm__dup(x, ts.exports.data, sizeof(cm__decl) * ts.exports.len);
        cm__decl *im = cm__dup(x, ts.imports.data, sizeof(cm__decl) * ts.imports.len);
        if (!ex || !im) {
            rc = cm__nomem(x);
        } else if (component) {
            cm__comptype *ct = cm__alloc(x, sizeof *ct);
            if (!ct) {
                rc = cm__nomem(x);
            } else {
                *ct = (cm__comptype){.nimports = ts.imports.len,
                                     .nexports = ts.exports.len,
                                     .imports = im,
                                     .exports = ex,
                                     .res_lo = res_lo,
                                     .res_hi = x->c->nresources};
                out->kind = CM__T_COMPONENT;
                out->of.comp = ct;
            }
        } else {
            cm_instancetype_t *it = cm__alloc(x, sizeof *it);
            if (!it) {
                rc = cm__nomem(x);
            } else {
                it->n = ts.exports.len;
                it->exports = ex;
                it->res_lo = res_lo;
                it->res_hi = x->c->nresources;
                out->kind = CM__T_INSTANCE;
                out->of.inst = it;
            }
        }
    }
    cm__scope_free(&ts);
    return rc;
}

wh_rc cm__read_type(cm__ctx *x, cm__rd *r, cm__scope *s, cm__def *out_def)
{
    uint32_t off = cm__off(r);
    uint8_t op;
    cm__typedef td = {0};
    TRY(cm__u8(x, r, &op));
    switch (op) {
    case 0x40:
        td.kind = CM__T_FUNC;
        TRY(read_functype(x, r, s, off, &td.of.func));
        break;
    case 0x43:
        return cm__fail(x, WH_UNSUPPORTED, off, "async function type");
    case 0x41:
    case 0x42:
        TRY(read_scoped_type(x, r, s, op == 0x41, off, &td));
        break;
    case 0x3f: {
        if (s->kind != CM__SC_COMPONENT)
            return cm__fail(x, WH_INVALID, off,
                            "resource type definition inside a component or instance type");
        uint8_t rep, b;
        uint32_t roff = cm__off(r);
        TRY(cm__u8(x, r, &rep));
        if (rep != WM_I32)
            return cm__fail(x, WH_INVALID, roff, "resource representation must be i32");
        cm__resdef *def;
        cm_resource_t *res = cm__new_resource(x, NULL, &def);
        if (!res)
            return cm__nomem(x);
        def->scope = s->comp;
        uint32_t doff = cm__off(r);
        TRY(cm__u8(x, r, &b));
        if (b == 0x01) {
            uint32_t f;
            doff = cm__off(r);
            TRY(cm__u32(x, r, &f));
            if (f >= s->corefuncs.len)
                return cm__fail(x, WH_INVALID, doff, "unknown core func %u", f);
            static const uint8_t i32[] = {WM_I32};
            const wm_functype_t want = {1, 0, i32, NULL};
            if (!wm_functype_eq(s->corefuncs.data[f], &want))
                return cm__fail(x, WH_INVALID, doff,
                                "resource destructor (core func %u) must have type [i32] -> []", f);
            def->dtor = f;
        } else if (b != 0x00) {
            return cm__fail(x, WH_MALFORMED, doff, "expected 0x00 or 0x01, got 0x%02x", b);
        }
        s->comp->nresources++;
        td.kind = CM__T_RESOURCE;
        td.of.res = res;
        if (!(td.vis = cm__new_vis(x)))
            return cm__nomem(x);
        break;
    }
    default:
        td.kind = CM__T_VAL;
        TRY(read_defvaltype(x, r, s, op, off, &td.of.val));
    }
    if (out_def) {
        out_def->op = CM__TYPE;
        out_def->sort = CM_SORT_TYPE;
        out_def->index = s->types.len;
        out_def->u.type = td;
    }
    if (!wh_vec_push(&s->types, td))
        return cm__nomem(x);
    return WH_OK;
}

/* ---- Aliases ---- */

wh_rc cm__read_sort(cm__ctx *x, cm__rd *r, uint8_t *out)
{
    uint32_t off = cm__off(r);
    uint8_t b;
    TRY(cm__u8(x, r, &b));
    if (b == 0x00) {
        TRY(cm__u8(x, r, &b));
        switch (b) {
        case 0x00:
            *out = CM_SORT_CORE_FUNC;
            return WH_OK;
        case 0x01:
            *out = CM_SORT_CORE_TABLE;
            return WH_OK;
        case 0x02:
            *out = CM_SORT_CORE_MEMORY;
            return WH_OK;
        case 0x03:
            *out = CM_SORT_CORE_GLOBAL;
            return WH_OK;
        case 0x04:
            return cm__fail(x, WH_UNSUPPORTED, off, "core tag sort");
        case 0x10:
            *out = CM_SORT_CORE_TYPE;
            return WH_OK;
        case 0x11:
            *out = CM_SORT_CORE_MODULE;
            return WH_OK;
        case 0x12:
            *out = CM_SORT_CORE_INSTANCE;
            return WH_OK;
        default:
            return cm__fail(x, WH_MALFORMED, off, "unknown core sort 0x%02x", b);
        }
    }
    switch (b) {
    case 0x01:
        *out = CM_SORT_FUNC;
        return WH_OK;
    case 0x02:
        return cm__fail(x, WH_UNSUPPORTED, off, "value sort");
    case 0x03:
        *out = CM_SORT_TYPE;
        return WH_OK;
    case 0x04:
        *out = CM_SORT_COMPONENT;
        return WH_OK;
    case 0x05:
        *out = CM_SORT_INSTANCE;
        return WH_OK;
    default:
        return cm__fail(x, WH_MALFORMED, off, "unknown sort 0x%02x", b);
    }
}

static uint8_t sort_kind(uint8_t sort)
{
    switch (sort) {
    case CM_SORT_FUNC:
        return CM_EXTERN_FUNC;
    case CM_SORT_TYPE:
        return CM_EXTERN_TYPE;
    case CM_SORT_COMPONENT:
        return CM_EXTERN_COMPONENT;
    case CM_SORT_INSTANCE:
        return CM_EXTERN_INSTANCE;
    case CM_SORT_CORE_MODULE:
        return CM_EXTERN_MODULE;
    default:
        return 0xff;
    }
}

/* Does a declaration name a resource type, itself or in a type it uses?
 * *budget bounds the walk: instance and component types form a DAG that
 * may be exponential as a tree, and running out counts as "yes". */
static bool decl_has_resource(const cm__decl *d, uint32_t *budget);

static bool functype_has_resource(const cm_functype_t *f)
{
    for (uint32_t i = 0; f && i < f->nparams; i++)
        if (cm__has_handle(f->params[i]))
            return true;
    return f && f->result && cm__has_handle(f->result);
}

static bool decls_have_resource(const cm__decl *d, uint32_t n, uint32_t *budget)
{
    for (uint32_t i = 0; i < n; i++)
        if (decl_has_resource(&d[i], budget))
            return true;
    return false;
}

static bool decl_has_resource(const cm__decl *d, uint32_t *budget)
{
    if (!*budget)
        return true;
    --*budget;
    switch (d->desc.kind) {
    case CM_EXTERN_TYPE:
        return d->desc.resource || (d->desc.type && cm__has_handle(d->desc.type));
    case CM_EXTERN_FUNC:
        return functype_has_resource(d->desc.func);
    case CM_EXTERN_INSTANCE:
        return d->desc.instance &&
               decls_have_resource(d->desc.instance->exports, d->desc.instance->n, budget);
    case CM_EXTERN_COMPONENT:
        return d->component &&
               (decls_have_resource(d->component->imports, d->component->nimports, budget) ||
                decls_have_resource(d->component->exports, d->component->nexports, budget));
    default:
        return false;
    }
}

/* Explainer.md: an outer alias that crosses a component definition's
 * boundary may not name a type that refers to resources, since resource
 * types are generative and a component is a closure over immutable
 * definitions only. */
static bool type_has_resource(const cm__typedef *t)
{
    uint32_t budget = 100000;
    switch (t->kind) {
    case CM__T_RESOURCE:
        return true;
    case CM__T_VAL:
        return cm__has_handle(t->of.val);
    case CM__T_FUNC:
        return functype_has_resource(t->of.func);
    case CM__T_INSTANCE:
        return decls_have_resource(t->of.inst->exports, t->of.inst->n, &budget);
    default:
        return decls_have_resource(t->of.comp->imports, t->of.comp->nimports, &budget) ||
               decls_have_resource(t->of.comp->exports, t->of.comp->nexports, &budget);
    }
}

static wh_rc alias_outer(cm__ctx *x, cm__scope *s, uint8_t sort, uint32_t ct, uint32_t idx,
                         uint32_t off)
{
    cm__scope *o = outer_scope(s, ct);
    if (!o)
        return cm__fail(x, WH_INVALID, off, "invalid outer alias count %u", ct);
    bool ok = true;
    switch (sort) {
    case CM_SORT_TYPE: {
        if (idx >= o->types.len)
            return cm__fail(x, WH_INVALID, off, "unknown type %u", idx);
        bool crosses = false;
        for (const cm__scope *t = s; t && t != o; t = t->outer)
            crosses |= t->kind == CM__SC_COMPONENT;
        if (crosses && type_has_resource(&o->types.data[idx]))
            return cm__fail(x, WH_INVALID, off,
                            "outer alias of type %u, which transitively refers to resources, "
                            "out of a component definition",
                            idx);
        ok = wh_vec_push(&s->types, o->types.data[idx]);
        break;
    }
    case CM_SORT_CORE_TYPE:
        if (idx >= o->coretypes.len)
            return cm__fail(x, WH_INVALID, off, "unknown core type %u", idx);
        ok = wh_vec_push(&s->coretypes, o->coretypes.data[idx]);
        break;
    case CM_SORT_COMPONENT:
        if (s->kind != CM__SC_COMPONENT)
            goto bad_sort;
        if (o->kind != CM__SC_COMPONENT || idx >= o->components.len)
            return cm__fail(x, WH_INVALID, off, "unknown component %u", idx);
        ok = wh_vec_push(&s->components, o->components.data[idx]);
        break;
    case CM_SORT_CORE_MODULE:
        if (s->kind != CM__SC_COMPONENT)
            goto bad_sort;
        if (o->kind != CM__SC_COMPONENT || idx >= o->modules.len)
            return cm__fail(x, WH_INVALID, off, "unknown core module %u", idx);
        ok = wh_vec_push(&s->modules, o->modules.data[idx]) &&
             wh_vec_push(&s->module_ids, o->module_ids.data[idx]);
        break;
    default:
    bad_sort:
        return cm__fail(x, WH_INVALID, off, "outer alias of a %s", cm__sort_names[sort]);
    }
    return ok ? WH_OK : cm__nomem(x);
}

static wh_rc alias_export(cm__ctx *x, cm__scope *s, uint8_t sort, uint32_t inst, const char *name,
                          uint32_t off)
{
    if (s->kind != CM__SC_COMPONENT && sort != CM_SORT_INSTANCE && sort != CM_SORT_TYPE)
        return cm__fail(x, WH_INVALID, off, "export alias of a %s in a type", cm__sort_names[sort]);
    if (inst >= s->instances.len)
        return cm__fail(x, WH_INVALID, off, "unknown instance %u", inst);
    const cm_instancetype_t *it = s->instances.data[inst];
    const cm__decl *d = NULL;
    for (uint32_t i = 0; i < it->n && !d; i++)
        if (!strcmp(it->exports[i].name, name))
            d = &it->exports[i];
    if (!d)
        return cm__fail(x, WH_INVALID, off, "instance %u has no export named `%s`", inst, name);
    if (d->desc.kind != sort_kind(sort))
        return cm__fail(x, WH_INVALID, off, "export `%s` of instance %u is a %s, not a %s", name,
                        inst, cm__kind_name(d->desc.kind), cm__sort_names[sort]);
    return cm__add_decl_item(x, s, d, off);
}

static wh_rc alias_core_export(cm__ctx *x, cm__scope *s, uint8_t sort, uint32_t inst,
                               const char *name, uint32_t off)
{
    static const uint8_t kinds[] = {[CM_SORT_CORE_FUNC] = WM_EXTERN_FUNC,
                                    [CM_SORT_CORE_TABLE] = WM_EXTERN_TABLE,
                                    [CM_SORT_CORE_MEMORY] = WM_EXTERN_MEMORY,
                                    [CM_SORT_CORE_GLOBAL] = WM_EXTERN_GLOBAL};
    if (s->kind != CM__SC_COMPONENT)
        return cm__fail(x, WH_INVALID, off, "core export alias in a type");
    if (sort > CM_SORT_CORE_GLOBAL)
        return cm__fail(x, WH_INVALID, off, "core export alias of a %s", cm__sort_names[sort]);
    if (inst >= s->coreinsts.len)
        return cm__fail(x, WH_INVALID, off, "unknown core instance %u", inst);
    const cm__coreinst *ci = s->coreinsts.data[inst];
    const cm__coreitem *e = NULL;
    for (uint32_t i = 0; i < ci->n && !e; i++)
        if (!strcmp(ci->exports[i].name, name))
            e = &ci->exports[i];
    if (!e)
        return cm__fail(x, WH_INVALID, off, "core instance %u has no export named `%s`", inst,
                        name);
    if (e->kind != kinds[sort])
        return cm__fail(x, WH_INVALID, off, "export `%s` of core instance %u is not a %s", name,
                        inst, cm__sort_names[sort]);
    bool ok;
    switch (sort) {
    case CM_SORT_CORE_FUNC:
        ok = wh_vec_push(&s->corefuncs, e->func);
        break;
    case CM_SORT_CORE_TABLE:
        ok = wh_vec_push(&s->coretables, *e);
        break;
    case CM_SORT_CORE_MEMORY:
        ok = wh_vec_push(&s->coremems, *e);
        break;
    default:
        ok = wh_vec_push(&s->coreglobals, *e);
        break;
    }
    return ok ? WH_OK : cm__nomem(x);
}

wh_rc cm__read_alias(cm__ctx *x, cm__rd *r, cm__scope *s, cm__def *def)
{
    uint32_t off = cm__off(r);
    uint8_t sort, tag;
    TRY(cm__read_sort(x, r, &sort));
    uint32_t toff = cm__off(r);
    TRY(cm__u8(x, r, &tag));
    cm__def d = {.sort = sort, .offset = off};
    switch (tag) {
    case 0x00:
    case 0x01: {
        uint32_t inst;
        const char *name;
        TRY(cm__u32(x, r, &inst));
        TRY(cm__name(x, r, &name));
        d.op = tag == 0x00 ? CM__ALIAS_EXPORT : CM__ALIAS_CORE_EXPORT;
        d.u.alias.instance = inst;
        d.u.alias.name = name;
        if (tag == 0x00)
            TRY(alias_export(x, s, sort, inst, name, off));
        else
            TRY(alias_core_export(x, s, sort, inst, name, off));
        break;
    }
    case 0x02: {
        uint32_t ct, idx;
        TRY(cm__u32(x, r, &ct));
        TRY(cm__u32(x, r, &idx));
        d.op = CM__ALIAS_OUTER;
        d.u.outer.count = ct;
        d.u.outer.index = idx;
        TRY(alias_outer(x, s, sort, ct, idx, off));
        break;
    }
    default:
        return cm__fail(x, WH_MALFORMED, toff, "unknown alias kind 0x%02x", tag);
    }
    if (def)
        *def = d;
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
