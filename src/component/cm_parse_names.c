/*
 * cm_parse_names.c — the grammar of import and export names (Explainer.md
 * "Import and Export Definitions"): kebab-case labels, the annotated names
 * of resource functions ([constructor], [method], [static]), interface
 * names `ns:pkg/iface@semver`, and for imports the dependency, URL and
 * integrity names. Checked once, when a name is read; messages name the
 * part that is wrong.
 */
#include "cm_parse.h"

#include <string.h>

/* A label: fragments joined by '-', each all lowercase or all uppercase
 * letters and digits, the first starting with a letter. len bytes of s. */
static bool is_label(const char *s, size_t len)
{
    if (!len || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        bool lower = false, upper = false;
        for (; i < len && s[i] != '-'; i++) {
            char c = s[i];
            if (c >= 'a' && c <= 'z')
                lower = true;
            else if (c >= 'A' && c <= 'Z')
                upper = true;
            else if (!(c >= '0' && c <= '9'))
                return false;
        }
        if (i == start || (lower && upper))
            return false;
        if (i < len && ++i == len) /* a '-' ends it */
            return false;
    }
    return true;
}

/* Words: a label whose fragments are lowercase (namespaces, packages). */
static bool is_words(const char *s, size_t len)
{
    if (!is_label(s, len))
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            return false;
    return true;
}

/* A semver numeric part: digits, no leading zero. Advances *p. */
static bool semver_num(const char **p, const char *end)
{
    const char *s = *p;
    if (s == end || !(*s >= '0' && *s <= '9'))
        return false;
    if (*s == '0' && s + 1 < end && s[1] >= '0' && s[1] <= '9')
        return false;
    while (s < end && *s >= '0' && *s <= '9')
        s++;
    *p = s;
    return true;
}

/* Dot-separated non-empty identifiers of [0-9A-Za-z-]. */
static bool semver_idents(const char *s, const char *end)
{
    if (s == end)
        return false;
    const char *seg = s;
    for (; s <= end; s++) {
        if (s == end || *s == '.') {
            if (s == seg)
                return false;
            seg = s + 1;
            continue;
        }
        char c = *s;
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-'))
            return false;
    }
    return true;
}

/* A valid semver version (semver.org 2.0.0). */
static bool is_semver(const char *s, const char *end)
{
    for (int k = 0; k < 3; k++) {
        if (k && (s == end || *s++ != '.'))
            return false;
        if (!semver_num(&s, end))
            return false;
    }
    if (s == end)
        return true;
    const char *plus = memchr(s, '+', (size_t)(end - s));
    if (*s == '-') {
        const char *pe = plus ? plus : end;
        if (!semver_idents(s + 1, pe))
            return false;
        s = pe;
    }
    if (s == end)
        return true;
    return *s == '+' && semver_idents(s + 1, end);
}

/* ns:pkg/iface[@version] */
static bool is_interface(const char *s, const char **why)
{
    const char *colon = strchr(s, ':'), *slash = strchr(s, '/'), *at = strchr(s, '@');
    const char *end = s + strlen(s);
    if (!colon || !slash || slash < colon) {
        *why = "is not in kebab case";
        return false;
    }
    const char *iend = at ? at : end;
    if (slash > iend || memchr(colon + 1, ':', (size_t)(slash - colon - 1)) ||
        memchr(slash + 1, '/', (size_t)(iend - slash - 1))) {
        *why = "is not a valid extern name (ns:pkg/iface@version)";
        return false;
    }
    if (!is_words(s, (size_t)(colon - s)) || !is_words(colon + 1, (size_t)(slash - colon - 1))) {
        *why = "is not a valid extern name: namespace and package are lowercase kebab-case";
        return false;
    }
    if (!is_label(slash + 1, (size_t)(iend - slash - 1))) {
        *why = "is not in kebab case (interface)";
        return false;
    }
    if (at && !is_semver(at + 1, end)) {
        *why = "is not a valid extern name: bad semver version";
        return false;
    }
    return true;
}

/* "PREFIX<...>" with nothing after the closing bracket, or ",integrity=<...>". */
static bool is_bracketed(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(s, prefix, n) != 0)
        return false;
    /* a version range ({>=1.2.3 <2.0.0}) may hold brackets of its own */
    const char *close = s + n;
    for (int depth = 0; *close && (depth || *close != '>'); close++)
        depth += *close == '{' ? 1 : *close == '}' && depth ? -1 : 0;
    if (!*close || close == s + n)
        return false;
    if (!close[1])
        return true;
    return strcmp(prefix, "integrity=<") != 0 && close[1] == ',' &&
           is_bracketed(close + 2, "integrity=<");
}

/* A plain name: a label, or an annotated name of a resource function. */
static bool is_plain(const char *s, const char **why)
{
    static const char *const two[] = {"[method]", "[static]", "[async method]", "[async static]"};
    *why = "is not in kebab case";
    if (!strncmp(s, "[constructor]", 13))
        return is_label(s + 13, strlen(s + 13));
    if (!strncmp(s, "[async]", 7))
        return is_label(s + 7, strlen(s + 7));
    for (size_t k = 0; k < sizeof two / sizeof *two; k++) {
        size_t n = strlen(two[k]);
        if (strncmp(s, two[k], n) != 0)
            continue;
        const char *dot = strchr(s + n, '.');
        if (!dot) {
            *why = "is not a valid annotated name: failed to find `.` character";
            return false;
        }
        return is_label(s + n, (size_t)(dot - s - n)) && is_label(dot + 1, strlen(dot + 1));
    }
    return is_label(s, strlen(s));
}

