/*
 * wm_instance.c — wm_instantiate and export lookup.
 *
 * Instantiation follows the spec (2.0, 4.5.4): match the imports against the
 * module's import types, allocate the module's functions, tables, memories
 * and globals, evaluate the element and data segments, then run the active
 * segments in order as table.init/memory.init would (an out-of-bounds
 * segment traps, the ones before it stay written), drop the active and
 * declarative ones, and call the start function. Everything created lives
 * in the store, also when instantiation fails part-way.
 */
#include "internal.h"

#include <string.h>

static const char *kind_name(uint8_t k)
{
    static const char *const names[] = {"function", "table", "memory", "global", "tag"};
    return k < 5 ? names[k] : "?";
}

/* Limits subtyping (spec 4.5.1): the import has at least the declared
 * minimum, and if a maximum is declared, a maximum no larger. */
static bool limits_match(wm_limits_t have, wm_limits_t want)
{
    if (have.is64 != want.is64 || have.min < want.min)
        return false;
    return !want.has_max || (have.has_max && have.max <= want.max);
}

static wh_rc check_import(const wm_module_t *m, uint32_t i, const wm_extern_t *ext, wh_err_t *err)
{
    const wm__import *imp = &m->imports[i];
    bool ok = false;
    if (!ext->of.func) /* the union's pointers share storage */
        return wh_err(err, WH_UNLINKABLE, -1, "unknown import \"%s\" \"%s\"", imp->module,
                      imp->name);
    if (ext->kind != imp->kind)
        return wh_err(err, WH_UNLINKABLE, -1,
                      "incompatible import type for \"%s\" \"%s\": expected %s, got %s",
                      imp->module, imp->name, kind_name(imp->kind), kind_name(ext->kind));
    switch (imp->kind) {
    case WM_EXTERN_FUNC:
        ok = wm_functype_eq(ext->of.func->type, m->funcs[imp->index].type);
        break;
    case WM_EXTERN_TABLE: {
        wm_tabletype_t want = m->tables[imp->index].type, have = wm_table_type(ext->of.table);
        ok = have.elem == want.elem && limits_match(have.limits, want.limits);
        break;
    }
    case WM_EXTERN_MEMORY:
        ok = limits_match(wm_memory_type(ext->of.memory), m->mems[imp->index].limits);
        break;
    case WM_EXTERN_GLOBAL: {
        wm_globaltype_t want = m->globals[imp->index].type, have = ext->of.global->type;
        ok = have.type == want.type && have.mut == want.mut;
        break;
    }
    case WM_EXTERN_TAG: /* tag types match exactly (no subtyping among them here) */
        ok = wm_functype_eq(ext->of.tag->type, m->tags[imp->index].type);
        break;
    }
    if (!ok)
        return wh_err(err, WH_UNLINKABLE, -1, "incompatible import type for %s \"%s\" \"%s\"",
                      kind_name(imp->kind), imp->module, imp->name);
    return WH_OK;
}

/* Evaluates a validated constant expression (spec 4.4.10): the globals it
 * may read (imported ones, and in 3.0 those defined before it) are set
 * before it is evaluated. */
static void eval_const(const wm_instance_t *inst, const wm__constexpr *ce, wm_slot out[2]);

/* An extended constant expression (internal.h): its items on a stack. The
 * decoder checked the types and the depth. Arithmetic wraps, as in code. */
static void eval_expr(const wm_instance_t *inst, const wm__constexpr *ce, wm_slot out[2])
{
    wm_slot st[WM__CE_MAX_DEPTH][2];
    uint32_t n = 0;
    for (uint32_t i = 0; i < ce->index; i++) {
        const wm__constexpr *c = &ce->code[i];
        uint64_t a, b;
        switch (c->op) {
        case 0x6a:
        case 0x6b:
        case 0x6c:
        case 0x7c:
        case 0x7d:
        case 0x7e:
            a = st[n - 2][0].i64, b = st[n - 1][0].i64;
            n--;
            a = c->op == 0x6a || c->op == 0x7c   ? a + b
                : c->op == 0x6b || c->op == 0x7d ? a - b
                                                 : a * b;
            st[n - 1][0].i64 = c->type == WM_I32 ? (uint32_t)a : a;
            break;
        default:
            eval_const(inst, c, st[n++]);
            break;
        }
    }
    out[0] = st[0][0];
    out[1] = st[0][1];
}

static void eval_const(const wm_instance_t *inst, const wm__constexpr *ce, wm_slot out[2])
{
    out[0].i64 = out[1].i64 = 0;
    switch (ce->op) {
    case WM__CE_EXPR:
        eval_expr(inst, ce, out);
        break;
    case 0xd0:
        out[0].ref = NULL;
        break;
    case 0xd2:
        out[0].ref = inst->funcs[ce->index];
        break;
    case 0x23:
        out[0] = inst->globals[ce->index]->val[0];
        out[1] = inst->globals[ce->index]->val[1];
        break;
    default: /* the numeric constants and v128.const */
        out[0] = ce->val[0];
        out[1] = ce->val[1];
        break;
    }
}

