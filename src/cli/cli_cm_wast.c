/*
 * cli_cm_wast.c — `wasmhttpd cm-wast FILE.wast…`: runs Component Model
 * test scripts (the WebAssembly/component-model suite's format).
 *
 * Each script is converted by scripts/cm-wast2json.mjs (run with node; it
 * splits the script into forms, turns every component text into a binary
 * with jco and every value into WAVE) into a scratch directory, and its
 * commands then run in order: components are loaded and instantiated,
 * definitions kept by name for `(component instance $i $D)`, and `invoke`
 * calls an export of the current (or a named) instance with arguments read
 * by the WAVE parser against the function's type. A result is compared with
 * the expected one by printing both in WAVE, which is canonical for a type.
 *
 * Each script runs in a child process, so that a crash of the engine fails
 * that script (saying at which command) and the others still report.
 *
 * An expected-failures file (--xfail) lists commands by "DIR/FILE.wast:LINE"
 * with a reason. A listed command that fails counts as an expected failure;
 * one that passes, or a listed line that is no command of the script, is a
 * failure: the list can only shrink.
 *
 * Invariant: every command counts exactly once, as passed, failed, expected
 * failure or n/a (a text-level malformation, which tests jco's text parser,
 * not this host).
 */
#include "cli.h"
#include "cli_wast.h"
#include "component/cm.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    const char *node, *converter, *node_modules;
    const char *xfail_path;
    bool keep, quiet;
} options_t;

/* An entry of the expected-failures file. */
typedef struct {
    char *file; /* "values/strings.wast" */
    long line;
    char *reason;
    bool seen; /* the script's command at that line ran (in this process) */
} xfail_t;

typedef WH_VEC(xfail_t) xfailvec_t;

typedef struct {
    char *name;           /* "$D", or NULL */
    cm_component_t *comp; /* NULL when it did not load */
    long line;            /* where the script defines it */
} def_t;

typedef struct {
    char *name;          /* "$i", or NULL */
    cm_instance_t *inst; /* NULL when it did not instantiate */
} inst_t;

typedef struct {
    uint32_t passed, failed, xfailed, na;
} counts_t;

typedef struct {
    const options_t *opt;
    const char *path; /* the script, as given */
    const char *dir;  /* where the converted files are */
    xfailvec_t *xfail;
    WH_VEC(def_t) defs;
    WH_VEC(inst_t) insts;
    cm_instance_t *current;
    long current_line; /* the command that made current; 0 if none */
    const char *cmd;
    long line;
    counts_t n;
} run_t;

/* ---- Results ---- */

static xfail_t *xfail_find(run_t *r, long line)
{
    size_t plen = strlen(r->path);
    for (uint32_t i = 0; i < r->xfail->len; i++) {
        xfail_t *x = &r->xfail->data[i];
        size_t flen = strlen(x->file);
        if (x->line != line || flen > plen || strcmp(r->path + plen - flen, x->file))
            continue;
        if (plen == flen || r->path[plen - flen - 1] == '/')
            return x;
    }
    return NULL;
}

static void pass(run_t *r)
{
    xfail_t *x = xfail_find(r, r->line);
    if (x) {
        x->seen = true;
        r->n.failed++;
        printf("%s:%ld: %s: FAIL: passes, but is listed as an expected failure (%s): remove it "
               "from %s\n",
               r->path, r->line, r->cmd, x->reason, r->opt->xfail_path);
        return;
    }
    r->n.passed++;
    if (!r->opt->quiet)
        printf("%s:%ld: %s: pass\n", r->path, r->line, r->cmd);
}

