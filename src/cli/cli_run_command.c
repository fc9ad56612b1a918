/*
 * cli_run_command.c — `wasmhttpd run COMPONENT [ARGS…]`: runs a
 * wasi:cli/command component (its wasi:cli/run export) on the WASI host,
 * with the directories, environment and network the options grant.
 *
 * The guest runs on this thread; when it waits (poll, a blocking read of a
 * socket, a timer) its call suspends and the libuv loop runs until the
 * event comes, then the call resumes. --timeout is a watchdog thread that
 * interrupts the guest (and wakes the loop if the guest is waiting).
 */
#include "cli.h"
#include "component/cm.h"
#include "wasi/wasi_host.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

/* ---- the watchdog ---- */

typedef struct {
    uv_async_t async; /* wakes the loop when the time is up */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    _Atomic bool fired;
    wm_store_t *store;
    uint32_t ms;
} watchdog_t;

static void *watch(void *arg)
{
    watchdog_t *w = arg;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += w->ms / 1000;
    until.tv_nsec += (long)(w->ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    int rc = 0;
    while (!w->done && rc == 0)
        rc = pthread_cond_timedwait(&w->cv, &w->mu, &until);
    if (!w->done) {
        w->fired = true;
        wm_store_interrupt(w->store);
        uv_async_send(&w->async);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void nothing(uv_async_t *a)
{
}

static bool watchdog_start(watchdog_t *w, uv_loop_t *loop, wm_store_t *store, uint32_t ms)
{
    memset(w, 0, sizeof *w);
    w->store = store;
    w->ms = ms;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    uv_async_init(loop, &w->async, nothing);
    uv_unref((uv_handle_t *)&w->async); /* it alone does not keep a guest waiting */
    return pthread_create(&w->thread, NULL, watch, w) == 0;
}

static void watchdog_stop(watchdog_t *w)
{
    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    uv_close((uv_handle_t *)&w->async, NULL);
}

/* The name of the wasi:cli/run export ("wasi:cli/run@0.2.3#run"), or
 * false when there is none. */
static bool find_run(const cm_component_t *c, char *out, size_t n)
{
    for (uint32_t i = 0; i < cm_component_export_count(c); i++) {
        cm_externdesc_t d;
        if (cm_component_export(c, i, &d) && d.kind == CM_EXTERN_INSTANCE &&
            !strncmp(d.name, "wasi:cli/run@0.2.", 17)) {
            snprintf(out, n, "%s#run", d.name);
            return true;
        }
    }
    return false;
}

int cli_run_command(const char *file, const uint8_t *bytes, size_t len, const cli_run_opts_t *o,
                    int nargs, char **args)
{
    wh_err_t err = {0};
    cm_component_t *c = NULL;
    cm_linker_t *l = NULL;
    cm_instance_t *inst = NULL;
    wasi_ctx_t *ctx = NULL;
    hw_client_t *client = NULL;
    cli_wasi_t h = {0};
    uv_loop_t loop;
    bool loop_ok = uv_loop_init(&loop) == 0;
    watchdog_t wd;
    bool watching = false;
    wh_arena_t arena;
    wh_arena_init(&arena, 4096);
    int status = CLI_EXIT_OK;
    wh_rc rc;
    char run_name[256];

    if (!loop_ok) {
        fprintf(stderr, "error: cannot start an event loop\n");
        return CLI_EXIT_TRAP;
    }
    /* A peer that closed its socket must give the guest an error, not kill
     * the process. */
    signal(SIGPIPE, SIG_IGN);
    if ((status = cli_wasi_setup(&h, file, o, nargs, args)))
        goto out;
    if ((rc = cm_component_load(bytes, len, &c, &err))) {
        fprintf(stderr, "error: %s: %s\n", file, err.msg[0] ? err.msg : wh_rc_name(rc));
        status = CLI_EXIT_MODULE;
        goto out;
    }
    if (!find_run(c, run_name, sizeof run_name)) {
        fprintf(stderr,
                "error: %s does not export wasi:cli/run@0.2.x, so it is not a command; "
                "use --invoke 'NAME(ARGS)' to call one of its functions, or `wasmhttpd "
                "inspect` to see its exports\n",
                file);
        status = CLI_EXIT_EXPORT;
        goto out;
    }
    if (!(l = cm_linker_new()) || (rc = wasi_link(l, &err)) || (rc = hw_link(l, &err))) {
        fprintf(stderr, "error: cannot set up the WASI host: %s\n", l ? err.msg : "out of memory");
        status = CLI_EXIT_TRAP;
        goto out;
    }
    if (!(ctx = wasi_ctx_new(&h.cfg, &loop)) ||
        (o->outbound &&
         (hw_client_new(o->outbound, &loop, &client, &err) || hw_bind(ctx, client)))) {
        fprintf(stderr, "error: out of memory\n");
        status = CLI_EXIT_TRAP;
        goto out;
    }
    cm_config_t cfg = {.fuel = o->fuel, .max_memory = o->max_memory, .user = ctx};
    if ((rc = cm_instantiate(c, l, &cfg, &inst, &err))) {
        fprintf(stderr, "error: %s cannot be instantiated: %s\n", file,
                err.msg[0] ? err.msg : wh_rc_name(rc));
        status = rc == WH_UNLINKABLE || rc == WH_NOMEM ? CLI_EXIT_LINK : CLI_EXIT_TRAP;
        goto out;
    }
    cm_func_t *run;
    if ((rc = cm_instance_func(inst, run_name, &run))) {
        fprintf(stderr, "error: %s: %s\n", file, err.msg[0] ? err.msg : "no wasi:cli/run#run");
        status = CLI_EXIT_EXPORT;
        goto out;
    }
    if (o->timeout_ms)
        watching = watchdog_start(&wd, &loop, cm_instance_store(inst), o->timeout_ms);

    cm_val_t result;
    rc = cm_call(inst, run, NULL, &result, &arena, &err);
    while (rc == WH_SUSPEND && !(watching && wd.fired)) {
        /* The guest waits: run the loop until something happens. With
         * nothing left that could happen, it would wait forever. */
        int alive = uv_run(&loop, UV_RUN_ONCE);
        if (watching && wd.fired)
            break;
        rc = cm_resume(inst, &err);
        if (rc == WH_SUSPEND && !alive && !uv_loop_alive(&loop)) {
            snprintf(err.msg, sizeof err.msg,
                     "the guest waits for an event that can never come (deadlock)");
            rc = WH_TRAP;
        }
    }
    int code;
    if (wasi_ctx_exited(ctx, &code)) {
        status = code;
    } else if (watching && wd.fired) {
        fprintf(stderr, "error: trap: the guest ran past --timeout %u ms\n", o->timeout_ms);
        status = CLI_EXIT_TRAP;
    } else if (rc) {
        fprintf(stderr, "error: trap: %s\n", err.msg[0] ? err.msg : wh_rc_name(rc));
        status = CLI_EXIT_TRAP;
    } else {
        status = result.of.var.tag == 0 ? CLI_EXIT_OK : 1;
    }
out:
    if (watching)
        watchdog_stop(&wd);
    cm_instance_free(inst);
    wasi_ctx_free(ctx);
    hw_client_free(client); /* after the context that used it */
    cm_linker_free(l);
    cm_component_free(c);
    cli_wasi_free(&h);
    wh_arena_free(&arena);
    /* Let closing handles finish, then close the loop. */
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    fflush(stdout);
    return status;
}