/* An active segment's offset: i64 for a 64-bit memory or table. */
static uint64_t eval_offset(const wm_instance_t *inst, const wm__constexpr *ce, bool is64)
{
    wm_slot v[2];
    eval_const(inst, ce, v);
    return is64 ? v[0].i64 : v[0].i32;
}

#define NEW_ARRAY(s, p, n) ((p) = wm__store_alloc((s), (size_t)(n) * sizeof *(p)))

static wh_rc create(wm_store_t *s, const wm_module_t *m, const wm_extern_t *imports,
                    wm_instance_t *inst, wh_err_t *err)
{
    if (!NEW_ARRAY(s, inst->funcs, m->nfuncs) || !NEW_ARRAY(s, inst->tables, m->ntables) ||
        !NEW_ARRAY(s, inst->mems, m->nmems) || !NEW_ARRAY(s, inst->globals, m->nglobals) ||
        !NEW_ARRAY(s, inst->elems, m->nelems) || !NEW_ARRAY(s, inst->datas, m->ndatas) ||
        !NEW_ARRAY(s, inst->tags, m->ntags))
        return wh_err(err, WH_NOMEM, -1, "out of memory");

    for (uint32_t i = 0; i < m->nimports; i++) {
        const wm__import *imp = &m->imports[i];
        switch (imp->kind) {
        case WM_EXTERN_FUNC:
            inst->funcs[imp->index] = imports[i].of.func;
            break;
        case WM_EXTERN_TABLE:
            inst->tables[imp->index] = imports[i].of.table;
            break;
        case WM_EXTERN_MEMORY:
            inst->mems[imp->index] = imports[i].of.memory;
            break;
        case WM_EXTERN_GLOBAL:
            inst->globals[imp->index] = imports[i].of.global;
            break;
        case WM_EXTERN_TAG:
            inst->tags[imp->index] = imports[i].of.tag;
            break;
        }
    }
    for (uint32_t i = m->ntag_imports; i < m->ntags; i++)
        if (!(inst->tags[i] = wm_tag_new(s, m->tags[i].type)))
            return wh_err(err, WH_NOMEM, -1, "out of memory");
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        wm_func_t *f = wm__store_alloc(s, sizeof *f);
        if (!f)
            return wh_err(err, WH_NOMEM, -1, "out of memory");
        *f = (wm_func_t){.type = m->funcs[i].type, .inst = inst, .def = &m->funcs[i], .index = i};
        inst->funcs[i] = f;
    }
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        if (!(inst->tables[i] = wm_table_new(s, m->tables[i].type, NULL)))
            return wh_err(err, WH_NOMEM, -1, "cannot create table %u of %llu elements", i,
                          (unsigned long long)m->tables[i].type.limits.min);
    }
    for (uint32_t i = m->nmem_imports; i < m->nmems; i++) {
        if (!(inst->mems[i] = wm_memory_new(s, m->mems[i].limits))) {
            uint64_t want = m->mems[i].limits.min * WM_PAGE_SIZE;
            if (s->mem_limit && want > s->mem_limit - s->mem_used)
                return wh_err(err, WH_NOMEM, -1,
                              "memory %u needs %llu bytes at start, more than the memory limit "
                              "of %llu bytes",
                              i, (unsigned long long)want, (unsigned long long)s->mem_limit);
            return wh_err(err, WH_NOMEM, -1, "cannot create memory %u of %llu pages", i,
                          (unsigned long long)m->mems[i].limits.min);
        }
    }
    inst->mem0 = m->nmems ? inst->mems[0] : NULL;
    inst->imaged = m->has_image && wm__image_map(m, inst->mems[m->image_mem]);
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        wm_global_t *g = wm__store_alloc(s, sizeof *g);
        if (!g)
            return wh_err(err, WH_NOMEM, -1, "out of memory");
        g->type = m->globals[i].type;
        eval_const(inst, &m->globals[i].init, g->val);
        inst->globals[i] = g;
    }
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wm__elem *e = &m->elems[i];
        wm__elem_inst *ei = &inst->elems[i];
        if (!NEW_ARRAY(s, ei->refs, e->count))
            return wh_err(err, WH_NOMEM, -1, "out of memory");
        for (uint32_t k = 0; k < e->count; k++) {
            wm_slot v[2];
            eval_const(inst, &e->items[k], v);
            ei->refs[k] = v[0].ref;
        }
        ei->len = e->count;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        inst->datas[i].bytes = m->datas[i].bytes;
        inst->datas[i].len = m->datas[i].len;
    }
    return WH_OK;
}