static void fail(run_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(run_t *r, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    xfail_t *x = xfail_find(r, r->line);
    if (x) {
        x->seen = true;
        r->n.xfailed++;
        if (!r->opt->quiet)
            printf("%s:%ld: %s: expected failure (%s): %s\n", r->path, r->line, r->cmd, x->reason,
                   msg);
        return;
    }
    r->n.failed++;
    printf("%s:%ld: %s: FAIL: %s\n", r->path, r->line, r->cmd, msg);
}

static const char *errmsg(const wh_err_t *e, wh_rc rc)
{
    return e->msg[0] ? e->msg : wh_rc_name(rc);
}

/* ---- The expected-failures file ---- */

/* Reads lines "DIR/FILE.wast:LINE REASON"; '#' starts a comment line. */
static bool xfail_read(const char *path, xfailvec_t *out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "wasmhttpd cm-wast: cannot read %s: %s\n", path, strerror(errno));
        return false;
    }
    char buf[1024];
    int lineno = 0;
    bool ok = true;
    while (ok && fgets(buf, sizeof buf, f)) {
        lineno++;
        buf[strcspn(buf, "\r\n")] = 0;
        char *s = buf + strspn(buf, " \t");
        if (!*s || *s == '#')
            continue;
        char *sp = s + strcspn(s, " \t");
        char *colon = memchr(s, ':', (size_t)(sp - s));
        char *end;
        long line = colon ? strtol(colon + 1, &end, 10) : 0;
        char *reason = sp + strspn(sp, " \t");
        if (!colon || end != sp || line <= 0 || !*reason) {
            fprintf(stderr, "%s:%d: expected \"DIR/FILE.wast:LINE reason\"\n", path, lineno);
            ok = false;
            break;
        }
        xfail_t x = {wh_strndup(s, (size_t)(colon - s)), line, wh_strdup(reason), false};
        if (!x.file || !x.reason || !wh_vec_push(out, x)) {
            wh_free(x.file);
            wh_free(x.reason);
            fprintf(stderr, "wasmhttpd cm-wast: out of memory\n");
            ok = false;
        }
    }
    fclose(f);
    return ok;
}

static void xfail_free(xfailvec_t *v)
{
    for (uint32_t i = 0; i < v->len; i++) {
        wh_free(v->data[i].file);
        wh_free(v->data[i].reason);
    }
    wh_vec_free(v);
}

/* ---- Components ---- */

static wh_rc load(run_t *r, const char *file, cm_component_t **out, wh_err_t *err)
{
    *out = NULL;
    size_t n = strlen(r->dir) + strlen(file) + 2;
    char *path = wh_malloc(n);
    if (!path)
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    snprintf(path, n, "%s/%s", r->dir, file);
    uint8_t *bytes = NULL;
    size_t len = 0;
    wh_rc rc = wh_read_file(path, &bytes, &len, err);
    wh_free(path);
    if (rc)
        return rc == WH_NOMEM ? rc : WH_IO;
    /* The component copies what it needs (cm.h), so the bytes can go. */
    rc = cm_component_load(bytes, len, out, err);
    wh_free(bytes);
    return rc;
}

static bool keep_def(run_t *r, const char *name, cm_component_t *c)
{
    def_t d = {name ? wh_strdup(name) : NULL, c, r->line};
    if ((name && !d.name) || !wh_vec_push(&r->defs, d)) {
        wh_free(d.name);
        cm_component_free(c);
        return false;
    }
    return true;
}

/* Instances stay alive until the script ends: a later name may replace an
 * earlier one, but nothing refers to an instance after that. */
static bool keep_inst(run_t *r, const char *name, cm_instance_t *inst)
{
    inst_t i = {name ? wh_strdup(name) : NULL, inst};
    if ((name && !i.name) || !wh_vec_push(&r->insts, i)) {
        wh_free(i.name);
        cm_instance_free(inst);
        return false;
    }
    return true;
}

static const def_t *find_def(const run_t *r, const char *name)
{
    for (uint32_t i = r->defs.len; i-- > 0;)
        if (r->defs.data[i].name && !strcmp(r->defs.data[i].name, name))
            return &r->defs.data[i];
    return NULL;
}

static const inst_t *find_inst(const run_t *r, const char *name)
{
    for (uint32_t i = r->insts.len; i-- > 0;)
        if (r->insts.data[i].name && !strcmp(r->insts.data[i].name, name))
            return &r->insts.data[i];
    return NULL;
}

static void instantiate(run_t *r, const cm_component_t *c, const char *name)
{
    wh_err_t err = {0};
    cm_instance_t *inst = NULL;
    /* The scripts' components import nothing the host provides: an
     * instance without a linker; an import makes it unlinkable. */
    wh_rc rc = cm_instantiate(c, NULL, NULL, &inst, &err);
    r->current_line = r->line;
    r->current = NULL;
    if (rc) {
        fail(r, "does not instantiate: %s: %s", wh_rc_name(rc), errmsg(&err, rc));
        keep_inst(r, name, NULL);
        return;
    }
    if (!keep_inst(r, name, inst)) {
        fail(r, "out of memory");
        return;
    }
    r->current = inst;
    pass(r);
}

