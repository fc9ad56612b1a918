/* Tests of the component parser on real components built at test time (the
 * .wat files of wat/ through jco's parse, and the C guest hello.c), and on
 * hand-made binaries for the error cases. */
#include "component/internal.h"
#include "th.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *read_component(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", WH_TEST_COMPONENT_DIR, name);
    uint8_t *bytes = NULL;
    wh_err_t err;
    if (wh_read_file(path, &bytes, len, &err) != WH_OK) {
        printf("    cannot read %s (built by the test_components target): %s\n", path, err.msg);
        return NULL;
    }
    return bytes;
}

static cm_component_t *load(const char *name)
{
    size_t len;
    uint8_t *bytes = read_component(name, &len);
    if (!bytes)
        return NULL;
    cm_component_t *c = NULL;
    wh_err_t err;
    wh_rc rc = cm_component_load(bytes, len, &c, &err);
    if (rc)
        printf("    %s: %s: %s\n", name, wh_rc_name(rc), err.msg);
    wh_free(bytes);
    return c;
}

static const cm__def *find_def(const cm__comp *s, uint8_t op, uint32_t nth)
{
    for (uint32_t i = 0; i < s->ndefs; i++)
        if (s->defs[i].op == op && nth-- == 0)
            return &s->defs[i];
    return NULL;
}

static bool export_named(const cm_component_t *c, const char *name, cm_externdesc_t *out)
{
    for (uint32_t i = 0; i < cm_component_export_count(c); i++)
        if (cm_component_export(c, i, out) && !strcmp(out->name, name))
            return true;
    return false;
}

static bool inst_export(const cm_instancetype_t *t, const char *name, cm_externdesc_t *out)
{
    for (uint32_t i = 0; i < cm_instancetype_count(t); i++)
        if (cm_instancetype_export(t, i, out) && !strcmp(out->name, name))
            return true;
    return false;
}

TH_TEST(parse_basic_component)
{
    cm_component_t *c = load("basic.wasm");
    TH_OK(c);
    if (!c)
        return;
    TH_EQ(cm_component_import_count(c), 1);
    TH_EQ(cm_component_export_count(c), 1);
    cm_externdesc_t d, e;
    TH_OK(cm_component_import(c, 0, &d));
    TH_STR(d.name, "wasi:io/error@0.2.0");
    TH_EQ(d.kind, CM_EXTERN_INSTANCE);
    TH_EQ(cm_instancetype_count(d.instance), 1);
    TH_OK(cm_instancetype_export(d.instance, 0, &e));
    TH_STR(e.name, "error");
    TH_EQ(e.kind, CM_EXTERN_TYPE);
    TH_OK(e.resource && e.resource->host);
    TH_STR(e.resource->name, "error");
    TH_OK(cm_component_export(c, 0, &d));
    TH_STR(d.name, "add");
    TH_EQ(d.kind, CM_EXTERN_FUNC);
    TH_EQ(d.func->nparams, 2);
    TH_STR(d.func->names[1], "b");
    TH_OK(d.func->params[0] == cm_prim(CM_U32));
    TH_OK(d.func->result == cm_prim(CM_U32));
    TH_OK(!cm_component_import(c, 1, &d));
    /* The definitions, in binary order, with the items they make. */
    const cm__comp *r = c->root;
    static const uint8_t ops[] = {CM__TYPE,       CM__IMPORT,           CM__CORE_MODULE,
                                  CM__CORE_INSTANTIATE, CM__TYPE,       CM__ALIAS_CORE_EXPORT,
                                  CM__CANON_LIFT, CM__EXPORT};
    TH_EQ(r->ndefs, sizeof ops);
    for (uint32_t i = 0; i < r->ndefs && i < sizeof ops; i++)
        TH_EQ(r->defs[i].op, ops[i]);
    TH_EQ(c->nmodules, 1);
    TH_EQ(r->module_ids[0], 0);
    TH_EQ(r->count[CM_SORT_FUNC], 2); /* the lift and its export */
    TH_EQ(r->count[CM_SORT_CORE_FUNC], 1);
    TH_EQ(r->count[CM_SORT_INSTANCE], 1);
    /* the instance type's `(sub resource)`, and the import's own copy of it
     * (each import of an instance type has resource types of its own) */
    TH_EQ(c->nresources, 2);
    const cm__def *lift = find_def(r, CM__CANON_LIFT, 0);
    TH_OK(lift && lift->u.canon.opts.memory == CM_NONE && lift->u.canon.opts.encoding == CM_UTF8);
    const cm__def *alias = find_def(r, CM__ALIAS_CORE_EXPORT, 0);
    TH_OK(alias && !strcmp(alias->u.alias.name, "add") && alias->sort == CM_SORT_CORE_FUNC);
    cm_component_free(c);
}

