/*
 * cm_resolve.c — turns the names in a component's core wiring into
 * positions, once, when the component is loaded: which argument of a core
 * instantiation each module import comes from and where in that instance's
 * exports it sits, and the same for core export aliases. Instantiating then
 * does no string comparisons for them, which matters for the serverless
 * model (an instance per request) and for wit-component's shim modules,
 * which wire dozens of functions by name.
 *
 * A nested component's instantiation gets, likewise, the argument each of
 * its imports takes, and an export alias of a component-level instance
 * the position of the export when the instance is an inline one or one of
 * the root's imported instances (whose exports the instance holds in the
 * order of its type).
 *
 * Where a name cannot be resolved ahead of time (an instance that is itself
 * an import, say, or an instance of an imported module), nothing is recorded and instantiation
 * looks it up by name as before; a wrong name still fails there, with its message.
 */
#include "internal.h"

#include <string.h>

/* Where a core instance comes from: a module, or an inline bag of exports. */
typedef struct {
    const wm_module_t *module; /* NULL for inline (or unknown) */
    const cm__def *inline_def;
} origin;

static uint32_t find_inline(const cm__def *d, const char *name)
{
    for (uint32_t i = 0; i < d->u.inst.nargs; i++)
        if (!strcmp(d->u.inst.args[i].name, name))
            return i;
    return UINT32_MAX;
}

/* The position of export name in the core instance o, or UINT32_MAX. */
static uint32_t position(const origin *o, const char *name)
{
    if (o->module) {
        int64_t i = wm_module_export_index(o->module, name, strlen(name));
        return i < 0 ? UINT32_MAX : (uint32_t)i;
    }
    if (o->inline_def) {
        uint32_t i = find_inline(o->inline_def, name);
        return i == UINT32_MAX ? i : i | CM__INLINE_POS;
    }
    return UINT32_MAX;
}

/* Where a component-level instance comes from, when its exports' order
 * is known at load: an imported instance of the root (its type's order)
 * or an inline bag of exports. */
typedef struct {
    const cm_instancetype_t *type;
    const cm__def *inline_def;
} corigin;

/* The position of export name in o and its name there, or UINT32_MAX. */
static uint32_t cposition(const corigin *o, const char *name, const char **out_name)
{
    if (o->inline_def) {
        uint32_t i = find_inline(o->inline_def, name);
        if (i != UINT32_MAX)
            *out_name = o->inline_def->u.inst.args[i].name;
        return i;
    }
    for (uint32_t i = 0; o->type && i < o->type->n; i++)
        if (!strcmp(o->type->exports[i].name, name)) {
            *out_name = o->type->exports[i].name;
            return i;
        }
    return UINT32_MAX;
}

static wh_rc resolve_scope(cm_component_t *c, cm__comp *comp, wh_err_t *err)
{
    uint32_t n = comp->count[CM_SORT_CORE_INSTANCE];
    uint32_t ncomp = comp->count[CM_SORT_COMPONENT];
    uint32_t ninst = comp->count[CM_SORT_INSTANCE];
    origin *orig = wh_calloc(n ? n : 1, sizeof *orig);
    corigin *corig = wh_calloc(ninst ? ninst : 1, sizeof *corig);
    const cm__comp **comps = wh_calloc(ncomp ? ncomp : 1, sizeof *comps);
    if (!orig || !corig || !comps) {
        wh_free(orig);
        wh_free(corig);
        wh_free(comps);
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    }
    wh_rc rc = WH_OK;
    for (uint32_t i = 0; i < comp->ndefs && !rc; i++) {
        cm__def *d = &comp->defs[i];
        switch (d->op) {
        case CM__CORE_INSTANTIATE: {
            if (comp->module_ids[d->u.inst.of] == CM_NONE)
                break; /* an imported module: known at instantiation only */
            const wm_module_t *m = c->modules[comp->module_ids[d->u.inst.of]];
            uint32_t ni = wm_module_import_count(m);
            uint32_t *res = wh_arena_alloc(&c->arena, (2 * (size_t)ni + 1) * sizeof *res);
            if (!res) {
                rc = wh_err(err, WH_NOMEM, -1, "out of memory");
                break;
            }
            bool all = true;
            for (uint32_t k = 0; k < ni && all; k++) {
                wm_externdesc_t id;
                wm_module_import(m, k, &id);
                uint32_t arg = UINT32_MAX;
                for (uint32_t a = 0; a < d->u.inst.nargs; a++)
                    if (!strcmp(d->u.inst.args[a].name, id.module))
                        arg = a;
                uint32_t pos = UINT32_MAX;
                if (arg != UINT32_MAX && d->u.inst.args[arg].index < n)
                    pos = position(&orig[d->u.inst.args[arg].index], id.name);
                all = pos != UINT32_MAX;
                res[2 * k] = arg;
                res[2 * k + 1] = pos;
            }
            d->u.inst.resolved = all ? res : NULL;
            if (d->index < n)
                orig[d->index] = (origin){.module = m};
            break;
        }
        case CM__CORE_INLINE:
            if (d->index < n)
                orig[d->index] = (origin){.inline_def = d};
            break;
        case CM__ALIAS_CORE_EXPORT:
            if (d->u.alias.instance < n) {
                uint32_t pos = position(&orig[d->u.alias.instance], d->u.alias.name);
                d->u.alias.resolved = pos == UINT32_MAX ? 0 : pos + 1;
            }
            break;
        case CM__IMPORT: {
            /* only the root's imported instances are laid out by their type
             * (a nested component's imports are whatever its parent passed) */
            const cm__decl *decl = &comp->imports[d->u.import];
            if (comp == c->root && d->sort == CM_SORT_INSTANCE && d->index < ninst &&
                decl->desc.kind == CM_EXTERN_INSTANCE)
                corig[d->index] = (corigin){.type = decl->desc.instance};
            break;
        }
        case CM__INLINE:
            if (d->index < ninst)
                corig[d->index] = (corigin){.inline_def = d};
            break;
        case CM__ALIAS_EXPORT:
            if (d->u.alias.instance < ninst) {
                uint32_t pos = cposition(&corig[d->u.alias.instance], d->u.alias.name,
                                         &d->u.alias.resolved_name);
                d->u.alias.resolved = pos == UINT32_MAX ? 0 : pos + 1;
            }
            break;
        case CM__COMPONENT:
            if (d->index < ncomp)
                comps[d->index] = d->u.comp;
            rc = resolve_scope(c, d->u.comp, err);
            break;
        case CM__INSTANTIATE: {
            /* which argument each of the nested component's imports takes */
            const cm__comp *nc = d->u.inst.of < ncomp ? comps[d->u.inst.of] : NULL;
            if (!nc)
                break;
            uint32_t *res = wh_arena_alloc(&c->arena, ((size_t)nc->nimports + 1) * sizeof *res);
            if (!res) {
                rc = wh_err(err, WH_NOMEM, -1, "out of memory");
                break;
            }
            bool all = true;
            for (uint32_t k = 0; k < nc->nimports && all; k++) {
                res[k] = find_inline(d, nc->imports[k].name);
                all = res[k] != UINT32_MAX;
            }
            d->u.inst.resolved = all ? res : NULL;
            break;
        }
        default:
            break;
        }
    }
    wh_free(orig);
    wh_free(corig);
    wh_free(comps);
    return rc;
}

wh_rc cm__resolve(cm_component_t *c, wh_err_t *err)
{
    return resolve_scope(c, c->root, err);
}