static void cmd_component(run_t *r, const json_t *c)
{
    const char *file = json_string_value(json_object_get(c, "filename"));
    const char *name = json_string_value(json_object_get(c, "name"));
    const char *error = json_string_value(json_object_get(c, "error"));
    bool definition = json_is_true(json_object_get(c, "definition"));
    wh_err_t err = {0};
    cm_component_t *comp = NULL;
    if (!definition) {
        r->current = NULL;
        r->current_line = r->line;
    }
    if (!file) {
        fail(r, "not converted: %s", error ? error : "no file");
        keep_def(r, name, NULL);
        return;
    }
    wh_rc rc = load(r, file, &comp, &err);
    if (rc) {
        fail(r, "%s does not load: %s: %s", file, wh_rc_name(rc), errmsg(&err, rc));
        keep_def(r, name, NULL);
        return;
    }
    if (!keep_def(r, definition ? name : NULL, comp)) {
        fail(r, "out of memory");
        return;
    }
    if (definition)
        pass(r);
    else
        instantiate(r, comp, name);
}

static void cmd_component_instance(run_t *r, const json_t *c)
{
    const char *of = json_string_value(json_object_get(c, "component"));
    const char *name = json_string_value(json_object_get(c, "instance"));
    const def_t *d = of ? find_def(r, of) : NULL;
    r->current = NULL;
    r->current_line = r->line;
    if (!d)
        fail(r, "no component definition named %s", of ? of : "(none)");
    else if (!d->comp)
        fail(r, "component %s (line %ld) failed to load", of, d->line);
    else
        instantiate(r, d->comp, name);
}

/* ---- Actions ---- */

/* Prints v of type t in WAVE into a new string (NULL when out of memory). */
static char *wave_str(const cm_val_t *v, const cm_type_t *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    cm_wave_print(m, v, t);
    fclose(m);
    return buf;
}

typedef struct {
    const cm_functype_t *type;
    cm_val_t result;
    char what[200]; /* "invoke \"f\"", for messages */
} call_t;

/* Runs an invoke action. WH_NOTFOUND or WH_ARG with err set when the call
 * cannot even start; else what cm_call returns. */
static wh_rc run_action(run_t *r, const json_t *a, wh_arena_t *arena, call_t *out, wh_err_t *err)
{
    memset(out, 0, sizeof *out);
    const char *type = json_string_value(json_object_get(a, "type"));
    const char *field = json_string_value(json_object_get(a, "field"));
    const char *iname = json_string_value(json_object_get(a, "instance"));
    snprintf(out->what, sizeof out->what, "invoke \"%s\"%s%s", field ? field : "?",
             iname ? " of " : "", iname ? iname : "");
    if (!type || strcmp(type, "invoke") || !field)
        return wh_err(err, WH_ARG, -1, "not an invoke action");
    cm_instance_t *inst = r->current;
    if (iname) {
        const inst_t *i = find_inst(r, iname);
        if (!i)
            return wh_err(err, WH_NOTFOUND, -1, "no instance named %s", iname);
        if (!(inst = i->inst))
            return wh_err(err, WH_NOTFOUND, -1, "instance %s failed to instantiate", iname);
    } else if (!inst) {
        if (r->current_line)
            return wh_err(err, WH_NOTFOUND, -1,
                          "the current component (line %ld) failed to load or instantiate",
                          r->current_line);
        return wh_err(err, WH_NOTFOUND, -1, "no component instantiated yet");
    }
    cm_func_t *f;
    if (cm_instance_func(inst, field, &f))
        return wh_err(err, WH_NOTFOUND, -1, "no exported function \"%s\"", field);
    const cm_functype_t *ft = out->type = cm_func_type(f);
    const json_t *args = json_object_get(a, "args");
    size_t nargs = json_array_size(args);
    if (nargs != ft->nparams)
        return wh_err(err, WH_ARG, -1, "\"%s\" takes %u arguments, the script passes %zu", field,
                      ft->nparams, nargs);
    cm_val_t *vals = wh_arena_calloc(arena, (nargs ? nargs : 1) * sizeof *vals);
    if (!vals)
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    for (size_t i = 0; i < nargs; i++) {
        const json_t *j = json_array_get(args, i);
        wh_rc rc = cm_wave_parse(json_string_value(j), json_string_length(j), ft->params[i], arena,
                                 &vals[i], err);
        if (rc) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            return wh_err(err, WH_ARG, -1, "argument %zu (%s): %s", i + 1,
                          json_string_value(j) ? json_string_value(j) : "?", msg);
        }
    }
    return cm_call(inst, f, vals, &out->result, arena, err);
}

