/*
 * wasi_cli.c — wasi:clocks, wasi:random and wasi:cli: the small interfaces
 * whose whole state is the configuration and the context.
 */
#include "wasi_int.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>

#define CLOCKS_MONO   "wasi:clocks/monotonic-clock" WASI_V
#define CLOCKS_WALL   "wasi:clocks/wall-clock" WASI_V
#define RANDOM        "wasi:random/random" WASI_V
#define INSECURE      "wasi:random/insecure" WASI_V
#define INSECURE_SEED "wasi:random/insecure-seed" WASI_V

/* ---- wasi:clocks ---- */

static wh_rc mono_now(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    *result = wasi_u64(wasi_now_ns());
    return WH_OK;
}

static wh_rc mono_resolution(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    struct timespec ts;
    clock_getres(CLOCK_MONOTONIC, &ts);
    *result = wasi_u64((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
    return WH_OK;
}

static wh_rc timer_pollable(cm_call_t *call, uint64_t due, cm_val_t *result)
{
    uint32_t rep = wasi_pollable_new(wasi_ctx_of(call), NULL, NULL, due);
    if (!rep)
        return wasi_nomem(call);
    *result = wasi_own(rep);
    return WH_OK;
}

static wh_rc mono_subscribe_instant(cm_call_t *call, void *env, const cm_val_t *args,
                                    cm_val_t *result)
{
    return timer_pollable(call, args[0].of.u, result);
}

static wh_rc mono_subscribe_duration(cm_call_t *call, void *env, const cm_val_t *args,
                                     cm_val_t *result)
{
    uint64_t now = wasi_now_ns(), d = args[0].of.u;
    return timer_pollable(call, d > UINT64_MAX - now ? UINT64_MAX : now + d, result);
}

static wh_rc datetime(cm_call_t *call, cm_val_t *result, const struct timespec *ts)
{
    cm_val_t *f = cm_call_alloc(call, 2 * sizeof *f);
    if (!f)
        return wasi_nomem(call);
    f[0] = wasi_u64((uint64_t)ts->tv_sec);
    f[1] = (cm_val_t){.kind = CM_U32, .of.u = (uint64_t)ts->tv_nsec};
    result->kind = CM_RECORD;
    result->of.list.v = f;
    result->of.list.n = 2;
    return WH_OK;
}

static wh_rc wall_now(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return datetime(call, result, &ts);
}

static wh_rc wall_resolution(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    struct timespec ts;
    clock_getres(CLOCK_REALTIME, &ts);
    return datetime(call, result, &ts);
}

static const wasi_typedef_t mono_types[] = {
    {"pollable", "resource"}, {"instant", "u64"}, {"duration", "u64"}};
static const wasi_func_t mono_funcs[] = {
    {"now", "func() -> instant", mono_now},
    {"resolution", "func() -> duration", mono_resolution},
    {"subscribe-instant", "func(when: instant) -> pollable", mono_subscribe_instant},
    {"subscribe-duration", "func(when: duration) -> pollable", mono_subscribe_duration},
};
static const wasi_typedef_t wall_types[] = {
    {"datetime", "record { seconds: u64, nanoseconds: u32 }"}};
static const wasi_func_t wall_funcs[] = {
    {"now", "func() -> datetime", wall_now},
    {"resolution", "func() -> datetime", wall_resolution},
};

/* ---- wasi:random ---- */

/* Reads len bytes from the OS (getrandom never fails for small sizes once
 * the pool is ready; a failure is a trap, not bad bytes). */
static bool os_random(void *p, size_t len)
{
    uint8_t *b = p;
    while (len) {
        ssize_t r = getrandom(b, len, 0);
        if (r <= 0)
            return false;
        b += r;
        len -= (size_t)r;
    }
    return true;
}

/* The most bytes one call returns; the WIT lets the host choose. */
enum { MAX_RANDOM = 1 << 20 };

static wh_rc random_bytes(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    if (args[0].of.u > MAX_RANDOM)
        return cm_call_trap(call, "wasi:random: %llu bytes asked for at once (at most %d)",
                            (unsigned long long)args[0].of.u, MAX_RANDOM);
    size_t n = (size_t)args[0].of.u;
    uint8_t *p = cm_call_alloc(call, n ? n : 1);
    if (!p)
        return wasi_nomem(call);
    if (!os_random(p, n))
        return cm_call_trap(call, "wasi:random: the OS gave no random bytes");
    return wasi_bytes(call, p, n, result);
}

static wh_rc random_u64(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    uint64_t u;
    if (!os_random(&u, sizeof u))
        return cm_call_trap(call, "wasi:random: the OS gave no random bytes");
    *result = wasi_u64(u);
    return WH_OK;
}

static wh_rc insecure_seed(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    uint64_t u[2];
    cm_val_t *t = cm_call_alloc(call, 2 * sizeof *t);
    if (!t)
        return wasi_nomem(call);
    if (!os_random(u, sizeof u))
        return cm_call_trap(call, "wasi:random: the OS gave no random bytes");
    t[0] = wasi_u64(u[0]);
    t[1] = wasi_u64(u[1]);
    result->kind = CM_TUPLE;
    result->of.list.v = t;
    result->of.list.n = 2;
    return WH_OK;
}

static const wasi_func_t random_funcs[] = {
    {"get-random-bytes", "func(len: u64) -> list<u8>", random_bytes},
    {"get-random-u64", "func() -> u64", random_u64},
};
/* "Insecure" randomness may be predictable; the OS's is simply better, and
 * cheap enough. */
static const wasi_func_t insecure_funcs[] = {
    {"get-insecure-random-bytes", "func(len: u64) -> list<u8>", random_bytes},
    {"get-insecure-random-u64", "func() -> u64", random_u64},
};
static const wasi_func_t seed_funcs[] = {
    {"insecure-seed", "func() -> tuple<u64, u64>", insecure_seed},
};

/* ---- wasi:cli/environment ---- */

static wh_rc get_environment(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    const wasi_config_t *cfg = wasi_ctx_of(call)->cfg;
    size_t n = cfg->nenv;
    cm_val_t *pairs = cm_call_alloc(call, (n ? n : 1) * sizeof *pairs);
    cm_val_t *kv = cm_call_alloc(call, (n ? n : 1) * 2 * sizeof *kv);
    if (!pairs || !kv)
        return wasi_nomem(call);
    for (size_t i = 0; i < n; i++) {
        const char *e = cfg->env[i], *eq = strchr(e, '=');
        size_t klen = eq ? (size_t)(eq - e) : strlen(e);
        kv[2 * i] = wasi_str(call, e, klen);
        kv[2 * i + 1] = eq ? wasi_str(call, eq + 1, strlen(eq + 1)) : wasi_str(call, "", 0);
        pairs[i] = (cm_val_t){.kind = CM_TUPLE};
        pairs[i].of.list.v = &kv[2 * i];
        pairs[i].of.list.n = 2;
    }
    result->kind = CM_LIST;
    result->of.list.v = pairs;
    result->of.list.n = (uint32_t)n;
    return WH_OK;
}

static wh_rc get_arguments(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    const wasi_config_t *cfg = wasi_ctx_of(call)->cfg;
    size_t n = cfg->nargs;
    cm_val_t *v = cm_call_alloc(call, (n ? n : 1) * sizeof *v);
    if (!v)
        return wasi_nomem(call);
    for (size_t i = 0; i < n; i++)
        v[i] = wasi_str(call, cfg->args[i], strlen(cfg->args[i]));
    result->kind = CM_LIST;
    result->of.list.v = v;
    result->of.list.n = (uint32_t)n;
    return WH_OK;
}

/* No working directory: paths are relative to preopens only. */
static wh_rc initial_cwd(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    *result = (cm_val_t){.kind = CM_OPTION};
    return WH_OK;
}

static const wasi_func_t environment_funcs[] = {
    {"get-environment", "func() -> list<tuple<string, string>>", get_environment},
    {"get-arguments", "func() -> list<string>", get_arguments},
    {"initial-cwd", "func() -> option<string>", initial_cwd},
};

/* ---- wasi:cli/exit ---- */

static wh_rc do_exit(cm_call_t *call, int code)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    ctx->exited = true;
    ctx->exit_code = code;
    return cm_call_trap(call, "exit");
}

static wh_rc exit_fn(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return do_exit(call, args[0].of.var.tag == 0 ? 0 : 1);
}

static wh_rc exit_with_code(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return do_exit(call, (int)args[0].of.u);
}

static const wasi_func_t exit_funcs[] = {
    {"exit", "func(status: result)", exit_fn},
    {"exit-with-code", "func(status-code: u8)", exit_with_code},
};

/* ---- wasi:cli/stdin, stdout, stderr ---- */

/* stdout or stderr given to the embedder's sink (wasi_ctx_set_output):
 * it always takes everything, so a guest never waits on its log. */
typedef struct {
    wasi_ostream_t s;
    int which;
} sink_ostream_t;

static wasi_io_status sink_check_write(wasi_ctx_t *ctx, wasi_ostream_t *st, size_t *n,
                                       wasi_ioerr_t *e)
{
    *n = 65536;
    return WASI_IO_OK;
}

static wasi_io_status sink_write(wasi_ctx_t *ctx, wasi_ostream_t *st, const uint8_t *buf, size_t n,
                                 wasi_ioerr_t *e)
{
    if (ctx->out && n)
        ctx->out(ctx->out_ud, ((sink_ostream_t *)st)->which, buf, n);
    return WASI_IO_OK;
}

static void sink_destroy(wasi_ctx_t *ctx, wasi_ostream_t *st)
{
    wh_free(st);
}

static const wasi_ostream_ops sink_ostream_ops = {sink_check_write, sink_write, NULL, NULL, NULL,
                                                  sink_destroy};

static wasi_obj_t *stdio_make(const wasi_ctx_t *ctx, int which)
{
    const wasi_config_t *cfg = ctx->cfg;
    if (which != 0 && ctx->out) {
        sink_ostream_t *s = wh_calloc(1, sizeof *s);
        if (!s)
            return NULL;
        wasi_ostream_init(&s->s, &sink_ostream_ops);
        s->which = which;
        return &s->s.obj;
    }
    if (which == 0) {
        wasi_istream_t *s =
            cfg->stdin_fd >= 0 ? wasi_fd_istream(cfg->stdin_fd, -1, NULL) : wasi_empty_istream();
        return s ? &s->obj : NULL;
    }
    int fd = which == 1 ? cfg->stdout_fd : cfg->stderr_fd;
    wasi_ostream_t *s = wasi_fd_ostream(fd, -1, false, NULL);
    return s ? &s->obj : NULL;
}

/* Every get-std* call hands out a new handle to the same stream. */
static wh_rc get_stdio(cm_call_t *call, int which, cm_val_t *result)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    if (!ctx->stdio[which] && !(ctx->stdio[which] = stdio_make(ctx, which)))
        return wasi_nomem(call);
    wasi_obj_ref(ctx->stdio[which]);
    uint32_t rep = wasi_table_add(ctx, ctx->stdio[which]);
    if (!rep)
        return wasi_nomem(call);
    *result = wasi_own(rep);
    return WH_OK;
}

