/*
 * cm_parse_util.c — the component parser's reader (LEB128, names, counts
 * checked against the bytes left), error helper and name sets with the
 * spec's strong-uniqueness rule (Explainer.md "Name Uniqueness").
 *
 * Invariant: nothing here reads past r->end; a failed read leaves an error
 * naming the byte offset.
 */
#include "cm_parse.h"

#include <stdio.h>
#include <string.h>

const char *const cm__sort_names[CM_NSORTS] = {
    [CM_SORT_CORE_FUNC] = "core func",
    [CM_SORT_CORE_TABLE] = "core table",
    [CM_SORT_CORE_MEMORY] = "core memory",
    [CM_SORT_CORE_GLOBAL] = "core global",
    [CM_SORT_CORE_TYPE] = "core type",
    [CM_SORT_CORE_MODULE] = "core module",
    [CM_SORT_CORE_INSTANCE] = "core instance",
    [CM_SORT_FUNC] = "func",
    [CM_SORT_VALUE] = "value",
    [CM_SORT_TYPE] = "type",
    [CM_SORT_COMPONENT] = "component",
    [CM_SORT_INSTANCE] = "instance",
};

const char *cm__kind_name(uint8_t k)
{
    static const char *const names[] = {"func",      "instance",    "type",
                                        "component", "core module", "value"};
    return k < WH_ARRAY_LEN(names) ? names[k] : "?";
}

uint32_t cm__off(const cm__rd *r)
{
    return (uint32_t)(r->p - r->start);
}

wh_rc cm__fail(cm__ctx *x, wh_rc rc, uint32_t off, const char *fmt, ...)
{
    if (x->err) {
        char msg[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        wh_err(x->err, rc, off, "%s at byte 0x%x", msg, (unsigned)off);
    }
    return rc;
}

wh_rc cm__nomem(cm__ctx *x)
{
    return wh_err(x->err, WH_NOMEM, -1, "out of memory loading the component");
}

void *cm__alloc(cm__ctx *x, size_t n)
{
    return wh_arena_calloc(&x->c->arena, n ? n : 1);
}

void *cm__dup(cm__ctx *x, const void *p, size_t n)
{
    void *q = cm__alloc(x, n);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

wh_rc cm__u8(cm__ctx *x, cm__rd *r, uint8_t *out)
{
    if (r->p >= r->end)
        return cm__fail(x, WH_MALFORMED, cm__off(r), "unexpected end");
    *out = *r->p++;
    return WH_OK;
}

wh_rc cm__u32(cm__ctx *x, cm__rd *r, uint32_t *out)
{
    uint32_t off = cm__off(r), v = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (r->p >= r->end)
            return cm__fail(x, WH_MALFORMED, off, "unexpected end");
        uint8_t b = *r->p++;
        if (shift == 28 && (b & 0x70))
            return cm__fail(x, WH_MALFORMED, off, "integer too large");
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
        if (shift == 28)
            return cm__fail(x, WH_MALFORMED, off, "integer representation too long");
    }
    *out = v;
    return WH_OK;
}

wh_rc cm__count(cm__ctx *x, cm__rd *r, uint32_t min_size, uint32_t *out)
{
    uint32_t off = cm__off(r);
    wh_rc rc = cm__u32(x, r, out);
    if (rc)
        return rc;
    if (min_size && *out > (size_t)(r->end - r->p) / min_size)
        return cm__fail(x, WH_MALFORMED, off, "count %u is larger than the bytes left", *out);
    return WH_OK;
}

wh_rc cm__name(cm__ctx *x, cm__rd *r, const char **out)
{
    uint32_t off = cm__off(r), len;
    wh_rc rc = cm__u32(x, r, &len);
    if (rc)
        return rc;
    if (len > (size_t)(r->end - r->p))
        return cm__fail(x, WH_MALFORMED, off, "name of %u bytes runs past the end", len);
    if (!wh_utf8_valid(r->p, len))
        return cm__fail(x, WH_MALFORMED, off, "malformed UTF-8 encoding");
    if (memchr(r->p, 0, len))
        return cm__fail(x, WH_UNSUPPORTED, off, "name with a NUL character");
    char *s = wh_arena_alloc(&x->c->arena, (size_t)len + 1);
    if (!s)
        return cm__nomem(x);
    memcpy(s, r->p, len);
    s[len] = 0;
    r->p += len;
    *out = s;
    return WH_OK;
}

wh_rc cm__externname(cm__ctx *x, cm__rd *r, bool import, const char **out,
                     const char **out_implements)
{
    *out_implements = NULL;
    uint32_t off = cm__off(r);
    uint8_t tag = 0;
    wh_rc rc = cm__u8(x, r, &tag);
    if (rc)
        return rc;
    if (tag > 0x02)
        return cm__fail(x, WH_MALFORMED, off, "unknown name kind 0x%02x", tag);
    if ((rc = cm__name(x, r, out)))
        return rc;
    if ((rc = cm__check_name(x, *out, import, off)))
        return rc;
    if (tag != 0x02)
        return WH_OK;
    /* Attributes (implements, versionsuffix, external-id) do not change the
     * item: read them, each kind at most once; `implements` is checked
     * against the item by the caller (cm__check_implements). */
    uint32_t n;
    if ((rc = cm__count(x, r, 2, &n)))
        return rc;
    unsigned seen = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t aoff = cm__off(r);
        uint8_t akind = 0;
        const char *val;
        if ((rc = cm__u8(x, r, &akind)))
            return rc;
        if (akind > 0x02)
            return cm__fail(x, WH_MALFORMED, aoff, "unknown name attribute 0x%02x", akind);
        if (seen & (1u << akind))
            return cm__fail(x, WH_INVALID, aoff, "duplicate name attribute");
        seen |= 1u << akind;
        if ((rc = cm__name(x, r, &val)))
            return rc;
        if (akind == 0x00)
            *out_implements = val;
    }
    return WH_OK;
}

