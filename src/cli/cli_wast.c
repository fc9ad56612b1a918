/*
 * cli_wast.c — `wasmhttpd wast FILE.wast…`: runs WebAssembly spec scripts.
 *
 * Each script is converted by wabt's wast2json into a fresh temporary
 * directory (a .json list of commands plus one .wasm per module), and the
 * commands run in order against one store per script. Every command counts
 * once as passed or failed; text-format assert_malformed modules cannot be
 * checked without a text parser and count as "n/a", never as passed.
 *
 * Invariant: nothing a command does can end the run early. A module that
 * fails to load leaves a NULL "current" instance, and commands that need it
 * fail one by one with a reason.
 */
#include "cli_wast.h"
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Failures printed per file without --verbose. */
#define MAX_SHOWN 20

typedef struct {
    char *name;          /* "$M" for module names, the "as" name for registrations */
    wm_instance_t *inst; /* NULL when that module failed */
} named_t;

typedef WH_VEC(named_t) namevec_t;

/* A module binary written by wast2json, read before any command runs so
 * that the scratch directory is gone by the time the engine sees the first
 * module: an engine crash then leaves nothing behind in the temp dir. */
typedef struct {
    const char *name; /* borrowed from the JSON document */
    uint8_t *bytes;
    size_t len;
    wh_err_t err; /* why it could not be read (bytes NULL) */
} file_t;

typedef WH_VEC(file_t) filevec_t;

typedef struct {
    bool verbose;
    const char *wast2json;
    /* Set: convert with `wasm-tools json-from-wast`, which reads every
     * feature (the --enable flags then only tell the engine). */
    const char *wasm_tools;
    const char **flags; /* extra wast2json options */
    int nflags;
    bool keep;
    /* --na-lines FIRST-LAST: commands of these script lines are not run and
     * count as n/a (the parts of a 3.0 script that need a feature the
     * engine lacks; never a pass) */
    long (*na_lines)[2];
    int nna_lines;
    /* What the engine accepts beyond 2.0: the features the converter was
     * told to accept (wabt's default set is exactly 2.0), so that a 2.0
     * script's "multiple memories" or "zero byte expected" still holds. */
    uint32_t features;
} options_t;

typedef struct {
    const options_t *opt;
    const char *path; /* the script, as given */
    filevec_t files;  /* the converted module binaries, read in advance */
    wm_store_t *store;
    cli_spectest_t spectest;
    WH_VEC(wm_module_t *) modules; /* freed after the store */
    namevec_t names;               /* module names */
    namevec_t registered;          /* importable module names */
    wm_instance_t *current;
    int current_line; /* line of the module command that set current; 0 if none */
    const char *cmd;  /* type of the command running */
    long line;        /* its line */
    uint32_t passed, failed, na, shown;
} wast_t;

/* ---- Reporting ---- */

