/*
 * sv_instance.c — one instance's life: made (and init run), handed requests,
 * its calls run, suspended and resumed, and freed.
 *
 * A call that suspends leaves the instance waiting; the WASI context's
 * waker puts it on the worker's ready list, and the worker's idle handle
 * resumes it on the next loop turn (never from inside the callback that
 * woke it, so that a guest never runs nested in the HTTP server's
 * callbacks). A guest that used up its time slice (the watchdog asked it to
 * yield) goes on the ready list at once: it has nothing to wait for but
 * its turn.
 */
#include "sv_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void wake(void *ud)
{
    sv_inst_t *in = ud;
    sv_worker_t *w = in->w;
    if (in->ready)
        return;
    in->ready = true;
    in->rnext = NULL;
    if (w->ready_tail)
        w->ready_tail->rnext = in;
    else
        w->ready_head = in;
    w->ready_tail = in;
    sv_worker_schedule(w);
}

/* A WASI context for in's next life (its waker, outbound HTTP), or NULL. */
static wasi_ctx_t *new_ctx(sv_inst_t *in)
{
    sv_worker_t *w = in->w;
    wasi_ctx_t *ctx = wasi_ctx_new(&w->sh->cfg->wasi, &w->loop);
    if (!ctx)
        return NULL;
    wasi_ctx_set_waker(ctx, wake, in);
    wasi_ctx_set_output(ctx, sv_glog_output, in);
    if (w->client && hw_bind(ctx, w->client)) {
        wasi_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

static uint64_t next_id(const sv_shared_t *sh)
{
    return atomic_fetch_add(&((sv_shared_t *)sh)->next_id, 1) + 1;
}

sv_inst_t *sv_inst_new(sv_worker_t *w, wh_err_t *err)
{
    const sv_shared_t *sh = w->sh;
    sv_inst_t *in = wh_calloc(1, sizeof *in);
    if (!in) {
        wh_err(err, WH_NOMEM, -1, "out of memory");
        return NULL;
    }
    in->w = w;
    wh_arena_init(&in->arena, 1024);
    if (!(in->ctx = new_ctx(in))) {
        wh_err(err, WH_NOMEM, -1, "out of memory");
        goto fail;
    }
    /* Serverless instances get the memory limit as a hard cap. Stateful
     * ones are recycled after a request that left them past it
     * (handle_done), so that a cache may outgrow it for a while; their hard
     * cap is twice the limit, so that no instance takes the host's memory. */
    uint64_t max = sh->cfg->max_memory;
    cm_config_t cc = {
        .fuel = -1,
        .max_memory = sh->model == SV_MODEL_SERVERLESS || max > UINT64_MAX / 2 ? max : 2 * max,
        .user = in->ctx,
        .prepared = sh->prepared,
        .pool = w->pool,
    };
    uint64_t t0 = sv_now_ns();
    wh_rc rc = cm_instantiate(sh->comp, sh->linker, &cc, &in->ci, err);
    if (rc)
        goto fail;
    in->born_ns = sv_now_ns();
    sv_hist_observe(&w->m.instantiation, in->born_ns - t0);
    sv_count(&w->m.instances_created, 1);
    /* a stateful replacement tells why the one before it ended */
    if (sh->model == SV_MODEL_STATEFUL)
        sv_pool_end_take(w, in->replaced_why, sizeof in->replaced_why);
    if (cm_instance_func(in->ci, sh->handle_name, &in->handle) ||
        (sh->has_init && cm_instance_func(in->ci, sh->init_name, &in->init))) {
        wh_err(err, WH_NOTFOUND, -1, "the instance lacks %s", sh->handle_name);
        goto fail;
    }
    /* Serverless: the state it has now is what every request starts from;
     * the next request gets it back by a reset (sv_inst_recycle). With
     * --snapshot-after-init, once init has run (sv_inst_snapshot_init). */
    if (sh->model == SV_MODEL_SERVERLESS && !sh->cfg->serverless_instantiate &&
        !(in->init && sh->cfg->snapshot_after_init)) {
        wh_err_t why = {0};
        in->snapped = cm_instance_snapshot(in->ci, &why) == WH_OK;
        if (!in->snapped && !w->told_no_snapshot) {
            w->told_no_snapshot = true;
            sv_log("worker %u: each request gets an instance made anew (no snapshot: %s)", w->index,
                   why.msg);
        }
    }
    in->id = next_id(sh);
    w->alive++;
    return in;
fail:
    cm_instance_free(in->ci);
    wasi_ctx_free(in->ctx);
    wh_arena_free(&in->arena);
    wh_free(in);
    return NULL;
}

void sv_inst_snapshot_init(sv_inst_t *in)
{
    sv_worker_t *w = in->w;
    const sv_shared_t *sh = w->sh;
    if (sh->model != SV_MODEL_SERVERLESS || !sh->cfg->snapshot_after_init ||
        sh->cfg->serverless_instantiate || in->snapped)
        return;
    wh_err_t why = {0};
    in->snapped = in->init_snapped = cm_instance_snapshot(in->ci, &why) == WH_OK;
    if (!in->snapped && !w->told_init_snapshot) {
        /* init kept something of the outside (docs/semantics.md 4.7) */
        w->told_init_snapshot = true;
        sv_log("worker %u: --snapshot-after-init: no snapshot after init (%s); init runs for "
               "every request",
               w->index, why.msg);
    }
}

bool sv_inst_recycle(sv_inst_t *in)
{
    if (!in->snapped || in->suspended || in->ready || in->job || in->pending)
        return false;
    wasi_ctx_t *ctx = new_ctx(in);
    wh_err_t err = {0};
    if (!ctx || cm_instance_reset(in->ci, ctx, &err)) {
        wasi_ctx_free(ctx);
        return false;
    }
    /* the old context goes after the reset: the instance's handles, now
     * gone, named its objects */
    wasi_ctx_free(in->ctx);
    in->ctx = ctx;
    in->id = next_id(in->w->sh);
    in->seq = 0;
    in->born_ns = sv_now_ns();
    sv_count(&in->w->m.instance_resets, 1);
    in->in_init = false;
    wh_arena_reset(&in->arena);
    return true;
}

void sv_inst_free(sv_inst_t *in)
{
    if (!in)
        return;
    sv_worker_t *w = in->w;
    if (in->ready) { /* take it off the ready list */
        sv_inst_t **p = &w->ready_head, *prev = NULL;
        while (*p && *p != in) {
            prev = *p;
            p = &(*p)->rnext;
        }
        if (*p)
            *p = in->rnext;
        if (w->ready_tail == in)
            w->ready_tail = prev;
    }
    sv_glog_free(in);
    cm_instance_free(in->ci);
    wasi_ctx_free(in->ctx);
    wh_arena_free(&in->arena);
    w->alive--;
    wh_free(in);
}

/* ---- calls ---- */

static void set_running(sv_worker_t *w, wm_store_t *s, uint64_t deadline)
{
    uint32_t slice = w->sh->cfg->time_slice_ms;
    pthread_mutex_lock(&w->mu);
    w->running_store = s;
    w->running_deadline = deadline;
    w->running_slice_end = s && slice ? sv_now_ns() + (uint64_t)slice * 1000000u : 0;
    pthread_mutex_unlock(&w->mu);
}

static void init_done(sv_inst_t *in, wh_rc rc, const cm_val_t *res, const wh_err_t *err)
{
    char why[320];
    in->in_init = false;
    sv_glog_flush(in);
    if (rc != WH_OK && rc != WH_INTERRUPTED)
        sv_count(&in->w->m.traps[sv_trap_kind_of(rc, err->msg)], 1);
    if (rc == WH_OK && res->of.var.tag == 0) {
        sv_pool_started(in->w, in, true, NULL);
        return;
    }
    if (rc == WH_OK) {
        const cm_val_t *msg = res->of.var.v;
        snprintf(why, sizeof why, "init returned an error: %.*s",
                 msg ? (int)(msg->of.str.len > 256 ? 256 : msg->of.str.len) : 0,
                 msg ? msg->of.str.ptr : "");
    } else {
        snprintf(why, sizeof why, "init failed: %s", err->msg[0] ? err->msg : wh_rc_name(rc));
    }
    sv_pool_started(in->w, in, false, why);
}

static void handle_done(sv_inst_t *in, wh_rc rc, const wh_err_t *err)
{
    sv_worker_t *w = in->w;
    const sv_shared_t *sh = w->sh;
    sv_job_t *job = in->job;
    in->job = NULL;
    bool answered = hw_exchange_responded(job->ex);
    int status = hw_exchange_finish(job->ex, rc, &job->body_bytes);
    job->ex = NULL;
    sv_glog_flush(in);
    const char *msg = err->msg[0] ? err->msg : wh_rc_name(rc);
    if (rc != WH_OK)
        sv_log("instance %" PRIu64 " request %" PRIu64 ": %s (%s)", in->id, in->seq, msg,
               status ? "answered with an error status" : "connection closed");
    wm_store_t *store = cm_instance_store(in->ci);
    if (sh->cfg->fuel >= 0) {
        int64_t left = wm_store_fuel(store);
        sv_count(&w->m.fuel_consumed, (uint64_t)(sh->cfg->fuel - (left > 0 ? left : 0)));
    }
    /* why the instance ends here, if it does (metrics, /instances) */
    int reason = -1;
    if (rc == WH_INTERRUPTED) {
        reason = SV_RECYCLE_DEADLINE;
    } else if (rc != WH_OK) {
        reason = SV_RECYCLE_TRAP;
        sv_count(&w->m.traps[sv_trap_kind_of(rc, err->msg)], 1);
    } else if (sh->model == SV_MODEL_STATEFUL && !answered) {
        /* The handler returned without setting a response (500 went out):
         * an instance in that state may not answer the next one either
         * (componentize-js fetch-event handlers, docs/compat.md), so it is
         * replaced rather than kept. */
        reason = SV_RECYCLE_NO_RESPONSE;
        sv_log("instance %" PRIu64 " request %" PRIu64 ": the handler returned without a "
               "response (answered 500); the instance is replaced",
               in->id, in->seq);
    } else if (sh->model == SV_MODEL_STATEFUL && sh->cfg->max_requests &&
               in->seq >= sh->cfg->max_requests) {
        reason = SV_RECYCLE_MAX_REQUESTS;
    } else if (sh->model == SV_MODEL_STATEFUL && sh->cfg->max_memory &&
               wm_store_memory_bytes(store) > sh->cfg->max_memory) {
        reason = SV_RECYCLE_MEMORY;
    }
    if (reason >= 0)
        sv_count(&w->m.recycled[reason], 1);
    if (rc != WH_OK && sh->model == SV_MODEL_STATEFUL) {
        char why[160];
        snprintf(why, sizeof why, "instance %" PRIu64 ": %.120s", in->id, msg);
        sv_pool_end_push(w, why);
    }
    bool keep = sh->model == SV_MODEL_STATEFUL && reason < 0;
    sv_job_done(job, status);
    wh_arena_reset(&in->arena);
    /* Serverless: the instance goes back to how it was made, for the next
     * request; one that trapped or ran out of time is freed instead. */
    if (sh->model == SV_MODEL_SERVERLESS && rc == WH_OK && !w->closed && w->nidle < SV_SPARES)
        keep = sv_inst_recycle(in);
    sv_pool_release(w, in, keep);
}

void sv_inst_run(sv_inst_t *in, bool resume)
{
    sv_worker_t *w = in->w;
    wm_store_t *s = cm_instance_store(in->ci);
    wh_err_t err = {0};
    cm_val_t res = {0};
    set_running(w, s, in->deadline_ns);
    wh_rc rc;
    if (resume) {
        rc = cm_resume(in->ci, &err);
    } else if (in->in_init) {
        rc = cm_call(in->ci, in->init, NULL, &in->result, &in->arena, &err);
    } else {
        cm_val_t args[2] = {{.kind = CM_OWN}, {.kind = CM_OWN}};
        args[0].of.handle.rep = in->req_rep;
        args[1].of.handle.rep = in->out_rep;
        rc = cm_call(in->ci, in->handle, args, &in->result, &in->arena, &err);
    }
    set_running(w, NULL, 0);
    if (rc == WH_SUSPEND) {
        in->suspended = true;
        /* Its time slice ran out: the worker serves what else came (the
         * loop turns, I/O first), then resumes it after the instances
         * already waiting to run, round-robin. */
        if (wm_store_yielded(s))
            wake(in);
        return;
    }
    in->suspended = false;
    res = in->result;
    if (rc == WH_INTERRUPTED)
        snprintf(err.msg, sizeof err.msg, "the guest ran past its deadline (--timeout %u ms)",
                 w->sh->cfg->timeout_ms);
    if (in->in_init)
        init_done(in, rc, &res, &err);
    else
        handle_done(in, rc, &err);
}

void sv_inst_start(sv_inst_t *in)
{
    if (!in->init) {
        sv_pool_started(in->w, in, true, NULL);
        return;
    }
    wm_store_t *s = cm_instance_store(in->ci);
    wm_store_clear_interrupt(s);
    wm_store_set_fuel(s, in->w->sh->cfg->fuel);
    in->state = SV_INST_STARTING;
    in->in_init = true;
    /* init has the same deadline as a request */
    uint32_t ms = in->w->sh->cfg->timeout_ms;
    in->deadline_ns = ms ? sv_now_ns() + (uint64_t)ms * 1000000u : 0;
    sv_inst_run(in, false);
}

void sv_inst_dispatch(sv_inst_t *in, sv_job_t *job)
{
    sv_worker_t *w = in->w;
    const sv_shared_t *sh = w->sh;
    wh_err_t err = {0};
    if (!job->req) {
        /* The client left while the instance was made (serverless: its
         * init ran, so it is not one the idle list may hold). */
        sv_job_done(job, 0);
        sv_pool_release(w, in, sh->model == SV_MODEL_STATEFUL);
        return;
    }
    in->state = SV_INST_BUSY;
    in->job = job;
    job->inst = in;
    in->seq++;
    char id[24], seq[24];
    hx_header_t extra[3];
    size_t nextra = 0;
    if (sh->cfg->debug_headers) {
        snprintf(id, sizeof id, "%" PRIu64, in->id);
        snprintf(seq, sizeof seq, "%" PRIu64, in->seq);
        const char *model = sv_model_name(sh->model);
        extra[0] = (hx_header_t){"wasmhttpd-instance", 18, id, strlen(id)};
        extra[1] = (hx_header_t){"wasmhttpd-request-seq", 21, seq, strlen(seq)};
        extra[2] = (hx_header_t){"wasmhttpd-model", 15, model, strlen(model)};
        nextra = 3;
    }
    wh_rc rc = hw_exchange_new(in->ctx, job->req, extra, nextra, &job->ex, &in->req_rep,
                               &in->out_rep, &err);
    if (rc) {
        sv_log("cannot start request on instance %" PRIu64 ": %s", in->id, err.msg);
        hx_resp_abort(job->req);
        job->req = NULL;
        in->job = NULL;
        sv_job_done(job, 0);
        sv_pool_release(w, in, sh->model == SV_MODEL_STATEFUL);
        return;
    }
    /* The exchange has the request's events now, and resumed the body (a
     * body the client sends only after 100 Continue waits until the guest
     * asks for it). */
    wm_store_t *s = cm_instance_store(in->ci);
    wm_store_clear_interrupt(s);
    wm_store_set_fuel(s, sh->cfg->fuel);
    in->deadline_ns = job->deadline_ns;
    sv_inst_run(in, false);
}

void sv_inst_expire(sv_inst_t *in)
{
    wh_err_t err = {0};
    const char *on = wasi_ctx_waiting_on(in->ctx);
    snprintf(err.msg, sizeof err.msg, "the guest waited past its deadline (--timeout %u ms)%s%s",
             in->w->sh->cfg->timeout_ms, on ? " in " : "", on ? on : "");
    in->suspended = false;
    cm_val_t none = {0};
    if (in->in_init)
        init_done(in, WH_INTERRUPTED, &none, &err);
    else
        handle_done(in, WH_INTERRUPTED, &err);
}