TH_TEST(parse_value_types_and_options)
{
    cm_component_t *c = load("types.wasm");
    TH_OK(c);
    if (!c)
        return;
    cm_externdesc_t d;
    TH_OK(export_named(c, "point", &d));
    TH_EQ(d.kind, CM_EXTERN_TYPE);
    const cm_type_t *pt = d.type;
    TH_OK(pt && pt->kind == CM_RECORD && pt->n == 3);
    TH_STR(pt->name, "point");
    TH_STR(pt->labels[2], "c");
    TH_EQ(pt->size, 16); /* u8, u32 at 4, string at 8 */
    TH_EQ(pt->nflat, 4);
    TH_OK(export_named(c, "value", &d));
    TH_OK(d.type->kind == CM_VARIANT && d.type->n == 3 && d.type->elems[0] == NULL);
    TH_OK(export_named(c, "perms", &d));
    TH_OK(d.type->kind == CM_FLAGS && d.type->n == 3 && d.type->size == 1);
    TH_OK(export_named(c, "list-type", &d));
    TH_OK(d.type->kind == CM_LIST && d.type->elems[0]->name &&
          !strcmp(d.type->elems[0]->name, "value"));
    TH_OK(export_named(c, "unit-result", &d));
    TH_OK(d.type->kind == CM_RESULT && !d.type->elems[0] && !d.type->elems[1]);
    TH_OK(export_named(c, "take-string", &d));
    TH_OK(d.func->params[0] == cm_prim(CM_STRING));
    TH_OK(d.func->result->kind == CM_RESULT && d.func->result->elems[0] == pt);
    TH_OK(export_named(c, "spill", &d));
    TH_EQ(d.func->params[0]->kind, CM_TUPLE);
    TH_EQ(d.func->params[0]->nflat, 12);
    TH_EQ(d.func->result->kind, CM_OPTION);
    TH_EQ(d.func->result->elems[0]->kind, CM_ENUM);
    const cm__def *lift = find_def(c->root, CM__CANON_LIFT, 0);
    TH_OK(lift != NULL);
    if (lift) {
        TH_EQ(lift->u.canon.opts.encoding, CM_UTF16);
        TH_EQ(lift->u.canon.opts.memory, 0);
        TH_OK(lift->u.canon.opts.realloc != CM_NONE);
        TH_OK(lift->u.canon.opts.post_return != CM_NONE);
    }
    cm_component_free(c);
}