static void failf(wast_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void failf(wast_t *w, const char *fmt, ...)
{
    w->failed++;
    if (!w->opt->verbose && w->shown >= MAX_SHOWN)
        return;
    w->shown++;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%ld: %s: ", w->path, w->line, w->cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Things that pass but differ from the reference (a trap text, an invalid
 * module reported as malformed): worth knowing, not failures. */
static void notef(wast_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void notef(wast_t *w, const char *fmt, ...)
{
    if (!w->opt->verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%ld: %s: note: ", w->path, w->line, w->cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static const char *kind_name(uint8_t kind)
{
    static const char *const names[] = {"func", "table", "memory", "global"};
    return kind < 4 ? names[kind] : "?";
}

/* The error's message, with the byte offset appended when it has one. */
static const char *err_text(const wh_err_t *e, char *buf, size_t n)
{
    const char *msg = e->msg[0] ? e->msg : wh_rc_name(e->code);
    if (e->offset >= 0)
        snprintf(buf, n, "%s (at byte 0x%" PRIx64 ")", msg, (uint64_t)e->offset);
    else
        snprintf(buf, n, "%s", msg);
    return buf;
}

/* ---- Names ---- */

static bool name_set(namevec_t *v, const char *name, wm_instance_t *inst)
{
    for (uint32_t i = 0; i < v->len; i++)
        if (!strcmp(v->data[i].name, name)) {
            v->data[i].inst = inst;
            return true;
        }
    named_t n = {wh_strdup(name), inst};
    if (!n.name || !wh_vec_push(v, n)) {
        wh_free(n.name);
        return false;
    }
    return true;
}

static const named_t *name_find(const namevec_t *v, const char *name)
{
    for (uint32_t i = 0; i < v->len; i++)
        if (!strcmp(v->data[i].name, name))
            return &v->data[i];
    return NULL;
}

/* The instance an action or register refers to: by name, or the current
 * one. NULL with why filled when it is missing or failed. */
static wm_instance_t *target(wast_t *w, const char *name, char *why, size_t n)
{
    if (name) {
        const named_t *nm = name_find(&w->names, name);
        if (!nm)
            snprintf(why, n, "no module named %s", name);
        else if (!nm->inst)
            snprintf(why, n, "module %s failed to load or instantiate", name);
        return nm ? nm->inst : NULL;
    }
    if (!w->current) {
        if (w->current_line)
            snprintf(why, n, "the current module (line %d) failed to load or instantiate",
                     w->current_line);
        else
            snprintf(why, n, "no module defined yet");
    }
    return w->current;
}

/* ---- Modules ---- */

/* Loads a module file of the script (from the copy read in advance). */
static wh_rc load(wast_t *w, const char *filename, wm_module_t **out, wh_err_t *err)
{
    *out = NULL;
    const file_t *f = NULL;
    for (uint32_t i = 0; i < w->files.len && !f; i++)
        if (!strcmp(w->files.data[i].name, filename))
            f = &w->files.data[i];
    if (!f)
        return wh_err(err, WH_IO, -1, "%s was not read", filename);
    if (!f->bytes) {
        if (err)
            *err = f->err;
        return f->err.code;
    }
    const uint8_t *bytes = f->bytes;
    size_t len = f->len;
    wm_module_t *m = NULL;
    wm_config_t cfg = {.features = w->opt->features};
    wh_rc rc = wm_module_load(bytes, len, &cfg, &m, err);
    if (rc)
        return rc;
    if (!wh_vec_push(&w->modules, m)) {
        wm_module_free(m);
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    }
    *out = m;
    return WH_OK;
}

/* Resolves m's imports against registered instances and spectest, then
 * instantiates. An import that is not found, or found with another kind,
 * gives WH_UNLINKABLE without calling wm_instantiate; type checks beyond the
 * kind are the engine's. */
static wh_rc link_module(wast_t *w, const wm_module_t *m, wm_instance_t **out, wh_err_t *err)
{
    *out = NULL;
    uint32_t n = wm_module_import_count(m);
    wm_extern_t *imports = n ? wh_calloc(n, sizeof *imports) : NULL;
    if (n && !imports)
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    wh_rc rc = WH_OK;
    for (uint32_t i = 0; i < n && !rc; i++) {
        wm_externdesc_t d;
        if (!wm_module_import(m, i, &d)) {
            rc = wh_err(err, WH_UNLINKABLE, -1, "import %u cannot be described", i);
            break;
        }
        bool found = false;
        const named_t *reg = name_find(&w->registered, d.module);
        if (reg && reg->inst) {
            found = wm_instance_export_n(reg->inst, d.name, d.name_len, &imports[i]) == WH_OK;
        } else if (!reg && !strcmp(d.module, "spectest")) {
            if (!w->spectest.n)
                rc = cli_spectest_init(&w->spectest, w->store, err);
            found = !rc && cli_spectest_find(&w->spectest, d.name, &imports[i]);
        }
        if (rc)
            break;
        if (!found)
            rc = wh_err(err, WH_UNLINKABLE, -1, "unknown import %s.%s (%s)", d.module, d.name,
                        kind_name(d.kind));
        else if (imports[i].kind != d.kind)
            rc = wh_err(err, WH_UNLINKABLE, -1,
                        "incompatible import type: %s.%s is a %s, the module imports a %s",
                        d.module, d.name, kind_name(imports[i].kind), kind_name(d.kind));
    }
    if (!rc)
        rc = wm_instantiate(w->store, m, imports, n, out, err);
    wh_free(imports);
    return rc;
}

static void cmd_module(wast_t *w, const json_t *c)
{
    const char *file = json_string_value(json_object_get(c, "filename"));
    const char *name = json_string_value(json_object_get(c, "name"));
    wh_err_t err = {0};
    char eb[400];
    wm_module_t *m = NULL;
    wm_instance_t *inst = NULL;
    w->current = NULL;
    w->current_line = (int)w->line;
    wh_rc rc = file ? load(w, file, &m, &err) : wh_err(&err, WH_ARG, -1, "no filename");
    if (rc)
        failf(w, "%s does not load: %s: %s", file ? file : "module", wh_rc_name(rc),
              err_text(&err, eb, sizeof eb));
    else if ((rc = link_module(w, m, &inst, &err)))
        failf(w, "%s does not instantiate: %s: %s", file, wh_rc_name(rc),
              err_text(&err, eb, sizeof eb));
    else
        w->passed++;
    w->current = inst;
    if (name && !name_set(&w->names, name, inst))
        failf(w, "out of memory");
}

/* A module that is only defined (json-from-wast's module_definition, the
 * script's "module definition"): it must load; nothing is instantiated,
 * so the current module stays. */
static void cmd_module_definition(wast_t *w, const json_t *c)
{
    const char *file = json_string_value(json_object_get(c, "filename"));
    wh_err_t err = {0};
    char eb[400];
    wm_module_t *m;
    wh_rc rc = file ? load(w, file, &m, &err) : wh_err(&err, WH_ARG, -1, "no filename");
    if (rc)
        failf(w, "%s does not load: %s: %s", file ? file : "module", wh_rc_name(rc),
              err_text(&err, eb, sizeof eb));
    else
        w->passed++;
}

static void cmd_register(wast_t *w, const json_t *c)
{
    const char *as = json_string_value(json_object_get(c, "as"));
    const char *name = json_string_value(json_object_get(c, "name"));
    char why[200];
    wm_instance_t *inst = target(w, name, why, sizeof why);
    if (!as)
        failf(w, "register without \"as\"");
    else if (!name_set(&w->registered, as, inst))
        failf(w, "out of memory");
    else if (!inst)
        failf(w, "cannot register \"%s\": %s", as, why); /* later imports from it fail */
    else
        w->passed++;
}

/* ---- Actions ---- */

typedef struct {
    wm_val_t *vals;
    uint32_t n;
    char what[160]; /* "invoke \"f\"" for messages */
} results_t;

/* Runs an action (invoke or get). Returns the engine's code, or WH_NOTFOUND /
 * WH_ARG with err set when the action cannot even start. */
static wh_rc run_action(wast_t *w, const json_t *a, results_t *res, wh_err_t *err)
{
    memset(res, 0, sizeof *res);
    const char *type = json_string_value(json_object_get(a, "type"));
    const char *field = json_string_value(json_object_get(a, "field"));
    const char *modname = json_string_value(json_object_get(a, "module"));
    /* Export names may hold any bytes (names.wast): show them escaped. */
    char shown[64];
    size_t flen = json_string_length(json_object_get(a, "field")), o = 0;
    for (size_t i = 0; field && i < flen && o + 5 < sizeof shown; i++) {
        unsigned char ch = (unsigned char)field[i];
        o += (size_t)snprintf(shown + o, sizeof shown - o,
                              ch < 0x20 || ch == 0x7f ? "\\%02x" : "%c", ch);
    }
    shown[o] = 0;
    snprintf(res->what, sizeof res->what, "%s \"%s\"%s%s", type ? type : "?", field ? shown : "?",
             modname ? " of " : "", modname ? modname : "");
    if (!type || !field)
        return wh_err(err, WH_ARG, -1, "action without type or field");
    char why[200];
    wm_instance_t *inst = target(w, modname, why, sizeof why);
    if (!inst)
        return wh_err(err, WH_NOTFOUND, -1, "%s", why);
    wm_extern_t ext;
    if (wm_instance_export_n(inst, field, flen, &ext) != WH_OK)
        return wh_err(err, WH_NOTFOUND, -1, "no export \"%s\"", field);

    if (!strcmp(type, "get")) {
        if (ext.kind != WM_EXTERN_GLOBAL)
            return wh_err(err, WH_ARG, -1, "export \"%s\" is a %s, not a global", field,
                          kind_name(ext.kind));
        res->vals = wh_calloc(1, sizeof *res->vals);
        if (!res->vals)
            return wh_err(err, WH_NOMEM, -1, "out of memory");
        res->vals[0] = wm_global_get(ext.of.global);
        res->n = 1;
        return WH_OK;
    }
    if (strcmp(type, "invoke"))
        return wh_err(err, WH_ARG, -1, "unknown action type \"%s\"", type);
    if (ext.kind != WM_EXTERN_FUNC)
        return wh_err(err, WH_ARG, -1, "export \"%s\" is a %s, not a function", field,
                      kind_name(ext.kind));

    const wm_functype_t *ft = wm_func_type(ext.of.func);
    const json_t *jargs = json_object_get(a, "args");
    size_t nargs = json_array_size(jargs);
    if (nargs != ft->nparams)
        return wh_err(err, WH_ARG, -1, "\"%s\" takes %u arguments, the script passes %zu", field,
                      ft->nparams, nargs);
    wm_val_t *args = nargs ? wh_calloc(nargs, sizeof *args) : NULL;
    res->vals = ft->nresults ? wh_calloc(ft->nresults, sizeof *res->vals) : NULL;
    wh_rc rc = WH_OK;
    if ((nargs && !args) || (ft->nresults && !res->vals)) {
        rc = wh_err(err, WH_NOMEM, -1, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nargs; i++) {
        if (!cli_value_from_json(json_array_get(jargs, i), &args[i], why, sizeof why)) {
            rc = wh_err(err, WH_ARG, -1, "argument %zu: %s", i + 1, why);
            goto done;
        }
        if (args[i].type != ft->params[i]) {
            rc = wh_err(err, WH_ARG, -1, "argument %zu is %s, \"%s\" wants %s", i + 1,
                        wm_valtype_name(args[i].type), field, wm_valtype_name(ft->params[i]));
            goto done;
        }
    }
    res->n = ft->nresults;
    rc = wm_func_call(w->store, ext.of.func, args, (uint32_t)nargs, res->vals, res->n, err);
    if (rc == WH_SUSPEND) {
        /* Nothing here suspends; if the engine says so, drop the call so the
         * store stays usable for the next command. */
        wm_store_abort(w->store);
        rc = wh_err(err, WH_SUSPEND, -1, "call suspended unexpectedly");
    }
done:
    wh_free(args);
    if (rc) {
        wh_free(res->vals);
        res->vals = NULL;
        res->n = 0;
    }
    return rc;
}

static void cmd_action(wast_t *w, const json_t *c)
{
    results_t res;
    wh_err_t err = {0};
    char eb[400];
    wh_rc rc = run_action(w, json_object_get(c, "action"), &res, &err);
    if (rc)
        failf(w, "%s: %s: %s", res.what, wh_rc_name(rc), err_text(&err, eb, sizeof eb));
    else
        w->passed++;
    wh_free(res.vals);
}

static void cmd_assert_return(wast_t *w, const json_t *c)
{
    results_t res;
    wh_err_t err = {0};
    char eb[400];
    wh_rc rc = run_action(w, json_object_get(c, "action"), &res, &err);
    if (rc) {
        failf(w, "%s: %s: %s", res.what, wh_rc_name(rc), err_text(&err, eb, sizeof eb));
        return;
    }
    /* Relaxed instructions may give one of several results: wast2json
     * lists them under "either", one value each (a single result);
     * json-from-wast writes an expected value {"type": "either", "values"}. */
    const json_t *jexp = json_object_get(c, "expected"), *jeither = json_object_get(c, "either");
    size_t nexp = jeither ? 1 : json_array_size(jexp);
    if (nexp != res.n) {
        failf(w, "%s: %u results, expected %zu", res.what, res.n, nexp);
        goto done;
    }
    for (size_t i = 0; i < nexp; i++) {
        const json_t *alts = jeither, *one = jeither ? NULL : json_array_get(jexp, i);
        const char *etype = json_string_value(json_object_get(one, "type"));
        if (etype && !strcmp(etype, "either"))
            alts = json_object_get(one, "values");
        size_t nalt = alts ? json_array_size(alts) : 1, k;
        cli_expect_t e;
        char why[200];
        for (k = 0; k < nalt; k++) {
            const json_t *je = alts ? json_array_get(alts, k) : one;
            if (!cli_expect_from_json(je, &e, why, sizeof why)) {
                failf(w, "%s: expected result %zu: %s", res.what, i + 1, why);
                goto done;
            }
            if (cli_expect_match(&e, &res.vals[i]))
                break;
        }
        if (k == nalt) {
            char ws[600], gs[600];
            cli_expect_str(&e, ws, sizeof ws);
            cli_value_str(&res.vals[i], e.lane, gs, sizeof gs);
            failf(w, "%s: result %zu: expected %s%s, got %s", res.what, i + 1, ws,
                  nalt > 1 ? " (or one of the other choices)" : "", gs);
            goto done;
        }
    }
    w->passed++;
done:
    wh_free(res.vals);
}

/* assert_trap and assert_exhaustion: the action must fail with `want`. A
 * different message only earns a note: engines word traps differently. */
static void cmd_assert_fails(wast_t *w, const json_t *c, wh_rc want)
{
    results_t res;
    wh_err_t err = {0};
    char eb[400];
    const char *text = json_string_value(json_object_get(c, "text"));
    wh_rc rc = run_action(w, json_object_get(c, "action"), &res, &err);
    wh_free(res.vals);
    if (rc == WH_OK) {
        failf(w, "%s: returned normally, expected %s \"%s\"", res.what, wh_rc_name(want),
              text ? text : "");
        return;
    }
    if (rc != want) {
        failf(w, "%s: expected %s \"%s\", got %s: %s", res.what, wh_rc_name(want), text ? text : "",
              wh_rc_name(rc), err_text(&err, eb, sizeof eb));
        return;
    }
    w->passed++;
    if (text && !strstr(err.msg, text))
        notef(w, "%s: expected text \"%s\", got \"%s\"", res.what, text, err.msg);
}

/* ---- Module assertions ---- */

static bool is_text_module(const json_t *c)
{
    const char *mt = json_string_value(json_object_get(c, "module_type"));
    return mt && !strcmp(mt, "text");
}

/* assert_invalid / assert_malformed: loading must fail. */
static void cmd_assert_load_fails(wast_t *w, const json_t *c, wh_rc want)
{
    const char *file = json_string_value(json_object_get(c, "filename"));
    const char *text = json_string_value(json_object_get(c, "text"));
    if (is_text_module(c)) {
        w->na++; /* a .wat quote module: needs a text parser */
        return;
    }
    wh_err_t err = {0};
    wm_module_t *m;
    wh_rc rc = file ? load(w, file, &m, &err) : wh_err(&err, WH_ARG, -1, "no filename");
    if (rc == WH_OK) {
        failf(w, "%s loads, expected %s \"%s\"", file, wh_rc_name(want), text ? text : "");
        return;
    }
    if (rc == WH_IO || rc == WH_NOMEM || rc == WH_ARG) {
        failf(w, "%s: %s", file ? file : "module", err.msg);
        return;
    }
    if (want == WH_INVALID && rc != WH_INVALID && rc != WH_MALFORMED) {
        failf(w, "%s: expected invalid \"%s\", got %s: %s", file, text ? text : "", wh_rc_name(rc),
              err.msg);
        return;
    }
    w->passed++;
    if (rc != want)
        notef(w, "%s: expected %s \"%s\", got %s: %s", file, wh_rc_name(want), text ? text : "",
              wh_rc_name(rc), err.msg);
    else if (text && !strstr(err.msg, text))
        notef(w, "%s: expected text \"%s\", got \"%s\"", file, text, err.msg);
}

/* assert_unlinkable (want WH_UNLINKABLE) and assert_uninstantiable (want
 * WH_TRAP): the module loads, but instantiation fails in that way. */
static void cmd_assert_link_fails(wast_t *w, const json_t *c, wh_rc want)
{
    const char *file = json_string_value(json_object_get(c, "filename"));
    const char *text = json_string_value(json_object_get(c, "text"));
    wh_err_t err = {0};
    char eb[400];
    wm_module_t *m;
    wm_instance_t *inst;
    wh_rc rc = file ? load(w, file, &m, &err) : wh_err(&err, WH_ARG, -1, "no filename");
    if (rc) {
        failf(w, "%s does not load: %s: %s", file ? file : "module", wh_rc_name(rc),
              err_text(&err, eb, sizeof eb));
        return;
    }
    rc = link_module(w, m, &inst, &err);
    if (rc == WH_OK) {
        failf(w, "%s instantiates, expected %s \"%s\"", file, wh_rc_name(want), text ? text : "");
        return;
    }
    if (rc != want) {
        failf(w, "%s: expected %s \"%s\", got %s: %s", file, wh_rc_name(want), text ? text : "",
              wh_rc_name(rc), err_text(&err, eb, sizeof eb));
        return;
    }
    w->passed++;
    if (text && !strstr(err.msg, text))
        notef(w, "%s: expected text \"%s\", got \"%s\"", file, text, err.msg);
}

static void run_command(wast_t *w, const json_t *c)
{
    const char *type = json_string_value(json_object_get(c, "type"));
    w->cmd = type ? type : "?";
    w->line = (long)json_integer_value(json_object_get(c, "line"));
    for (int i = 0; i < w->opt->nna_lines; i++)
        if (w->line >= w->opt->na_lines[i][0] && w->line <= w->opt->na_lines[i][1]) {
            w->na++;
            return;
        }
    if (!type)
        failf(w, "command without a type");
    else if (!strcmp(type, "module"))
        cmd_module(w, c);
    else if (!strcmp(type, "module_definition"))
        cmd_module_definition(w, c);
    else if (!strcmp(type, "register"))
        cmd_register(w, c);
    else if (!strcmp(type, "action"))
        cmd_action(w, c);
    else if (!strcmp(type, "assert_return"))
        cmd_assert_return(w, c);
    else if (!strcmp(type, "assert_trap"))
        cmd_assert_fails(w, c, WH_TRAP);
    else if (!strcmp(type, "assert_exhaustion"))
        cmd_assert_fails(w, c, WH_EXHAUSTED);
    else if (!strcmp(type, "assert_exception"))
        cmd_assert_fails(w, c, WH_EXCEPTION);
    else if (!strcmp(type, "assert_invalid"))
        cmd_assert_load_fails(w, c, WH_INVALID);
    else if (!strcmp(type, "assert_malformed"))
        cmd_assert_load_fails(w, c, WH_MALFORMED);
    else if (!strcmp(type, "assert_unlinkable"))
        cmd_assert_link_fails(w, c, WH_UNLINKABLE);
    else if (!strcmp(type, "assert_uninstantiable"))
        cmd_assert_link_fails(w, c, WH_TRAP);
    else
        failf(w, "command type not supported by this runner");
}

/* ---- Conversion ---- */

/* Runs wast2json FILE -o DIR/NAME.json [flags]; returns the JSON path (to
 * free) or NULL after printing why. */
static char *convert(const options_t *opt, const char *wast, const char *dir)
{
    char *json = cli_json_path(dir, wast);
    const char **argv = wh_calloc((size_t)opt->nflags + 8, sizeof *argv);
    if (!json || !argv) {
        fprintf(stderr, "%s: out of memory\n", wast);
        goto fail;
    }
    int a = 0;
    if (opt->wasm_tools) {
        /* It parses every standard feature: the --enable options only
         * tell the engine what to accept. */
        argv[a++] = opt->wasm_tools;
        argv[a++] = "json-from-wast";
        argv[a++] = wast;
        argv[a++] = "-o";
        argv[a++] = json;
        argv[a++] = "--wasm-dir";
        argv[a++] = dir;
    } else {
        argv[a++] = opt->wast2json;
        argv[a++] = wast;
        argv[a++] = "-o";
        argv[a++] = json;
        for (int i = 0; i < opt->nflags; i++)
            argv[a++] = opt->flags[i];
    }
    argv[a] = NULL;

    char why[300];
    if (!cli_run_wait(argv, why, sizeof why)) {
        fprintf(stderr, "%s: %s%s\n", wast, why,
                !strstr(why, "cannot run") ? ""
                : opt->wasm_tools ? " (--wasm-tools wants a wasm-tools with json-from-wast)"
                                  : " (set --wast2json PATH or WH_WAST2JSON)");
        goto fail;
    }
    wh_free(argv);
    return json;
fail:
    wh_free(argv);
    wh_free(json);
    return NULL;
}

/* ---- One script ---- */

typedef struct {
    uint64_t passed, failed, na;
} totals_t;

/* Reads every binary module file the commands name into w->files. Text
 * modules (.wat of assert_malformed) are not read: they count as n/a. */
static void read_files(wast_t *w, const json_t *cmds, const char *dir)
{
    for (size_t i = 0; i < json_array_size(cmds); i++) {
        const json_t *c = json_array_get(cmds, i);
        const char *name = json_string_value(json_object_get(c, "filename"));
        const char *mt = json_string_value(json_object_get(c, "module_type"));
        if (!name || (mt && !strcmp(mt, "text")))
            continue;
        bool seen = false;
        for (uint32_t j = 0; j < w->files.len && !seen; j++)
            seen = !strcmp(w->files.data[j].name, name);
        if (seen)
            continue;
        file_t f = {.name = name};
        size_t plen = strlen(dir) + strlen(name) + 2;
        char *path = wh_malloc(plen);
        if (path) {
            snprintf(path, plen, "%s/%s", dir, name);
            wh_read_file(path, &f.bytes, &f.len, &f.err);
        } else {
            wh_err(&f.err, WH_NOMEM, -1, "out of memory");
        }
        wh_free(path);
        if (!wh_vec_push(&w->files, f))
            wh_free(f.bytes); /* load() then reports it as not read */
    }
}

static void run_file(const options_t *opt, const char *wast, totals_t *tot)
{
    wast_t w;
    memset(&w, 0, sizeof w);
    w.opt = opt;
    w.path = wast;
    w.cmd = opt->wasm_tools ? "wasm-tools" : "wast2json";
    json_t *root = NULL;

    char dir[4096];
    if (!cli_scratch_dir("wast", dir, sizeof dir)) {
        fprintf(stderr, "%s: cannot create a temporary directory: %s\n", wast, strerror(errno));
        w.failed++, w.shown++;
        goto report;
    }
    char *json = convert(opt, wast, dir);
    if (!json) {
        w.failed++, w.shown++; /* the conversion counts as one failure, already told */
    } else {
        json_error_t jerr;
        root = json_load_file(json, JSON_ALLOW_NUL, &jerr);
        w.cmd = "json";
        if (!root)
            failf(&w, "cannot read %s: %s (line %d)", json, jerr.text, jerr.line);
        else if (!json_is_array(json_object_get(root, "commands")))
            failf(&w, "%s has no command list", json);
        else
            read_files(&w, json_object_get(root, "commands"), dir);
    }
    wh_free(json);
    if (opt->keep)
        fprintf(stderr, "%s: converted files kept in %s\n", wast, dir);
    else
        cli_remove_dir(dir);

    const json_t *cmds = json_object_get(root, "commands");
    if (json_array_size(cmds)) {
        w.store = wm_store_new(NULL);
        if (!w.store)
            failf(&w, "out of memory creating a store");
    }
    for (size_t i = 0; w.store && i < json_array_size(cmds); i++)
        run_command(&w, json_array_get(cmds, i));

    wm_store_free(w.store);
    for (uint32_t i = 0; i < w.modules.len; i++)
        wm_module_free(w.modules.data[i]);
    wh_vec_free(&w.modules);
    for (uint32_t i = 0; i < w.files.len; i++)
        wh_free(w.files.data[i].bytes);
    wh_vec_free(&w.files);
    for (uint32_t i = 0; i < w.names.len; i++)
        wh_free(w.names.data[i].name);
    wh_vec_free(&w.names);
    for (uint32_t i = 0; i < w.registered.len; i++)
        wh_free(w.registered.data[i].name);
    wh_vec_free(&w.registered);
    json_decref(root);

report:
    if (w.failed > w.shown && !opt->verbose)
        fprintf(stderr, "%s: %" PRIu32 " more failures not shown (use --verbose)\n", wast,
                w.failed - w.shown);
    printf("%s: %" PRIu32 " passed, %" PRIu32 " failed", wast, w.passed, w.failed);
    if (w.na)
        printf(", %" PRIu32 " n/a", w.na);
    printf("\n");
    fflush(stdout);
    tot->passed += w.passed;
    tot->failed += w.failed;
    tot->na += w.na;
}

/* ---- Command line ---- */

static void usage(FILE *to)
{
    fprintf(to,
            "usage: wasmhttpd wast [OPTIONS] FILE.wast...\n"
            "\n"
            "Runs WebAssembly spec scripts: each is converted with wabt's wast2json and\n"
            "its commands run in order. Prints one line per file, then a total.\n"
            "Text-format assert_malformed modules cannot be checked (no text parser)\n"
            "and count as n/a.\n"
            "\n"
            "options:\n"
            "  -v, --verbose          print every failure, and notes on passes whose\n"
            "                         message differs from the spec's (otherwise the\n"
            "                         first %d failures per file)\n"
            "  --wast2json PATH       the converter (default: $WH_WAST2JSON, else\n"
            "                         wast2json on PATH)\n"
            "  --wasm-tools PATH      convert with `PATH json-from-wast` instead, which\n"
            "                         reads every feature (the engine still accepts\n"
            "                         only those --enable names)\n"
            "  --enable-FEATURE, --disable-FEATURE\n"
            "                         passed to wast2json; the engine accepts the\n"
            "                         features of these it has (tail-call,\n"
            "                         multi-memory, exceptions, relaxed-simd,\n"
            "                         memory64, all), and otherwise exactly 2.0\n"
            "  --na-lines FIRST-LAST  do not run the commands of these script lines:\n"
            "                         they count as n/a (parts that need a feature\n"
            "                         the engine does not have); may be repeated\n"
            "  --keep                 keep the converted files and print where\n"
            "  -h, --help             this text\n"
            "\n"
            "exit status: 0 all passed, 1 a command failed or a file did not convert,\n"
            "2 bad usage\n",
            MAX_SHOWN);
}

/* "--NAME PATH" or "--NAME=PATH" at argv[*i]: 1 with the path in *out,
 * -1 (said why) when the path is missing, 0 when argv[*i] is not it. */
static int path_option(const char *name, int argc, char **argv, int *i, const char **out)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) || (a[n] && a[n] != '='))
        return 0;
    if (a[n] == '=') {
        *out = a + n + 1;
        return 1;
    }
    if (*i + 1 >= argc) {
        fprintf(stderr, "wasmhttpd wast: %s needs a path\n", name);
        return -1;
    }
    *out = argv[++*i];
    return 1;
}

int cli_wast_main(int argc, char **argv)
{
    options_t opt = {0};
    const char *env = getenv("WH_WAST2JSON");
    opt.wast2json = env && *env ? env : "wast2json";
    opt.flags = wh_calloc((size_t)argc + 1, sizeof *opt.flags);
    opt.na_lines = wh_calloc((size_t)argc + 1, sizeof *opt.na_lines);
    const char **files = wh_calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0, status = 2;
    if (!opt.flags || !files || !opt.na_lines) {
        fprintf(stderr, "wasmhttpd wast: out of memory\n");
        goto out;
    }
    bool opts_done = false;
    int p;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts_done || a[0] != '-' || !a[1]) {
            files[nfiles++] = a;
        } else if (!strcmp(a, "--")) {
            opts_done = true;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            status = 0;
            goto out;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            opt.verbose = true;
        } else if (!strcmp(a, "--keep")) {
            opt.keep = true;
        } else if ((p = path_option("--wast2json", argc, argv, &i, &opt.wast2json)) ||
                   (p = path_option("--wasm-tools", argc, argv, &i, &opt.wasm_tools))) {
            if (p < 0)
                goto out;
        } else if (!strcmp(a, "--na-lines")) {
            long lo, hi;
            char end;
            if (i + 1 >= argc || sscanf(argv[i + 1], "%ld-%ld%c", &lo, &hi, &end) != 2 || lo > hi) {
                fprintf(stderr, "wasmhttpd wast: --na-lines needs FIRST-LAST\n");
                goto out;
            }
            i++;
            opt.na_lines[opt.nna_lines][0] = lo;
            opt.na_lines[opt.nna_lines++][1] = hi;
        } else if (!strncmp(a, "--enable-", 9) || !strncmp(a, "--disable-", 10)) {
            opt.flags[opt.nflags++] = a;
            bool on = a[2] == 'e';
            const char *f = a + (on ? 9 : 10);
            uint32_t bits = !strcmp(f, "all")            ? WM_FEATURES_ALL
                            : !strcmp(f, "tail-call")    ? WM_FEATURE_TAIL_CALL
                            : !strcmp(f, "multi-memory") ? WM_FEATURE_MULTI_MEMORY
                            : !strcmp(f, "exceptions")   ? WM_FEATURE_EXCEPTIONS
                            : !strcmp(f, "relaxed-simd") ? WM_FEATURE_RELAXED_SIMD
                            : !strcmp(f, "memory64")     ? WM_FEATURE_MEMORY64
                                                         : 0;
            opt.features = on ? opt.features | bits : opt.features & ~bits;
        } else {
            fprintf(stderr, "wasmhttpd wast: unknown option '%s'\n\n", a);
            usage(stderr);
            goto out;
        }
    }
    if (!nfiles) {
        usage(stderr);
        goto out;
    }
    totals_t tot = {0};
    for (int i = 0; i < nfiles; i++)
        run_file(&opt, files[i], &tot);
    printf("total: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " n/a\n", tot.passed,
           tot.failed, tot.na);
    status = tot.failed ? 1 : 0;
out:
    wh_free(opt.na_lines);
    wh_free(opt.flags);
    wh_free(files);
    return status;
}