static void cmd_action(run_t *r, const json_t *c)
{
    wh_arena_t arena;
    wh_arena_init(&arena, 4096);
    call_t call;
    wh_err_t err = {0};
    wh_rc rc = run_action(r, json_object_get(c, "action"), &arena, &call, &err);
    if (rc)
        fail(r, "%s: %s: %s", call.what, wh_rc_name(rc), errmsg(&err, rc));
    else
        pass(r);
    wh_arena_free(&arena);
}

static void cmd_assert_return(run_t *r, const json_t *c)
{
    wh_arena_t arena;
    wh_arena_init(&arena, 4096);
    call_t call;
    wh_err_t err = {0};
    char *got = NULL, *want = NULL;
    const json_t *exp = json_object_get(c, "expected");
    size_t nexp = json_array_size(exp);
    wh_rc rc = run_action(r, json_object_get(c, "action"), &arena, &call, &err);
    if (rc) {
        fail(r, "%s: %s: %s", call.what, wh_rc_name(rc), errmsg(&err, rc));
        goto done;
    }
    const cm_type_t *rt = call.type->result;
    if (nexp != (rt ? 1u : 0u)) {
        fail(r, "%s: the function has %u results, the script expects %zu", call.what, rt ? 1u : 0u,
             nexp);
        goto done;
    }
    if (!rt) {
        pass(r);
        goto done;
    }
    /* The expected value read against the result type and printed again,
     * so that both sides are in the same canonical WAVE. */
    const json_t *j = json_array_get(exp, 0);
    cm_val_t ev;
    rc = cm_wave_parse(json_string_value(j), json_string_length(j), rt, &arena, &ev, &err);
    if (rc) {
        fail(r, "%s: expected value %s: %s", call.what, json_string_value(j), err.msg);
        goto done;
    }
    want = wave_str(&ev, rt);
    got = wave_str(&call.result, rt);
    if (!want || !got)
        fail(r, "out of memory");
    else if (strcmp(want, got))
        fail(r, "%s: expected %s, got %s", call.what, want, got);
    else
        pass(r);
done:
    free(want); /* open_memstream's buffers come from malloc */
    free(got);
    wh_arena_free(&arena);
}

/* assert_trap of a component: it loads, and instantiating it traps. */
static void cmd_assert_trap_instantiate(run_t *r, const json_t *c)
{
    const char *file = json_string_value(json_object_get(c, "filename"));
    const char *text = json_string_value(json_object_get(c, "text"));
    const char *error = json_string_value(json_object_get(c, "error"));
    wh_err_t err = {0};
    cm_component_t *comp = NULL;
    cm_instance_t *inst = NULL;
    wh_rc rc = file ? load(r, file, &comp, &err) : WH_ARG;
    if (!file)
        fail(r, "not converted: %s", error ? error : "no file");
    else if (rc)
        fail(r, "%s does not load: %s: %s", file, wh_rc_name(rc), errmsg(&err, rc));
    else if ((rc = cm_instantiate(comp, NULL, NULL, &inst, &err)) == WH_TRAP || rc == WH_EXHAUSTED)
        pass(r);
    else if (rc == WH_OK)
        fail(r, "%s instantiates, expected a trap \"%s\"", file, text ? text : "");
    else
        fail(r, "%s: expected a trap \"%s\", got %s: %s", file, text ? text : "", wh_rc_name(rc),
             errmsg(&err, rc));
    cm_instance_free(inst);
    cm_component_free(comp);
}

/* assert_trap: the call must trap (any message: engines word traps
 * differently; a stack overflow is a trap too). */
static void cmd_assert_trap(run_t *r, const json_t *c)
{
    if (!json_object_get(c, "action")) {
        cmd_assert_trap_instantiate(r, c);
        return;
    }
    wh_arena_t arena;
    wh_arena_init(&arena, 4096);
    call_t call;
    wh_err_t err = {0};
    const char *text = json_string_value(json_object_get(c, "text"));
    wh_rc rc = run_action(r, json_object_get(c, "action"), &arena, &call, &err);
    if (rc == WH_TRAP || rc == WH_EXHAUSTED)
        pass(r);
    else if (rc == WH_OK)
        fail(r, "%s: returned normally, expected a trap \"%s\"", call.what, text ? text : "");
    else
        fail(r, "%s: expected a trap \"%s\", got %s: %s", call.what, text ? text : "",
             wh_rc_name(rc), errmsg(&err, rc));
    wh_arena_free(&arena);
}