TH_TEST(parse_nested_components_and_resources)
{
    cm_component_t *c = load("nested.wasm");
    TH_OK(c);
    if (!c)
        return;
    const cm__comp *r = c->root;
    /* The resource defined here, with its destructor. */
    const cm__resdef *counter = NULL;
    for (uint32_t i = 0; i < r->ndefs; i++)
        if (r->defs[i].op == CM__TYPE && r->defs[i].u.type.kind == CM__T_RESOURCE)
            counter = (const cm__resdef *)r->defs[i].u.type.of.res;
    TH_OK(counter && counter->dtor != CM_NONE && counter->scope == r && !counter->r.host);
    TH_EQ(r->nresources, 1);
    TH_OK(find_def(r, CM__RESOURCE_NEW, 0) && find_def(r, CM__RESOURCE_REP, 0) &&
          find_def(r, CM__RESOURCE_DROP, 1));
    TH_OK(find_def(r, CM__CANON_LOWER, 0) != NULL);
    TH_OK(find_def(r, CM__CORE_INLINE, 0) != NULL);
    TH_OK(find_def(r, CM__ALIAS_EXPORT, 0) != NULL);
    const cm__def *inst = find_def(r, CM__CORE_INSTANTIATE, 1);
    TH_OK(inst && inst->u.inst.nargs == 1 && !strcmp(inst->u.inst.args[0].name, "host"));
    TH_EQ(c->nmodules, 2);
    /* The nested component: its parent, its outer alias, its imports. */
    const cm__def *nd = find_def(r, CM__COMPONENT, 0);
    TH_OK(nd != NULL);
    if (nd) {
        const cm__comp *in = nd->u.comp;
        TH_OK(in->parent == r);
        TH_EQ(in->nimports, 3);
        TH_EQ(in->nexports, 3);
        const cm__def *outer = find_def(in, CM__ALIAS_OUTER, 0);
        TH_OK(outer && outer->u.outer.count == 1 && outer->sort == CM_SORT_TYPE);
        TH_OK(in->imports[0].desc.resource && !in->imports[0].desc.resource->host);
    }
    const cm__def *ins = find_def(r, CM__INSTANTIATE, 0);
    TH_OK(ins && ins->u.inst.nargs == 3 && ins->u.inst.args[0].sort == CM_SORT_TYPE);
    /* Instantiating with (type $counter) replaced the nested component's
     * abstract resource by the one defined here, in the exported types. */
    cm_externdesc_t d, e;
    TH_OK(export_named(c, "demo:counter/api@1.0.0", &d));
    TH_OK(d.kind == CM_EXTERN_INSTANCE && inst_export(d.instance, "make", &e));
    TH_OK(e.func && e.func->result && e.func->result->kind == CM_OWN &&
          e.func->result->res == &counter->r);
    TH_OK(inst_export(d.instance, "counter", &e) && e.resource == &counter->r);
    TH_STR(counter->r.name, "counter");
    TH_OK(inst_export(d.instance, "sum", &e) && e.func->params[0]->kind == CM_LIST);
    TH_OK(export_named(c, "bundle", &d) && cm_instancetype_count(d.instance) == 3);
    TH_OK(export_named(c, "sum2", &d) && d.kind == CM_EXTERN_FUNC);
    /* The import: an instance whose (eq 0) export is the same resource. */
    TH_OK(cm_component_import(c, 0, &d));
    cm_externdesc_t f1, f2;
    TH_OK(inst_export(d.instance, "fields", &f1) && inst_export(d.instance, "error-code", &f2));
    TH_OK(f1.resource && f1.resource == f2.resource && f1.resource->host);
    TH_OK(inst_export(d.instance, "[constructor]fields", &e) &&
          e.func->result->res == f1.resource);
    /* counter, the nested component's import, the instance type's
     * `fields` and the import's own copy of it */
    TH_EQ(c->nresources, 4);
    cm_component_free(c);
}

TH_TEST(parse_lifecycle_component)
{
    cm_component_t *c = load("lifecycle.wasm");
    TH_OK(c);
    if (!c)
        return;
    cm_externdesc_t d, e;
    TH_OK(export_named(c, "wasmhttpd:http/lifecycle@0.1.0", &d));
    TH_EQ(d.kind, CM_EXTERN_INSTANCE);
    TH_OK(inst_export(d.instance, "init", &e) && e.kind == CM_EXTERN_FUNC &&
          e.func->nparams == 0 && !e.func->result);
    TH_OK(find_def(c->root, CM__INLINE, 0) != NULL);
    cm_component_free(c);
}