/* The canonical form of a name for uniqueness: ASCII lowercased,
 * [method]l.l and [static]l.l become l, other [...] prefixes except
 * [constructor] are dropped. Written to buf (n bytes, truncated). */
static size_t canonical(const char *name, char *buf, size_t n)
{
    const char *s = name;
    if (s[0] == '[' && strncmp(s, "[constructor]", 13) != 0) {
        const char *close = strchr(s, ']');
        if (close) {
            bool ms = !strncmp(s, "[method]", 8) || !strncmp(s, "[static]", 8);
            s = close + 1;
            const char *dot = ms ? strchr(s, '.') : NULL;
            if (dot && strlen(dot + 1) == (size_t)(dot - s) && !strncmp(s, dot + 1, dot - s)) {
                size_t k = (size_t)(dot - s) < n - 1 ? (size_t)(dot - s) : n - 1;
                for (size_t i = 0; i < k; i++)
                    buf[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
                buf[k] = 0;
                return k;
            }
        }
    }
    size_t k = 0;
    for (; s[k] && k < n - 1; k++)
        buf[k] = (char)((s[k] >= 'A' && s[k] <= 'Z') ? s[k] + 32 : s[k]);
    buf[k] = 0;
    return k;
}

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

wh_rc cm__nameset_add(cm__ctx *x, cm__nameset *s, const char *name, bool *out_dup)
{
    return cm__nameset_add_mode(x, s, name, false, out_dup);
}

wh_rc cm__nameset_add_mode(cm__ctx *x, cm__nameset *s, const char *name, bool exact, bool *out_dup)
{
    size_t cap = strlen(name) + 1;
    char *buf = wh_arena_alloc(&x->c->arena, cap);
    if (!buf)
        return cm__nomem(x);
    if (exact)
        memcpy(buf, name, cap);
    else
        canonical(name, buf, cap);
    *out_dup = false;
    if (s->len + 1 > s->cap / 2) {
        uint32_t ncap = s->cap ? s->cap * 2 : 16;
        const char **nd = wh_calloc(ncap, sizeof *nd);
        if (!nd)
            return cm__nomem(x);
        for (uint32_t i = 0; i < s->cap; i++) {
            if (!s->data[i])
                continue;
            uint32_t j = hash(s->data[i]) & (ncap - 1);
            while (nd[j])
                j = (j + 1) & (ncap - 1);
            nd[j] = s->data[i];
        }
        wh_free(s->data);
        s->data = nd;
        s->cap = ncap;
    }
    uint32_t j = hash(buf) & (s->cap - 1);
    for (; s->data[j]; j = (j + 1) & (s->cap - 1)) {
        if (!strcmp(s->data[j], buf)) {
            *out_dup = true;
            return WH_OK;
        }
    }
    s->data[j] = buf;
    s->len++;
    return WH_OK;
}

void cm__nameset_free(cm__nameset *s)
{
    wh_free(s->data);
    s->data = NULL;
    s->len = s->cap = 0;
}

static uint32_t ptr_hash(const void *p)
{
    uintptr_t v = (uintptr_t)p;
    return (uint32_t)((v >> 3) * 2654435761u);
}

bool cm__ptrset_has(const cm__ptrset *s, const void *p)
{
    if (!s->cap)
        return false;
    for (uint32_t j = ptr_hash(p) & (s->cap - 1); s->data[j]; j = (j + 1) & (s->cap - 1))
        if (s->data[j] == p)
            return true;
    return false;
}

bool cm__ptrset_add(cm__ptrset *s, const void *p, bool *out_new)
{
    if (out_new)
        *out_new = false;
    if (cm__ptrset_has(s, p))
        return true;
    if (s->len + 1 > s->cap / 2) {
        uint32_t ncap = s->cap ? s->cap * 2 : 16;
        const void **nd = wh_calloc(ncap, sizeof *nd);
        if (!nd)
            return false;
        for (uint32_t i = 0; i < s->cap; i++) {
            if (!s->data[i])
                continue;
            uint32_t j = ptr_hash(s->data[i]) & (ncap - 1);
            while (nd[j])
                j = (j + 1) & (ncap - 1);
            nd[j] = s->data[i];
        }
        wh_free(s->data);
        s->data = nd;
        s->cap = ncap;
    }
    uint32_t j = ptr_hash(p) & (s->cap - 1);
    while (s->data[j])
        j = (j + 1) & (s->cap - 1);
    s->data[j] = p;
    s->len++;
    if (out_new)
        *out_new = true;
    return true;
}

void cm__ptrset_free(cm__ptrset *s)
{
    wh_free(s->data);
    *s = (cm__ptrset){0};
}

void cm__scope_free(cm__scope *s)
{
    cm__ptrset_free(&s->vis_imported);
    cm__ptrset_free(&s->vis_exported);
    wh_vec_free(&s->types);
    wh_vec_free(&s->coretypes);
    wh_vec_free(&s->instances);
    wh_vec_free(&s->components);
    wh_vec_free(&s->funcs);
    wh_vec_free(&s->imports);
    wh_vec_free(&s->exports);
    cm__nameset_free(&s->import_names);
    cm__nameset_free(&s->export_names);
    wh_vec_free(&s->defs);
    wh_vec_free(&s->cexports);
    wh_vec_free(&s->modules);
    wh_vec_free(&s->module_ids);
    wh_vec_free(&s->coreinsts);
    wh_vec_free(&s->corefuncs);
    wh_vec_free(&s->coretables);
    wh_vec_free(&s->coremems);
    wh_vec_free(&s->coreglobals);
}