static wh_rc get_stdin(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return get_stdio(call, 0, result);
}

static wh_rc get_stdout(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return get_stdio(call, 1, result);
}

static wh_rc get_stderr(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return get_stdio(call, 2, result);
}

static const wasi_typedef_t stdin_types[] = {{"input-stream", "resource"}};
static const wasi_func_t stdin_funcs[] = {{"get-stdin", "func() -> input-stream", get_stdin}};
static const wasi_typedef_t stdout_types[] = {{"output-stream", "resource"}};
static const wasi_func_t stdout_funcs[] = {{"get-stdout", "func() -> output-stream", get_stdout}};
static const wasi_func_t stderr_funcs[] = {{"get-stderr", "func() -> output-stream", get_stderr}};

/* ---- wasi:cli/terminal-*: a server has no terminal ---- */

static wh_rc no_terminal(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    *result = (cm_val_t){.kind = CM_OPTION};
    return WH_OK;
}

static const wasi_typedef_t tin_types[] = {{"terminal-input", "resource"}};
static const wasi_typedef_t tout_types[] = {{"terminal-output", "resource"}};
static const wasi_func_t tstdin_funcs[] = {
    {"get-terminal-stdin", "func() -> option<terminal-input>", no_terminal}};
static const wasi_func_t tstdout_funcs[] = {
    {"get-terminal-stdout", "func() -> option<terminal-output>", no_terminal}};
