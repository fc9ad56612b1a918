/*
 * sv_pool.c — a worker's instances as a pool: the idle list (the least
 * recently used instance serves next; serverless, the instances reset to
 * their snapshot after a request), every instance of the worker (for the
 * tick), making replacements, and what happens when an instance has
 * started or its request is over (kept for the next one, or discarded and,
 * stateful, replaced; init failures back off).
 */
#include "sv_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum { BACKOFF_FIRST_MS = 1000, BACKOFF_MAX_MS = 60000 };

/* ---- the idle list (most recently used at the head) ---- */

static void idle_push(sv_worker_t *w, sv_inst_t *in)
{
    w->nidle++;
    in->next = w->idle.next;
    in->prev = &w->idle;
    w->idle.next->prev = in;
    w->idle.next = in;
}

static void idle_remove(sv_worker_t *w, sv_inst_t *in)
{
    w->nidle--;
    in->prev->next = in->next;
    in->next->prev = in->prev;
    in->prev = in->next = NULL;
}

sv_inst_t *sv_pool_take_idle(sv_worker_t *w)
{
    sv_inst_t *in = w->idle.prev;
    if (in == &w->idle)
        return NULL;
    idle_remove(w, in);
    return in;
}

static void all_remove(sv_worker_t *w, sv_inst_t *in)
{
    for (size_t i = 0; i < w->all.len; i++)
        if (w->all.data[i] == in) {
            w->all.data[i] = w->all.data[--w->all.len];
            return;
        }
}

/* ---- news of ended instances, for their replacements ---- */

void sv_pool_end_push(sv_worker_t *w, const char *why)
{
    if (w->nends == SV_ENDS_MAX) { /* the oldest goes */
        memmove(w->ends[0], w->ends[1], (SV_ENDS_MAX - 1) * sizeof w->ends[0]);
        w->nends--;
    }
    snprintf(w->ends[w->nends++], sizeof w->ends[0], "%s", why);
}

void sv_pool_end_take(sv_worker_t *w, char *out, size_t cap)
{
    out[0] = 0;
    if (!w->nends)
        return;
    snprintf(out, cap, "%s", w->ends[0]);
    memmove(w->ends[0], w->ends[1], (w->nends - 1) * sizeof w->ends[0]);
    w->nends--;
}

void sv_pool_end_unshift(sv_worker_t *w, const char *why)
{
    if (w->nends == SV_ENDS_MAX)
        w->nends--; /* the newest goes: this one is older */
    memmove(w->ends[1], w->ends[0], w->nends * sizeof w->ends[0]);
    snprintf(w->ends[0], sizeof w->ends[0], "%s", why);
    w->nends++;
}

void sv_pool_discard(sv_worker_t *w, sv_inst_t *in)
{
    if (in->prev)
        idle_remove(w, in);
    all_remove(w, in);
    sv_inst_free(in);
}

void sv_pool_spawn(sv_worker_t *w)
{
    wh_err_t err = {0};
    sv_inst_t *in = sv_inst_new(w, &err);
    if (!in) {
        sv_pool_started(w, NULL, false, err.msg);
        return;
    }
    wh_vec_push(&w->all, in);
    w->starting++;
    sv_inst_start(in);
}

void sv_pool_started(sv_worker_t *w, sv_inst_t *in, bool ok, const char *why)
{
    const sv_shared_t *sh = w->sh;
    if (sh->model == SV_MODEL_SERVERLESS) {
        sv_job_t *job = in->pending;
        in->pending = NULL;
        if (ok) {
            sv_inst_snapshot_init(in);
            sv_inst_dispatch(in, job);
        } else {
            sv_log("instance %" PRIu64 ": %s", in->id, why);
            sv_count(&w->m.recycled[SV_RECYCLE_INIT_FAILURE], 1);
            sv_pool_discard(w, in);
            sv_job_fail(job, 500, "500 Internal Server Error: the instance failed to start\n");
            sv_worker_drain_queue(w);
        }
        return;
    }
    if (in)
        w->starting--;
    if (!ok) {
        sv_count(&w->m.recycled[SV_RECYCLE_INIT_FAILURE], 1);
        snprintf(w->last_failure, sizeof w->last_failure, "%s", why ? why : "failed");
        if (in)
            sv_log("instance %" PRIu64 ": %s", in->id, why ? why : "failed");
        else
            sv_log("a new instance: %s", why ? why : "failed");
        if (in) {
            /* it never served: the news it carried goes to the next one */
            if (in->replaced_why[0])
                sv_pool_end_unshift(w, in->replaced_why);
            sv_pool_discard(w, in);
        }
        if (w->booting)
            return; /* sv_worker_main decides once every first instance has tried */
        if (!w->listening && w->starting == 0 && w->alive == 0) {
            /* Not one instance could start: the server cannot serve. */
            snprintf(w->start_err.msg, sizeof w->start_err.msg, "no instance could start: %s",
                     w->last_failure);
            sv_worker_signal_started(w, -1);
            uv_stop(&w->loop);
            return;
        }
        w->backoff_ms = w->backoff_ms ? w->backoff_ms * 2 : BACKOFF_FIRST_MS;
        if (w->backoff_ms > BACKOFF_MAX_MS)
            w->backoff_ms = BACKOFF_MAX_MS;
        w->retry_at_ns = sv_now_ns() + (uint64_t)w->backoff_ms * 1000000u;
        if (!w->listening && w->starting == 0)
            sv_worker_listen(w);
        return;
    }
    w->backoff_ms = 0;
    in->state = SV_INST_IDLE;
    in->idle_since = sv_now_ns();
    idle_push(w, in);
    if (!w->listening && !w->booting && w->starting == 0)
        sv_worker_listen(w);
    sv_worker_drain_queue(w);
}

void sv_pool_release(sv_worker_t *w, sv_inst_t *in, bool keep)
{
    if (keep && !w->closed) {
        in->state = SV_INST_IDLE;
        in->idle_since = sv_now_ns();
        idle_push(w, in);
    } else {
        sv_pool_discard(w, in);
        /* A stateful pool stays full: a recycled or trapped instance is
         * replaced at once (init failures back off, see the tick). */
        if (w->sh->model == SV_MODEL_STATEFUL && !w->closed && !w->retry_at_ns)
            sv_pool_spawn(w);
    }
    sv_worker_drain_queue(w);
}
