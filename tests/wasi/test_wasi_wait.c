/*
 * test_wasi_wait.c — guests that wait suspend, and the loop resumes them:
 * checked by the order of events, never by wall time. Two instances of
 * wasi_wait.wasm (tests/component/wat) share one thread and one libuv loop;
 * each blocks on a wasi:clocks timer through wasi:io/poll.
 */
#include "th.h"
#include "wasi/wasi_host.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
    cm_instance_t *inst;
    wasi_ctx_t *ctx;
    cm_func_t *wait;
    cm_val_t result;
    wh_arena_t arena;
    bool woken, done;
    wh_rc rc;
} guest_t;

static int finished[4], nfinished;

static void wake(void *ud)
{
    ((guest_t *)ud)->woken = true;
}

static bool load(cm_component_t **out)
{
    char path[512];
    snprintf(path, sizeof path, "%s/wasi_wait.wasm", WH_TEST_COMPONENT_DIR);
    uint8_t *bytes;
    size_t len;
    wh_err_t err = {0};
    if (!TH_OK(wh_read_file(path, &bytes, &len, &err) == WH_OK))
        return false;
    wh_rc rc = cm_component_load(bytes, len, out, &err);
    wh_free(bytes);
    if (rc)
        fprintf(stderr, "load: %s\n", err.msg);
    return TH_EQ(rc, WH_OK);
}

static bool start(guest_t *g, const cm_component_t *c, const cm_linker_t *l,
                  const wasi_config_t *cfg, uv_loop_t *loop)
{
    wh_err_t err = {0};
    memset(g, 0, sizeof *g);
    wh_arena_init(&g->arena, 256);
    g->ctx = wasi_ctx_new(cfg, loop);
    wasi_ctx_set_waker(g->ctx, wake, g);
    cm_config_t cc = {.fuel = -1, .user = g->ctx};
    wh_rc rc = cm_instantiate(c, l, &cc, &g->inst, &err);
    if (rc)
        fprintf(stderr, "instantiate: %s\n", err.msg);
    return TH_EQ(rc, WH_OK) && TH_EQ(cm_instance_func(g->inst, "wait", &g->wait), WH_OK);
}

static void stop(guest_t *g)
{
    cm_instance_free(g->inst);
    wasi_ctx_free(g->ctx);
    wh_arena_free(&g->arena);
}

static void settle(guest_t *g, int id)
{
    if (g->rc != WH_SUSPEND) {
        g->done = true;
        finished[nfinished++] = id;
    }
}

static void call(guest_t *g, int id, uint64_t ns)
{
    wh_err_t err = {0};
    cm_val_t arg = {.kind = CM_U64, .of.u = ns};
    g->rc = cm_call(g->inst, g->wait, &arg, &g->result, &g->arena, &err);
    settle(g, id);
}

static void resume_woken(guest_t *g, int id)
{
    if (g->done || !g->woken)
        return;
    g->woken = false;
    wh_err_t err = {0};
    g->rc = cm_resume(g->inst, &err);
    settle(g, id);
}

/* What both tests share: the component, a WASI linker, an empty
 * configuration and one loop. */
typedef struct {
    cm_component_t *c;
    cm_linker_t *l;
    wasi_config_t cfg;
    uv_loop_t loop;
} fixture_t;

static bool setup(fixture_t *f)
{
    wh_err_t err = {0};
    memset(f, 0, sizeof *f);
    if (!load(&f->c))
        return false;
    f->l = cm_linker_new();
    TH_EQ(wasi_link(f->l, &err), WH_OK);
    wasi_config_init(&f->cfg);
    uv_loop_init(&f->loop);
    nfinished = 0;
    return true;
}

static void teardown(fixture_t *f)
{
    uv_run(&f->loop, UV_RUN_DEFAULT); /* the timers' close callbacks */
    TH_EQ(uv_loop_close(&f->loop), 0);
    cm_linker_free(f->l);
    cm_component_free(f->c);
}

TH_TEST(wait_two_timers_one_thread)
{
    fixture_t f;
    if (!setup(&f))
        return;
    guest_t slow, fast;
    if (start(&slow, f.c, f.l, &f.cfg, &f.loop) && start(&fast, f.c, f.l, &f.cfg, &f.loop)) {
        /* The slow one waits 300 ms, the fast one 1 ms: both calls suspend. */
        call(&slow, 1, 300000000u);
        call(&fast, 2, 1000000u);
        TH_EQ(slow.rc, WH_SUSPEND);
        TH_EQ(fast.rc, WH_SUSPEND);
        bool slow_waiting_when_fast_done = false;
        for (int turns = 0; turns < 10000 && nfinished < 2; turns++) {
            uv_run(&f.loop, UV_RUN_ONCE);
            resume_woken(&fast, 2);
            if (fast.done && !slow.done)
                slow_waiting_when_fast_done = true;
            resume_woken(&slow, 1);
        }
        TH_EQ(nfinished, 2);
        TH_EQ(finished[0], 2); /* the shorter timer's guest first */
        TH_EQ(finished[1], 1);
        TH_OK(slow_waiting_when_fast_done);
        TH_EQ(fast.rc, WH_OK);
        TH_EQ(slow.rc, WH_OK);
        /* not ready before blocking, ready after */
        TH_OK(fast.result.kind == CM_BOOL && fast.result.of.b);
        TH_OK(slow.result.kind == CM_BOOL && slow.result.of.b);
    }
    stop(&slow);
    stop(&fast);
    teardown(&f);
}

/* A waiting instance can be freed: nothing fires into freed memory. */
TH_TEST(wait_free_while_suspended)
{
    fixture_t f;
    if (!setup(&f))
        return;
    guest_t g;
    if (start(&g, f.c, f.l, &f.cfg, &f.loop)) {
        call(&g, 1, 1000000u);
        TH_EQ(g.rc, WH_SUSPEND);
    }
    stop(&g);
    TH_EQ(uv_run(&f.loop, UV_RUN_DEFAULT), 0);
    TH_EQ(nfinished, 0);
    teardown(&f);
}