static const wasi_func_t tstderr_funcs[] = {
    {"get-terminal-stderr", "func() -> option<terminal-output>", no_terminal}};

/* ---- linking ---- */

typedef struct {
    const char *iface;
    const wasi_typedef_t *types;
    size_t ntypes;
    const wasi_func_t *funcs;
    size_t nfuncs;
} part_t;

#define PART(iface, types, funcs)                                                                  \
    {                                                                                              \
        iface, types, WH_ARRAY_LEN(types), funcs, WH_ARRAY_LEN(funcs)                              \
    }
#define PART_NOTYPES(iface, funcs)                                                                 \
    {                                                                                              \
        iface, NULL, 0, funcs, WH_ARRAY_LEN(funcs)                                                 \
    }

static const part_t parts[] = {
    PART(CLOCKS_MONO, mono_types, mono_funcs),
    PART(CLOCKS_WALL, wall_types, wall_funcs),
    PART_NOTYPES(RANDOM, random_funcs),
    PART_NOTYPES(INSECURE, insecure_funcs),
    PART_NOTYPES(INSECURE_SEED, seed_funcs),
    PART_NOTYPES("wasi:cli/environment" WASI_V, environment_funcs),
    PART_NOTYPES("wasi:cli/exit" WASI_V, exit_funcs),
    PART("wasi:cli/stdin" WASI_V, stdin_types, stdin_funcs),
    PART("wasi:cli/stdout" WASI_V, stdout_types, stdout_funcs),
    PART("wasi:cli/stderr" WASI_V, stdout_types, stderr_funcs),
    {"wasi:cli/terminal-input" WASI_V, tin_types, 1, NULL, 0},
    {"wasi:cli/terminal-output" WASI_V, tout_types, 1, NULL, 0},
    PART("wasi:cli/terminal-stdin" WASI_V, tin_types, tstdin_funcs),
    PART("wasi:cli/terminal-stdout" WASI_V, tout_types, tstdout_funcs),
    PART("wasi:cli/terminal-stderr" WASI_V, tout_types, tstderr_funcs),
};

wh_rc wasi_link_cli(cm_linker_t *l, wh_err_t *err)
{
    for (size_t i = 0; i < WH_ARRAY_LEN(parts); i++) {
        const part_t *p = &parts[i];
        wh_rc rc = wasi_define(l, p->iface, p->types, p->ntypes, p->funcs, p->nfuncs, err);
        if (rc)
            return rc;
    }
    return WH_OK;
}