/* assert_invalid / assert_malformed: loading must fail as invalid or
 * malformed (either for either: where a check sits differs between
 * decoders). WH_UNSUPPORTED is not a pass: refusing a component for using
 * something this host lacks says nothing about the error it has. */
static void cmd_assert_load_fails(run_t *r, const json_t *c)
{
    const char *file = json_string_value(json_object_get(c, "filename"));
    const char *text = json_string_value(json_object_get(c, "text"));
    const char *mt = json_string_value(json_object_get(c, "module_type"));
    if (mt && !strcmp(mt, "text")) {
        r->n.na++; /* malformed text, which jco's parser rejected */
        if (!r->opt->quiet)
            printf("%s:%ld: %s: n/a (malformed text)\n", r->path, r->line, r->cmd);
        return;
    }
    if (!file) {
        const char *error = json_string_value(json_object_get(c, "error"));
        fail(r, "not converted: %s", error ? error : "no file");
        return;
    }
    wh_err_t err = {0};
    cm_component_t *comp;
    wh_rc rc = load(r, file, &comp, &err);
    if (rc == WH_OK) {
        cm_component_free(comp);
        fail(r, "%s loads, expected \"%s\"", file, text ? text : "");
    } else if (rc == WH_INVALID || rc == WH_MALFORMED) {
        pass(r);
    } else {
        fail(r, "%s: expected \"%s\", got %s: %s", file, text ? text : "", wh_rc_name(rc),
             errmsg(&err, rc));
    }
}

/* assert_unlinkable: loads, but instantiating fails for want of imports. */
static void cmd_assert_unlinkable(run_t *r, const json_t *c)
{
    const char *file = json_string_value(json_object_get(c, "filename"));
    const char *text = json_string_value(json_object_get(c, "text"));
    wh_err_t err = {0};
    cm_component_t *comp = NULL;
    cm_instance_t *inst = NULL;
    wh_rc rc = file ? load(r, file, &comp, &err) : wh_err(&err, WH_ARG, -1, "not converted");
    if (rc) {
        fail(r, "%s does not load: %s: %s", file ? file : "component", wh_rc_name(rc),
             errmsg(&err, rc));
        return;
    }
    rc = cm_instantiate(comp, NULL, NULL, &inst, &err);
    if (rc == WH_UNLINKABLE)
        pass(r);
    else if (rc == WH_OK)
        fail(r, "%s instantiates, expected \"%s\"", file, text ? text : "");
    else
        fail(r, "%s: expected unlinkable \"%s\", got %s: %s", file, text ? text : "",
             wh_rc_name(rc), errmsg(&err, rc));
    cm_instance_free(inst);
    cm_component_free(comp);
}

static void run_command(run_t *r, const json_t *c)
{
    const char *type = json_string_value(json_object_get(c, "type"));
    r->cmd = type ? type : "?";
    r->line = (long)json_integer_value(json_object_get(c, "line"));
    /* Said before the command runs, so that a crash can be placed. */
    if (!r->opt->quiet)
        fflush(stdout);
    if (!type)
        fail(r, "command without a type");
    else if (!strcmp(type, "component"))
        cmd_component(r, c);
    else if (!strcmp(type, "component_instance"))
        cmd_component_instance(r, c);
    else if (!strcmp(type, "action"))
        cmd_action(r, c);
    else if (!strcmp(type, "assert_return"))
        cmd_assert_return(r, c);
    else if (!strcmp(type, "assert_trap"))
        cmd_assert_trap(r, c);
    else if (!strcmp(type, "assert_invalid") || !strcmp(type, "assert_malformed"))
        cmd_assert_load_fails(r, c);
    else if (!strcmp(type, "assert_unlinkable"))
        cmd_assert_unlinkable(r, c);
    else if (!strcmp(type, "error"))
        fail(r, "the converter could not read this form: %s",
             json_string_value(json_object_get(c, "error")));
    else
        fail(r, "command not supported by this runner (%s)",
             json_string_value(json_object_get(c, "head")));
}

/* ---- One script ---- */