TH_TEST(parse_c_guest_component)
{
    cm_component_t *c = load("hello/hello.component.wasm");
    TH_OK(c);
    if (!c)
        return;
    static const char *const imports[] = {"wasi:io/error@0.2.0", "wasi:io/streams@0.2.0",
                                          "wasi:http/types@0.2.0"};
    TH_EQ(cm_component_import_count(c), 3);
    for (uint32_t i = 0; i < 3; i++) {
        cm_externdesc_t d;
        TH_OK(cm_component_import(c, i, &d));
        TH_STR(d.name, imports[i]);
        TH_EQ(d.kind, CM_EXTERN_INSTANCE);
    }
    cm_externdesc_t d, e, f;
    TH_EQ(cm_component_export_count(c), 1);
    TH_OK(export_named(c, "wasi:http/incoming-handler@0.2.0", &d));
    TH_OK(inst_export(d.instance, "handle", &e));
    TH_OK(e.func && e.func->nparams == 2 && !e.func->result);
    /* The handler's handles are the host's resources of wasi:http/types. */
    TH_OK(e.func->params[0]->kind == CM_OWN && e.func->params[0]->res->host);
    TH_STR(e.func->params[0]->res->name, "incoming-request");
    TH_OK(cm_component_import(c, 2, &d));
    TH_OK(inst_export(d.instance, "incoming-request", &f) && f.resource == e.func->params[0]->res);
    TH_OK(inst_export(d.instance, "error-code", &f) && f.type->kind == CM_VARIANT);
    TH_STR(f.type->name, "error-code");
    TH_OK(inst_export(d.instance, "[static]response-outparam.set", &f));
    TH_OK(c->nmodules >= 3);
    cm_component_free(c);
}

/* Every prefix of a valid component is an error, never a crash. */
static void truncate_all(const char *name)
{
    size_t len;
    uint8_t *bytes = read_component(name, &len);
    TH_OK(bytes);
    if (!bytes)
        return;
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size, so ASan sees any overread */
        memcpy(copy, bytes, n);
        cm_component_t *c = NULL;
        wh_err_t err;
        wh_rc rc = cm_component_load(copy, n, &c, &err);
        /* A cut at a section boundary can leave a valid component. */
        if (rc != WH_OK && !TH_OK(c == NULL && err.msg[0]))
            break;
        cm_component_free(c);
        free(copy);
    }
    wh_free(bytes);
}

TH_TEST(parse_truncated_components)
{
    truncate_all("basic.wasm");
    truncate_all("types.wasm");
    truncate_all("nested.wasm");
    truncate_all("lifecycle.wasm");
}

TH_TEST(parse_truncated_c_guest)
{
    truncate_all("hello/hello.component.wasm");
}

/* ---- Hand-made binaries ---- */

typedef struct {
    uint8_t b[512];
    size_t n;
} buf;