/* Runs the active segments as table.init/memory.init followed by a drop. */
static wh_rc init_segments(const wm_module_t *m, wm_instance_t *inst, wh_err_t *err)
{
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wm__elem *e = &m->elems[i];
        wm__elem_inst *ei = &inst->elems[i];
        if (e->mode == WM__SEG_PASSIVE)
            continue;
        if (e->mode == WM__SEG_ACTIVE) {
            wm_table_t *t = inst->tables[e->table];
            uint64_t off = eval_offset(inst, &e->offset, t->type.limits.is64);
            if (off > t->size || ei->len > t->size - off)
                return wh_err(err, WH_TRAP, -1,
                              WM_MSG_TABLE_OOB ": element segment %u (%u items at %llu) in a "
                                               "table of %u",
                              i, ei->len, (unsigned long long)off, t->size);
            if (ei->len)
                memcpy(t->elems + off, ei->refs, (size_t)ei->len * sizeof *ei->refs);
        }
        ei->len = 0;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wm__data *d = &m->datas[i];
        wm__data_inst *di = &inst->datas[i];
        if (d->mode != WM__SEG_ACTIVE)
            continue;
        wm_memory_t *mem = inst->mems[d->memory];
        uint64_t off = eval_offset(inst, &d->offset, mem->limits.is64);
        if (off > mem->size || di->len > mem->size - off)
            return wh_err(err, WH_TRAP, -1,
                          WM_MSG_MEM_OOB ": data segment %u (%u bytes at %llu) in a memory of "
                                         "%llu bytes",
                          i, di->len, (unsigned long long)off, (unsigned long long)mem->size);
        /* (with the data image, the bytes are there already) */
        if (di->len && !(inst->imaged && d->memory == m->image_mem)) {
            wm__memory_touch(mem, off, (uint64_t)off + di->len);
            memcpy(mem->base + off, di->bytes, di->len);
        }
        di->len = 0;
    }
    return WH_OK;
}

wh_rc wm_instantiate(wm_store_t *s, const wm_module_t *m, const wm_extern_t *imports,
                     uint32_t nimports, wm_instance_t **out, wh_err_t *err)
{
    wm_instance_t *inst;
    wh_rc rc;
    *out = NULL;
    if (nimports > m->nimports)
        return wh_err(err, WH_ARG, -1, "%u imports given, the module has %u", nimports,
                      m->nimports);
    if (nimports < m->nimports)
        return wh_err(err, WH_UNLINKABLE, -1, "unknown import \"%s\" \"%s\"",
                      m->imports[nimports].module, m->imports[nimports].name);
    for (uint32_t i = 0; i < nimports; i++)
        if ((rc = check_import(m, i, &imports[i], err)))
            return rc;
    if (!wh_vec_reserve(&s->instances, 1) || !(inst = wm__store_alloc(s, sizeof *inst)))
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    inst->mod = m;
    inst->store = s;
    s->instances.data[s->instances.len++] = inst;
    if ((rc = create(s, m, imports, inst, err)) || (rc = init_segments(m, inst, err)))
        return rc;
    if (m->has_start &&
        (rc = wm_func_call(s, inst->funcs[m->start], NULL, 0, NULL, 0, err)) != WH_OK)
        return rc;
    *out = inst;
    return WH_OK;
}

wh_rc wm_instance_export(const wm_instance_t *inst, const char *name, wm_extern_t *out)
{
    return wm_instance_export_n(inst, name, strlen(name), out);
}

int64_t wm_module_export_index(const wm_module_t *m, const char *name, size_t len)
{
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].name_len == len && !memcmp(m->exports[i].name, name, len))
            return i;
    return -1;
}

wh_rc wm_instance_export_n(const wm_instance_t *inst, const char *name, size_t len,
                           wm_extern_t *out)
{
    int64_t i = wm_module_export_index(inst->mod, name, len);
    return i < 0 ? WH_NOTFOUND : wm_instance_export_at(inst, (uint32_t)i, out);
}

wh_rc wm_instance_export_at(const wm_instance_t *inst, uint32_t i, wm_extern_t *out)
{
    const wm_module_t *m = inst->mod;
    {
        if (i >= m->nexports)
            return WH_NOTFOUND;
        const wm__export *ex = &m->exports[i];
        out->kind = ex->kind;
        switch (ex->kind) {
        case WM_EXTERN_FUNC:
            out->of.func = inst->funcs[ex->index];
            break;
        case WM_EXTERN_TABLE:
            out->of.table = inst->tables[ex->index];
            break;
        case WM_EXTERN_MEMORY:
            out->of.memory = inst->mems[ex->index];
            break;
        case WM_EXTERN_GLOBAL:
            out->of.global = inst->globals[ex->index];
            break;
        case WM_EXTERN_TAG:
            out->of.tag = inst->tags[ex->index];
            break;
        }
        return WH_OK;
    }
    return WH_NOTFOUND;
}

const wm_module_t *wm_instance_module(const wm_instance_t *inst)
{
    return inst->mod;
}

wm_memory_t *wm_instance_memory(const wm_instance_t *inst)
{
    return inst->mem0;
}