/* Converts the script into dir (returns the JSON path, to free, or NULL
 * after saying why). */
static char *convert(const options_t *opt, const char *wast, const char *dir)
{
    char *json = cli_json_path(dir, wast);
    if (!json)
        return NULL;
    const char *argv[8];
    int a = 0;
    argv[a++] = opt->node;
    argv[a++] = opt->converter;
    if (opt->node_modules) {
        argv[a++] = "--node-modules";
        argv[a++] = opt->node_modules;
    }
    argv[a++] = wast;
    argv[a++] = "-o";
    argv[a++] = json;
    argv[a] = NULL;
    char why[300];
    if (!cli_run_wait(argv, why, sizeof why)) {
        printf("%s: cannot convert: %s\n", wast, why);
        wh_free(json);
        return NULL;
    }
    return json;
}

/* Runs one script in this process. */
static counts_t run_script(const options_t *opt, const char *wast, xfailvec_t *xfail)
{
    run_t r;
    memset(&r, 0, sizeof r);
    r.opt = opt;
    r.path = wast;
    r.xfail = xfail;
    r.cmd = "convert";
    json_t *root = NULL;
    char dir[4096];
    if (!cli_scratch_dir("cm-wast", dir, sizeof dir)) {
        printf("%s: cannot create a temporary directory: %s\n", wast, strerror(errno));
        r.n.failed++;
        return r.n;
    }
    r.dir = dir;
    char *json = convert(opt, wast, dir);
    if (!json) {
        r.n.failed++;
    } else {
        json_error_t jerr;
        root = json_load_file(json, 0, &jerr);
        if (!root || !json_is_array(json_object_get(root, "commands")))
            fail(&r, "cannot read %s: %s", json, root ? "no command list" : jerr.text);
    }
    wh_free(json);
    const json_t *cmds = json_object_get(root, "commands");
    for (size_t i = 0; i < json_array_size(cmds); i++)
        run_command(&r, json_array_get(cmds, i));
    if (opt->keep)
        printf("%s: converted files kept in %s\n", wast, dir);
    else
        cli_remove_dir(dir);

    /* Listed lines of this script that named no command: stale entries. */
    if (root) {
        r.cmd = "xfail";
        for (uint32_t i = 0; i < xfail->len; i++) {
            xfail_t *x = &xfail->data[i];
            if (x->seen || xfail_find(&r, x->line) != x)
                continue;
            r.n.failed++;
            printf("%s:%ld: FAIL: listed in %s as an expected failure, but no command of the "
                   "script is on that line\n",
                   wast, x->line, opt->xfail_path);
        }
    }
    for (uint32_t i = 0; i < r.insts.len; i++) {
        cm_instance_free(r.insts.data[i].inst);
        wh_free(r.insts.data[i].name);
    }
    wh_vec_free(&r.insts);
    for (uint32_t i = 0; i < r.defs.len; i++) {
        cm_component_free(r.defs.data[i].comp);
        wh_free(r.defs.data[i].name);
    }
    wh_vec_free(&r.defs);
    json_decref(root);
    return r.n;
}

/* Runs one script in a child process and adds its counts to tot. A child
 * that dies counts as one failure (after whatever it reported). */