static void put(buf *o, const uint8_t *p, size_t n)
{
    if (n)
        memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void preamble(buf *o)
{
    static const uint8_t p[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
    o->n = 0;
    put(o, p, sizeof p);
}

static void section(buf *o, uint8_t id, const uint8_t *content, size_t n)
{
    uint8_t h[2] = {id, (uint8_t)n};
    put(o, h, 2);
    put(o, content, n);
}

static wh_rc load_buf(const buf *o, wh_err_t *err)
{
    cm_component_t *c = NULL;
    wh_rc rc = cm_component_load(o->b, o->n, &c, err);
    TH_OK(rc == WH_OK ? c != NULL : c == NULL);
    cm_component_free(c);
    return rc;
}

/* A component with a core module exporting `f: [] -> []`, an instance of
 * it, an alias of f, a function type, and a canon lift with the options
 * and type given. */
static void lift_component(buf *o, const uint8_t *opts, size_t nopts, const uint8_t *type,
                           size_t ntype)
{
    static const uint8_t module[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
        0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 'f',  0x00, 0x00, 0x0a, 0x04, 0x01,
        0x02, 0x00, 0x0b};
    static const uint8_t inst[] = {0x01, 0x00, 0x00, 0x00};
    static const uint8_t alias[] = {0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 'f'};
    preamble(o);
    section(o, 1, module, sizeof module);
    section(o, 2, inst, sizeof inst);
    section(o, 6, alias, sizeof alias);
    uint8_t t[32] = {0x01};
    memcpy(t + 1, type, ntype);
    section(o, 7, t, ntype + 1);
    uint8_t canon[32] = {0x01, 0x00, 0x00, 0x00};
    size_t k = 4;
    canon[k++] = (uint8_t)(nopts ? 1 : 0);
    if (nopts)
        memcpy(canon + k, opts, nopts);
    k += nopts;
    canon[k++] = 0x00; /* type 0 */
    section(o, 8, canon, k);
}

TH_TEST(parse_hand_made_lift)
{
    static const uint8_t unit_func[] = {0x40, 0x00, 0x01, 0x00};
    static const uint8_t u32_func[] = {0x40, 0x01, 0x01, 'x', 0x79, 0x01, 0x00};
    buf o;
    wh_err_t err;
    lift_component(&o, NULL, 0, unit_func, sizeof unit_func);
    TH_EQ(load_buf(&o, &err), WH_OK);
    lift_component(&o, (const uint8_t[]){0x06}, 1, unit_func, sizeof unit_func);
    TH_EQ(load_buf(&o, &err), WH_UNSUPPORTED);
    TH_HAS(err.msg, "canonical option `async` of canon lift at byte 0x");
    lift_component(&o, (const uint8_t[]){0x07}, 1, unit_func, sizeof unit_func);
    TH_EQ(load_buf(&o, &err), WH_UNSUPPORTED);
    TH_HAS(err.msg, "`callback`");
    lift_component(&o, NULL, 0, u32_func, sizeof u32_func);
    TH_EQ(load_buf(&o, &err), WH_INVALID);
    TH_HAS(err.msg, "canon lift: core func 0 does not have the flattened type of type 0");
    lift_component(&o, (const uint8_t[]){0x03}, 1, unit_func, sizeof unit_func);
    TH_EQ(load_buf(&o, &err), WH_INVALID); /* memory 0 (the next byte): there is none */
    TH_HAS(err.msg, "unknown core memory 0");
    lift_component(&o, (const uint8_t[]){0x00}, 1, unit_func, sizeof unit_func);
    TH_EQ(load_buf(&o, &err), WH_OK); /* string-encoding=utf8 */
    /* fuzzer finding: an option byte beyond the known ones */
    lift_component(&o, (const uint8_t[]){0x75}, 1, unit_func, sizeof unit_func);
    TH_EQ(load_buf(&o, &err), WH_MALFORMED);
    TH_HAS(err.msg, "unknown canonical option 0x75");
}

TH_TEST(parse_errors_name_what_and_where)
{
    buf o;
    wh_err_t err;
    /* alias export of instance 7, which does not exist */
    preamble(&o);
    section(&o, 6, (const uint8_t[]){0x01, 0x01, 0x00, 0x07, 0x01, 'f'}, 6);
    TH_EQ(load_buf(&o, &err), WH_INVALID);
    TH_HAS(err.msg, "unknown instance 7 at byte 0xb");
    TH_EQ(err.offset, 0x0b);
    /* canon task.cancel */
    preamble(&o);
    section(&o, 8, (const uint8_t[]){0x01, 0x05}, 2);
    TH_EQ(load_buf(&o, &err), WH_UNSUPPORTED);
    TH_HAS(err.msg, "canonical builtin `task.cancel` at byte 0xb");
    preamble(&o);
    section(&o, 8, (const uint8_t[]){0x01, 0x0e, 0x00}, 3);
    TH_EQ(load_buf(&o, &err), WH_UNSUPPORTED);
    TH_HAS(err.msg, "`stream.new`");
    preamble(&o);
    section(&o, 8, (const uint8_t[]){0x01, 0x40, 0x00, 0x00}, 4);
    TH_EQ(load_buf(&o, &err), WH_UNSUPPORTED);
    TH_HAS(err.msg, "`thread.spawn-ref`");
    /* named results, and a variant case with `refines`, are no longer in
     * the binary format (Binary.md resultlist, case) */
    preamble(&o);
    section(&o, 7, (const uint8_t[]){0x01, 0x40, 0x00, 0x01, 0x01}, 5);
    TH_EQ(load_buf(&o, &err), WH_MALFORMED);
    TH_HAS(err.msg, "for number of results at byte 0xd");
    preamble(&o);
    section(&o, 7, (const uint8_t[]){0x01, 0x71, 0x01, 0x01, 'c', 0x00, 0x01}, 7);
    TH_EQ(load_buf(&o, &err), WH_MALFORMED);
    TH_HAS(err.msg, "for variant case at byte 0x10");
    /* map<string, u32>, and a function over it (its canonical ABI is
     * list<tuple<string, u32>>'s) */
    preamble(&o);
    section(&o, 7, (const uint8_t[]){0x01, 0x63, 0x73, 0x79}, 4);
    TH_EQ(load_buf(&o, &err), WH_OK);
    preamble(&o);
    section(&o, 7,
            (const uint8_t[]){0x02, 0x63, 0x73, 0x79, 0x40, 0x01, 0x01, 'p', 0x00, 0x01, 0x00}, 11);
    TH_EQ(load_buf(&o, &err), WH_OK);
    /* and one over list<u8, 3> */
    preamble(&o);
    section(&o, 7,
            (const uint8_t[]){0x02, 0x67, 0x7d, 0x03, 0x40, 0x01, 0x01, 'p', 0x00, 0x01, 0x00}, 11);
    TH_EQ(load_buf(&o, &err), WH_OK);
    /* stream<char> is rejected for now (Explainer.md); future<char> and
     * stream<u8> are types */
    preamble(&o);
    section(&o, 7, (const uint8_t[]){0x01, 0x66, 0x01, 0x74}, 4);
    TH_EQ(load_buf(&o, &err), WH_INVALID);
    TH_HAS(err.msg, "`stream<char>` is not valid at this time");
    preamble(&o);
    section(&o, 7, (const uint8_t[]){0x01, 0x65, 0x01, 0x74}, 4);
    TH_EQ(load_buf(&o, &err), WH_OK);
    preamble(&o);
    section(&o, 7, (const uint8_t[]){0x01, 0x66, 0x01, 0x7d}, 4);
    TH_EQ(load_buf(&o, &err), WH_OK);
    /* list<u8, 0> is not a type */
    preamble(&o);
    section(&o, 7, (const uint8_t[]){0x01, 0x67, 0x7d, 0x00}, 4);
    TH_EQ(load_buf(&o, &err), WH_INVALID);
    /* an async function type */
    preamble(&o);
    section(&o, 7, (const uint8_t[]){0x01, 0x43, 0x00, 0x01, 0x00}, 5);
    TH_EQ(load_buf(&o, &err), WH_UNSUPPORTED);
    TH_HAS(err.msg, "async function type at byte 0xb");
    /* own of a type that is not a resource */
    preamble(&o);
    section(&o, 7, (const uint8_t[]){0x02, 0x73 - 0x00, 0x69, 0x00}, 4);
    TH_EQ(load_buf(&o, &err), WH_INVALID);
    TH_HAS(err.msg, "type 0 is not a resource type");
    /* a type index out of range in a list */
    preamble(&o);
    section(&o, 7, (const uint8_t[]){0x01, 0x70, 0x05}, 3);
    TH_EQ(load_buf(&o, &err), WH_INVALID);
    TH_HAS(err.msg, "unknown type 5");
    /* duplicate labels, strongly-unique names */
    preamble(&o);
    section(&o, 7, (const uint8_t[]){0x01, 0x6d, 0x02, 0x01, 'a', 0x01, 'a'}, 7);
    TH_EQ(load_buf(&o, &err), WH_INVALID);
    TH_HAS(err.msg, "duplicate case name `a`");
    preamble(&o);
    section(&o, 7, (const uint8_t[]){0x01, 0x3f, 0x7f, 0x00}, 4);
    section(&o, 11,
            (const uint8_t[]){0x02, 0x00, 0x01, 'r', 0x03, 0x00, 0x00, 0x00, 0x01, 'R', 0x03, 0x00,
                              0x00},
            13);
    TH_EQ(load_buf(&o, &err), WH_INVALID);
    TH_HAS(err.msg, "duplicate export name `R`");
    /* a resource with a non-i32 representation */
    preamble(&o);
    section(&o, 7, (const uint8_t[]){0x01, 0x3f, 0x7e, 0x00}, 4);
    TH_EQ(load_buf(&o, &err), WH_INVALID);
    TH_HAS(err.msg, "resource representation must be i32");
    /* start and value sections */
    preamble(&o);
    section(&o, 9, (const uint8_t[]){0x00, 0x00, 0x00}, 3);
    TH_EQ(load_buf(&o, &err), WH_UNSUPPORTED);
    TH_HAS(err.msg, "start section");
    /* an unknown section id; a section running past the end */
    preamble(&o);
    section(&o, 13, NULL, 0);
    TH_EQ(load_buf(&o, &err), WH_MALFORMED);
    TH_HAS(err.msg, "unknown section id 13");
    preamble(&o);
    section(&o, 7, (const uint8_t[]){0x01}, 1);
    o.b[9] = 0x20;
    TH_EQ(load_buf(&o, &err), WH_MALFORMED);
    TH_HAS(err.msg, "runs past the end");
    /* a huge count with few bytes */
    preamble(&o);
    section(&o, 7, (const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0x0f}, 5);
    TH_EQ(load_buf(&o, &err), WH_MALFORMED);
    TH_HAS(err.msg, "larger than the bytes left");
    /* an empty component is fine */
    preamble(&o);
    TH_EQ(load_buf(&o, &err), WH_OK);
}

TH_TEST(parse_preamble)
{
    static const uint8_t core[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    static const uint8_t junk[] = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o'};
    static const uint8_t future[] = {0x00, 0x61, 0x73, 0x6d, 0x0e, 0x00, 0x01, 0x00};
    cm_component_t *c = (cm_component_t *)1;
    wh_err_t err;
    /* Binary.md: a preamble other than the component one is malformed */
    TH_EQ(cm_component_load(core, sizeof core, &c, &err), WH_MALFORMED);
    TH_OK(c == NULL);
    TH_HAS(err.msg, "this is a core module, not a component");
    TH_EQ(cm_component_load(junk, sizeof junk, &c, &err), WH_MALFORMED);
    TH_HAS(err.msg, "magic header not detected");
    TH_EQ(cm_component_load(junk, 3, &c, &err), WH_MALFORMED);
    TH_EQ(cm_component_load(future, sizeof future, &c, &err), WH_MALFORMED);
    TH_HAS(err.msg, "unknown binary version 0x000e");
    TH_OK(!cm_is_component(core, sizeof core));
    TH_OK(cm_is_component(future, sizeof future));
    TH_OK(!cm_is_component(future, 4));
    cm_component_free(NULL);
    /* a real core module given to cm_component_load */
    size_t len;
    uint8_t *bytes = read_component("hello/hello.core.wasm", &len);
    TH_OK(bytes);
    if (bytes) {
        TH_EQ(cm_component_load(bytes, len, &c, &err), WH_MALFORMED);
        TH_HAS(err.msg, "this is a core module, not a component");
        wh_free(bytes);
    }
}

/* Giving each import of an instance type resource types of its own copies
 * the type: a chain of types that double at every level is refused, at
 * once, instead of being copied 2^30 times. */
TH_TEST(parse_copy_budget)
{
    size_t len;
    uint8_t *bytes = read_component("copy_budget.wasm", &len);
    TH_OK(bytes);
    if (!bytes)
        return;
    cm_component_t *c = NULL;
    wh_err_t err;
    TH_EQ(cm_component_load(bytes, len, &c, &err), WH_UNSUPPORTED);
    TH_HAS(err.msg, "instance types too large to substitute");
    TH_OK(c == NULL);
    wh_free(bytes);
}

/* Failing each allocation in turn leaves nothing behind (ASan's leak check)
 * and ends in WH_NOMEM, never a crash. */
TH_TEST(parse_out_of_memory)
{
    size_t len;
    uint8_t *bytes = read_component("nested.wasm", &len);
    TH_OK(bytes);
    if (!bytes)
        return;
    for (uint64_t nth = 1; nth < 100000; nth++) {
        cm_component_t *c = NULL;
        wh_err_t err;
        wh_alloc_fail_after(nth);
        wh_rc rc = cm_component_load(bytes, len, &c, &err);
        wh_alloc_fail_after(0);
        cm_component_free(c);
        if (rc == WH_OK)
            break;
        if (!TH_EQ(rc, WH_NOMEM))
            break;
    }
    wh_free(bytes);
}