wh_rc cm__check_name(cm__ctx *x, const char *name, bool import, uint32_t off)
{
    const char *why = "is not in kebab case";
    bool ok;
    if (strchr(name, ':') || strchr(name, '/') || strchr(name, '@'))
        ok = !strchr(name, '<') && is_interface(name, &why);
    else
        ok = is_plain(name, &why);
    if (!ok && import && strchr(name, '<')) {
        ok = is_bracketed(name, "unlocked-dep=<") || is_bracketed(name, "locked-dep=<") ||
             is_bracketed(name, "url=<") || is_bracketed(name, "integrity=<");
        why = "is not a valid dependency, URL or integrity name";
    }
    if (!ok)
        return cm__fail(x, WH_INVALID, off, "`%s` %s", name, why);
    return WH_OK;
}

/* The resource type a scope's imports (or exports) give the name label
 * (len bytes), or NULL. Imports and exports are apart: an export cannot
 * be a method of an imported resource without exporting it (Binary.md:
 * a preceding resource import or export, respectively). */
static const cm_resource_t *named_resource(const cm__scope *s, bool import, const char *label,
                                           size_t len)
{
    const cm__decl *list = import ? s->imports.data : s->exports.data;
    uint32_t count = import ? s->imports.len : s->exports.len;
    for (uint32_t i = 0; i < count; i++) {
        const cm__decl *d = &list[i];
        if (d->desc.kind == CM_EXTERN_TYPE && d->desc.resource && strlen(d->name) == len &&
            !strncmp(d->name, label, len))
            return d->desc.resource;
    }
    return NULL;
}

wh_rc cm__check_annotated(cm__ctx *x, const cm__scope *s, const cm__decl *d, bool import,
                          uint32_t off)
{
    const char *name = d->name;
    int kind = !strncmp(name, "[constructor]", 13) ? 0
               : !strncmp(name, "[method]", 8)     ? 1
               : !strncmp(name, "[static]", 8)     ? 2
                                                   : -1;
    if (kind < 0)
        return WH_OK;
    if (d->desc.kind != CM_EXTERN_FUNC)
        return cm__fail(x, WH_INVALID, off, "`%s` is not a func", name);
    const char *label = name + (kind == 0 ? 13 : 8);
    size_t len = kind == 0 ? strlen(label) : (size_t)(strchr(label, '.') - label);
    const cm_resource_t *r = named_resource(s, import, label, len);
    const cm_functype_t *f = d->desc.func;
    if (!f)
        return WH_OK;
    if (kind == 2) {
        if (!r)
            return cm__fail(x, WH_INVALID, off,
                            "`%s`: static resource name is not known in this context", name);
        return WH_OK;
    }
    if (kind == 0) {
        const cm_type_t *t = f->result;
        if (!t)
            return cm__fail(x, WH_INVALID, off, "`%s`: function should return one value", name);
        if (t->kind == CM_RESULT && t->elems && t->elems[0])
            t = t->elems[0];
        if (t->kind != CM_OWN)
            return cm__fail(x, WH_INVALID, off,
                            "`%s`: function should return `(own $T)` or `(result (own $T))`", name);
        if (t->res != r)
            return cm__fail(x, WH_INVALID, off,
                            "`%s`: function does not match expected resource name `%.*s`", name,
                            (int)len, label);
        return WH_OK;
    }
    if (!f->nparams)
        return cm__fail(x, WH_INVALID, off, "`%s`: function should have at least one argument",
                        name);
    if (!f->names || !f->names[0] || strcmp(f->names[0], "self"))
        return cm__fail(x, WH_INVALID, off,
                        "`%s`: function should have a first argument called `self`", name);
    const cm_type_t *self = f->params[0];
    if (self->kind != CM_BORROW)
        return cm__fail(x, WH_INVALID, off,
                        "`%s`: function should take a first argument of `(borrow $T)`", name);
    if (self->res != r)
        return cm__fail(x, WH_INVALID, off,
                        "`%s`: function does not match expected resource name `%.*s`", name,
                        (int)len, label);
    return WH_OK;
}

wh_rc cm__check_implements(cm__ctx *x, const char *name, const char *impl, uint8_t kind,
                           uint32_t off)
{
    const char *why;
    if (!impl)
        return WH_OK;
    if (!*impl)
        return cm__fail(x, WH_INVALID, off, "`implements` of `%s`: `` is not a valid name", name);
    if (!is_interface(impl, &why))
        return cm__fail(x, WH_INVALID, off, "`implements` of `%s`: `%s` must be an interface name",
                        name, impl);
    if (kind != CM_EXTERN_INSTANCE)
        return cm__fail(x, WH_INVALID, off, "`%s`: only instances can have an `implements`", name);
    if (!is_plain(name, &why))
        return cm__fail(x, WH_INVALID, off, "name `%s` is not valid with `implements`", name);
    return WH_OK;
}