static void run_isolated(const options_t *opt, const char *wast, xfailvec_t *xfail, counts_t *tot)
{
    int fds[2];
    fflush(stdout);
    fflush(stderr);
    if (pipe(fds)) {
        printf("%s: FAIL: cannot make a pipe: %s\n", wast, strerror(errno));
        tot->failed++;
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        printf("%s: FAIL: cannot fork: %s\n", wast, strerror(errno));
        tot->failed++;
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        counts_t n = run_script(opt, wast, xfail);
        fflush(stdout);
        ssize_t w = write(fds[1], &n, sizeof n);
        /* exit, not _exit: a leak checker (LeakSanitizer) runs at exit and
         * says so in the status, which the parent checks. */
        exit(w == (ssize_t)sizeof n ? 0 : 1);
    }
    close(fds[1]);
    counts_t n;
    ssize_t got;
    do
        got = read(fds[0], &n, sizeof n);
    while (got < 0 && errno == EINTR);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (got != (ssize_t)sizeof n) {
        /* The crash happened during the command after the last one printed;
         * the converted files are left in the temp dir for a look. */
        if (WIFSIGNALED(status))
            printf("%s: FAIL: the runner died of signal %d during the command after the last "
                   "one reported\n",
                   wast, WTERMSIG(status));
        else
            printf("%s: FAIL: the runner exited (status %d) without a report\n", wast,
                   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        tot->failed++;
        return;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        printf("%s: FAIL: the runner reported, then ended with %s %d (a sanitizer's report?)\n",
               wast, WIFEXITED(status) ? "status" : "signal",
               WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        n.failed++;
    }
    printf("%s: %" PRIu32 " passed, %" PRIu32 " failed, %" PRIu32 " expected failures", wast,
           n.passed, n.failed, n.xfailed);
    if (n.na)
        printf(", %" PRIu32 " n/a", n.na);
    printf("\n");
    tot->passed += n.passed;
    tot->failed += n.failed;
    tot->xfailed += n.xfailed;
    tot->na += n.na;
}

/* ---- Command line ---- */

static void usage(FILE *to)
{
    fprintf(to, "usage: wasmhttpd cm-wast [OPTIONS] FILE.wast...\n"
                "\n"
                "Runs Component Model test scripts (the WebAssembly/component-model suite's\n"
                "format): each is converted by scripts/cm-wast2json.mjs (node and jco) and its\n"
                "commands run in order. Prints one line per command, one per script, then\n"
                "\"N passed, N failed, N expected failures\".\n"
                "\n"
                "options:\n"
                "  --converter PATH    cm-wast2json.mjs (default: $WH_CM_WAST2JSON)\n"
                "  --node PATH         node (default: $WH_NODE, else node on PATH)\n"
                "  --node-modules DIR  where jco is installed (default: the converter's\n"
                "                      ../node_modules)\n"
                "  --xfail FILE        expected failures, one \"DIR/FILE.wast:LINE reason\" a\n"
                "                      line; a listed command that passes is a failure\n"
                "  -q, --quiet         print failures and totals only\n"
                "  --keep              keep the converted files and print where\n"
                "  -h, --help          this text\n"
                "\n"
                "exit status: 0 nothing failed (expected failures aside), 1 something failed,\n"
                "2 bad usage\n");
}

int cli_cm_wast_main(int argc, char **argv)
{
    options_t opt = {0};
    const char *env = getenv("WH_NODE");
    opt.node = env && *env ? env : "node";
    env = getenv("WH_CM_WAST2JSON");
    opt.converter = env && *env ? env : NULL;
    const char **files = wh_calloc((size_t)argc + 1, sizeof *files);
    xfailvec_t xfail = {0};
    int nfiles = 0, status = 2;
    if (!files) {
        fprintf(stderr, "wasmhttpd cm-wast: out of memory\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **val = !strcmp(a, "--converter")      ? &opt.converter
                           : !strcmp(a, "--node")         ? &opt.node
                           : !strcmp(a, "--node-modules") ? &opt.node_modules
                           : !strcmp(a, "--xfail")        ? &opt.xfail_path
                                                          : NULL;
        if (val) {
            if (i + 1 >= argc) {
                fprintf(stderr, "wasmhttpd cm-wast: %s needs a value\n", a);
                goto out;
            }
            *val = argv[++i];
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            status = 0;
            goto out;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            opt.quiet = true;
        } else if (!strcmp(a, "--keep")) {
            opt.keep = true;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "wasmhttpd cm-wast: unknown option '%s'\n\n", a);
            usage(stderr);
            goto out;
        } else {
            files[nfiles++] = a;
        }
    }
    if (!nfiles) {
        usage(stderr);
        goto out;
    }
    if (!opt.converter) {
        fprintf(stderr, "wasmhttpd cm-wast: no converter: pass --converter "
                        "PATH/scripts/cm-wast2json.mjs or set WH_CM_WAST2JSON\n");
        goto out;
    }
    if (opt.xfail_path && !xfail_read(opt.xfail_path, &xfail))
        goto out;
    counts_t tot = {0};
    for (int i = 0; i < nfiles; i++)
        run_isolated(&opt, files[i], &xfail, &tot);
    printf("%" PRIu32 " passed, %" PRIu32 " failed, %" PRIu32 " expected failures", tot.passed,
           tot.failed, tot.xfailed);
    if (tot.na)
        printf(", %" PRIu32 " n/a", tot.na);
    printf("\n");
    status = tot.failed ? 1 : 0;
out:
    xfail_free(&xfail);
    wh_free(files);
    return status;
}
