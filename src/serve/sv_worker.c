/*
 * sv_worker.c — a worker: its loop, its HTTP server, its queue of
 * requests and which instance serves each (the pool itself is sv_pool.c),
 * the periodic tick that enforces queue timeouts, deadlines of waiting
 * guests and idle timeouts, and its start, drain and stop.
 */
#include "sv_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TICK_MS = 20 };

uint64_t sv_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool log_json; /* set once, before any worker starts */

void sv_log_set_json(bool json)
{
    log_json = json;
}

/* One write per line, so that the lines of workers do not interleave. In
 * JSON, jansson escapes the text (a guest's line may hold anything). */
static void log_line(const char *msg, const char *stream, uint64_t instance)
{
    char when[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!log_json) {
        if (stream)
            fprintf(stderr, "%s wasmhttpd: instance %" PRIu64 " %s: %s\n", when, instance, stream,
                    msg);
        else
            fprintf(stderr, "%s wasmhttpd: %s\n", when, msg);
        return;
    }
    json_t *o = stream ? json_pack("{s:s, s:s, s:I, s:s, s:s}", "time", when, "source", "guest",
                                   "instance", (json_int_t)instance, "stream", stream, "msg", msg)
                       : json_pack("{s:s, s:s, s:s}", "time", when, "source", "server", "msg", msg);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    if (text)
        fprintf(stderr, "%s\n", text);
    free(text);
    json_decref(o);
}

void sv_log(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_line(line, NULL, 0);
}

void sv_log_guest(uint64_t instance, const char *stream, const char *text, size_t len)
{
    /* Control bytes cannot forge or break a log line, and bytes past ASCII
     * cannot make a line that is not UTF-8 (JSON needs it): both as \xHH. */
    char line[4 * 1024 + 1];
    size_t k = 0;
    for (size_t i = 0; i < len && k + 5 < sizeof line; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c >= 0x7f)
            k += (size_t)snprintf(line + k, sizeof line - k, "\\x%02X", c);
        else
            line[k++] = (char)c;
    }
    line[k] = 0;
    log_line(line, stream, instance);
}

/* ---- the queue ---- */

/* A plain answer of our own; the body bytes that went (none for HEAD,
 * whose body the server drops). */
static uint64_t answer(hx_req_t *req, int status, const char *text)
{
    hx_header_t h = {"content-type", 12, "text/plain; charset=utf-8", 25};
    bool head = strcmp(hx_req_method(req), "HEAD") == 0;
    if (hx_resp_send(req, status, &h, 1, text, strlen(text))) {
        hx_resp_abort(req);
        return 0;
    }
    return head ? 0 : strlen(text);
}

static void enqueue(sv_worker_t *w, sv_job_t *job)
{
    job->next = NULL;
    if (w->q_tail)
        w->q_tail->next = job;
    else
        w->q_head = job;
    w->q_tail = job;
    w->q_len++;
}

static void unqueue(sv_worker_t *w, sv_job_t *job)
{
    sv_job_t **p = &w->q_head, *prev = NULL;
    while (*p && *p != job) {
        prev = *p;
        p = &(*p)->next;
    }
    if (!*p)
        return;
    *p = job->next;
    if (w->q_tail == job)
        w->q_tail = prev;
    w->q_len--;
}

void sv_job_done(sv_job_t *job, int status)
{
    sv_worker_t *w = job->w;
    uint64_t now = sv_now_ns();
    sv_count(&w->m.requests[status >= 100 && status < 600 ? status / 100 : 0], 1);
    sv_hist_observe(&w->m.request_duration, now - job->arrive_ns);
    if (job->alog) {
        sv_alog_request(w, job, status, now);
        wh_free(job->alog);
    }
    wh_free(job);
}

void sv_job_fail(sv_job_t *job, int status, const char *text)
{
    if (job->req) {
        hx_req_set_data(job->req, NULL);
        job->body_bytes = answer(job->req, status, text);
    }
    sv_job_done(job, job->req ? status : 0);
}

/* Starts job on a fresh serverless instance: one reset after an earlier
 * request (as good as new: sv_inst_recycle), or a new one. */
static void serverless_start(sv_worker_t *w, sv_job_t *job)
{
    wh_err_t err = {0};
    sv_inst_t *in = sv_pool_take_idle(w);
    if (!in) {
        if (!(in = sv_inst_new(w, &err))) {
            sv_log("cannot make an instance: %s", err.msg);
            sv_job_fail(job, 500, "500 Internal Server Error: no instance could be made\n");
            return;
        }
        wh_vec_push(&w->all, in);
    }
    /* init runs on every fresh instance, unless its state after init is
     * what this one was reset to (--snapshot-after-init) */
    if (in->init && !in->init_snapped) {
        in->pending = job;
        sv_inst_start(in);
    } else {
        sv_inst_dispatch(in, job);
    }
}

/* Starts job now if an instance is there for it. */
static bool try_dispatch(sv_worker_t *w, sv_job_t *job)
{
    const sv_shared_t *sh = w->sh;
    uint64_t now = sv_now_ns();
    if (sh->model == SV_MODEL_SERVERLESS) {
        if (w->alive >= sh->cfg->instances && !w->nidle)
            return false;
        sv_hist_observe(&w->m.queue_wait, now - job->arrive_ns);
        job->start_ns = now;
        job->deadline_ns = sh->cfg->timeout_ms ? now + (uint64_t)sh->cfg->timeout_ms * 1000000u : 0;
        serverless_start(w, job);
        return true;
    }
    sv_inst_t *in = sv_pool_take_idle(w);
    if (!in)
        return false;
    sv_hist_observe(&w->m.queue_wait, now - job->arrive_ns);
    job->start_ns = now;
    job->deadline_ns = sh->cfg->timeout_ms ? now + (uint64_t)sh->cfg->timeout_ms * 1000000u : 0;
    sv_inst_dispatch(in, job);
    return true;
}

void sv_worker_drain_queue(sv_worker_t *w)
{
    while (w->q_head) {
        sv_job_t *job = w->q_head;
        w->q_head = job->next;
        if (!w->q_head)
            w->q_tail = NULL;
        w->q_len--;
        if (!try_dispatch(w, job)) {
            /* put it back in front */
            job->next = w->q_head;
            w->q_head = job;
            if (!w->q_tail)
                w->q_tail = job;
            w->q_len++;
            return;
        }
    }
}

/* ---- HTTP callbacks ---- */

static void on_request(hx_req_t *req, void *ud)
{
    sv_worker_t *w = ud;
    sv_job_t *job = wh_calloc(1, sizeof *job);
    if (!job) {
        answer(req, 503, "503 Service Unavailable: out of memory\n");
        return;
    }
    job->w = w;
    job->req = req;
    job->arrive_ns = sv_now_ns();
    if (w->sh->alog)
        sv_alog_begin(job, req);
    hx_req_set_data(req, job);
    /* The body waits for the exchange, which subscribes to the request's
     * events and resumes it (serve relays none of them); until then, which
     * may be after this returns (a queue, an instance's init), no body event
     * comes. A client that sent Expect: 100-continue hears nothing meanwhile. */
    hx_req_pause_body(req);
    if (!w->q_head && try_dispatch(w, job))
        return;
    if (w->q_len >= w->sh->cfg->queue) {
        sv_count(&w->m.queue_rejected_full, 1);
        sv_job_fail(job, 503,
                    "503 Service Unavailable: every instance is busy and the queue is "
                    "full\n");
        return;
    }
    job->start_ns = sv_now_ns();
    job->deadline_ns = job->start_ns + (uint64_t)w->sh->cfg->queue_timeout_ms * 1000000u;
    enqueue(w, job);
}

/* The request ended before an exchange took it (once one has, the
 * request's events are the exchange's): a queued job goes; a job waiting
 * for its instance's init is ended when the instance is ready. */
static void on_abort(hx_req_t *req, hx_abort_reason why, void *ud)
{
    sv_worker_t *w = ud;
    sv_job_t *job = hx_req_data(req);
    if (!job)
        return;
    job->req = NULL;
    if (!job->inst) {
        unqueue(w, job);
        sv_job_done(job, 0);
    }
}

/* The worker's server is out of descriptors. Each server reports at most
 * once a second; the workers' reports are summed, and the sum logged at most
 * once a second for the process, so that N workers hitting the one process
 * limit make one line. A report that comes within the second is counted
 * into the next line. */
static void on_fd_exhausted(hx_server_t *srv, int err, uint64_t refused, uint32_t paused, void *ud)
{
    sv_worker_t *w = ud;
    sv_shared_t *sh = (sv_shared_t *)w->sh; /* its atomics only */
    atomic_fetch_add(&sh->fd_refused, refused);
    atomic_fetch_add(&sh->fd_pauses, paused);
    uint64_t now = sv_now_ns(), last = atomic_load(&sh->fd_logged_ns);
    if ((last && now - last < 1000000000u) ||
        !atomic_compare_exchange_strong(&sh->fd_logged_ns, &last, now))
        return;
    uint64_t r = atomic_exchange(&sh->fd_refused, 0), p = atomic_exchange(&sh->fd_pauses, 0);
    sv_log("out of file descriptors (%s, the %s limit): %" PRIu64 " connection%s refused with "
           "503 and %" PRIu64 " pause%s of accepting since the last report; the open "
           "connections are still served (worker %u has %u)",
           err == UV_ENFILE ? "ENFILE" : "EMFILE", err == UV_ENFILE ? "system's" : "process's", r,
           r == 1 ? "" : "s", p, p == 1 ? "" : "s", w->index, hx_server_connections(srv));
}

/* Only requests and their ends before dispatch: body, writable and abort
 * events of a dispatched request go to its exchange. */
static const hx_handler_t handler = {
    .on_request = on_request, .on_abort = on_abort, .on_fd_exhausted = on_fd_exhausted};

/* ---- the loop's periodic work ---- */

/* The gauges: what the request path need not count (sv_int.h). */
static void sample(sv_worker_t *w)
{
    uint64_t busy = 0, starting = 0;
    for (size_t i = 0; i < w->all.len; i++) {
        busy += w->all.data[i]->state == SV_INST_BUSY;
        starting += w->all.data[i]->state == SV_INST_STARTING;
    }
    sv_gauge(&w->m.queue_depth, w->q_len);
    sv_gauge(&w->m.inst_idle, w->nidle);
    sv_gauge(&w->m.inst_busy, busy);
    sv_gauge(&w->m.inst_starting, starting);
    sv_gauge(&w->m.connections, w->srv && !w->draining ? hx_server_connections(w->srv) : 0);
    if (w->client) {
        hw_client_stats_t st;
        hw_client_stats(w->client, &st);
        sv_gauge(&w->m.out_requests, st.requests - st.active);
        sv_gauge(&w->m.out_failed, st.failed);
        sv_gauge(&w->m.out_connections, st.connections);
    }
}

static void on_tick(uv_timer_t *t)
{
    sv_worker_t *w = t->data;
    const sv_config_t *cfg = w->sh->cfg;
    uint64_t now = sv_now_ns();
    /* queued too long */
    while (w->q_head && w->q_head->deadline_ns <= now) {
        sv_job_t *job = w->q_head;
        unqueue(w, job);
        sv_count(&w->m.queue_rejected_timeout, 1);
        sv_job_fail(job, 503, "503 Service Unavailable: no instance became free in time\n");
    }
    sample(w);
    sv_alog_flush(w);
    /* waiting guests past their deadline; idle instances to recycle */
    for (size_t i = 0; i < w->all.len; i++) {
        sv_inst_t *in = w->all.data[i];
        if (in->suspended && in->deadline_ns && in->deadline_ns <= now) {
            sv_inst_expire(in);
            return; /* w->all changed; the next tick goes on */
        }
        if (w->sh->model == SV_MODEL_STATEFUL && in->state == SV_INST_IDLE &&
            cfg->idle_timeout_ms && !w->draining &&
            now - in->idle_since >= (uint64_t)cfg->idle_timeout_ms * 1000000u) {
            sv_count(&w->m.recycled[SV_RECYCLE_IDLE], 1);
            sv_pool_discard(w, in);
            sv_pool_spawn(w);
            return;
        }
    }
    /* replacements after failed inits, once the backoff has passed */
    if (w->sh->model == SV_MODEL_STATEFUL && w->retry_at_ns && now >= w->retry_at_ns) {
        w->retry_at_ns = 0;
        if (w->alive < cfg->instances)
            sv_pool_spawn(w);
    }
    if (w->sh->model == SV_MODEL_STATEFUL && !w->retry_at_ns && w->listening)
        while (w->alive < cfg->instances && !w->retry_at_ns)
            sv_pool_spawn(w);
}

static void resume_ready(uv_idle_t *h)
{
    sv_worker_t *w = h->data;
    sv_inst_t *in = w->ready_head;
    w->ready_head = w->ready_tail = NULL;
    while (in) {
        sv_inst_t *next = in->rnext;
        in->ready = false;
        if (in->suspended)
            sv_inst_run(in, true);
        in = next;
    }
    if (!w->ready_head)
        uv_idle_stop(h);
}

void sv_worker_schedule(sv_worker_t *w)
{
    uv_idle_start(&w->resumer, resume_ready);
}

/* ---- start, drain, stop ---- */

/* Workers become ready in any order (a stateful pool runs init first): the
 * first to listen does so alone, on --addr's port (or the one port 0
 * picks), and the others join it there (hx_config_t.reuseport, join). */
static pthread_mutex_t listen_mu = PTHREAD_MUTEX_INITIALIZER;

void sv_worker_listen(sv_worker_t *w)
{
    sv_shared_t *sh = (sv_shared_t *)w->sh; /* port: under listen_mu */
    const sv_config_t *cfg = sh->cfg;
    hx_config_t hc = cfg->http;
    wh_err_t err = {0};
    pthread_mutex_lock(&listen_mu);
    hc.reuseport = cfg->workers > 1;
    hc.join = sh->port != 0;
    int port = hc.join ? sh->port : cfg->port;
    wh_rc rc = hx_server_new(&w->loop, cfg->host, port, &hc, &handler, w, &w->srv, &err);
    if (!rc && !hc.join)
        sh->port = hx_server_port(w->srv);
    pthread_mutex_unlock(&listen_mu);
    if (rc) {
        w->start_err = err;
        sv_worker_signal_started(w, -1);
        uv_stop(&w->loop);
        return;
    }
    w->listening = true;
    sv_worker_signal_started(w, 1);
}

static pthread_mutex_t start_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_cv = PTHREAD_COND_INITIALIZER;

void sv_worker_signal_started(sv_worker_t *w, int status)
{
    pthread_mutex_lock(&start_mu);
    w->start_status = status;
    pthread_cond_broadcast(&start_cv);
    pthread_mutex_unlock(&start_mu);
}

int sv_worker_wait_started(sv_worker_t *w)
{
    pthread_mutex_lock(&start_mu);
    while (w->start_status == 0)
        pthread_cond_wait(&start_cv, &start_mu);
    int st = w->start_status;
    pthread_mutex_unlock(&start_mu);
    return st;
}

static void closed_nothing(uv_handle_t *h)
{
}

static void close_all(sv_worker_t *w)
{
    w->closed = true;
    while (w->all.len)
        sv_pool_discard(w, w->all.data[w->all.len - 1]);
    while (w->q_head) {
        sv_job_t *job = w->q_head;
        unqueue(w, job);
        sv_job_done(job, 0);
    }
    sample(w);
    sv_alog_flush(w);
    pthread_mutex_lock(&w->snap_mu);
    w->snap_closed = true; /* the admin thread asks no more */
    pthread_mutex_unlock(&w->snap_mu);
    uv_close((uv_handle_t *)&w->snap, closed_nothing);
    hw_client_free(w->client); /* after the instances, which use it */
    w->client = NULL;
    wm_pool_free(w->pool); /* idem */
    w->pool = NULL;
    uv_close((uv_handle_t *)&w->tick, closed_nothing);
    uv_close((uv_handle_t *)&w->resumer, closed_nothing);
    uv_close((uv_handle_t *)&w->stop, closed_nothing);
}

static void shutdown_done(hx_server_t *srv, void *ud)
{
    sv_worker_t *w = ud;
    close_all(w);
}

static void on_stop(uv_async_t *a)
{
    sv_worker_t *w = a->data;
    if (w->draining)
        return;
    w->draining = true;
    if (w->srv)
        hx_server_shutdown(w->srv, w->sh->cfg->drain_ms, shutdown_done, w);
    else
        close_all(w);
}

void sv_worker_stop(sv_worker_t *w)
{
    uv_async_send(&w->stop);
}

bool sv_worker_init(sv_worker_t *w, const sv_shared_t *sh, uint32_t index)
{
    memset(w, 0, sizeof *w);
    w->sh = sh;
    w->index = index;
    pthread_mutex_init(&w->mu, NULL);
    if (uv_loop_init(&w->loop))
        return false;
    w->stop.data = w;
    uv_async_init(&w->loop, &w->stop, on_stop);
    pthread_mutex_init(&w->snap_mu, NULL);
    w->snap.data = w;
    uv_async_init(&w->loop, &w->snap, sv_worker_snapshot_cb);
    return true;
}

void sv_worker_free(sv_worker_t *w)
{
    if (!uv_is_closing((uv_handle_t *)&w->stop)) { /* its thread never ran */
        uv_close((uv_handle_t *)&w->stop, closed_nothing);
        uv_close((uv_handle_t *)&w->snap, closed_nothing);
        uv_run(&w->loop, UV_RUN_DEFAULT);
    }
    uv_loop_close(&w->loop);
    wh_vec_free(&w->all);
    pthread_mutex_destroy(&w->mu);
    pthread_mutex_destroy(&w->snap_mu);
    json_decref(w->snap_json);
    wh_free(w->alog_buf);
}

void *sv_worker_main(void *arg)
{
    sv_worker_t *w = arg;
    const sv_shared_t *sh = w->sh;
    w->idle.next = w->idle.prev = &w->idle;
    w->resumer.data = w->tick.data = w;
    uv_idle_init(&w->loop, &w->resumer);
    uv_timer_init(&w->loop, &w->tick);
    uv_timer_start(&w->tick, on_tick, TICK_MS, TICK_MS);
    /* Serverless instances come and go with each request: their stacks and
     * memories are reused (a NULL pool only costs speed). */
    if (sh->model == SV_MODEL_SERVERLESS)
        w->pool = wm_pool_new(sh->cfg->instances < 64 ? sh->cfg->instances : 64);
    if (sh->cfg->outbound && hw_client_new(sh->cfg->outbound, &w->loop, &w->client, NULL))
        sv_log("worker %u: outbound HTTP is unavailable (out of memory): requests are denied",
               w->index);
    if (sh->model == SV_MODEL_STATEFUL) {
        /* The first pool: every instance gets its try before the worker
         * decides (inits that wait finish later, in sv_worker_inst_started). */
        w->booting = true;
        for (uint32_t i = 0; i < sh->cfg->instances; i++)
            sv_pool_spawn(w);
        w->booting = false;
        if (w->alive == 0) {
            snprintf(w->start_err.msg, sizeof w->start_err.msg, "no instance could start: %s",
                     w->last_failure[0] ? w->last_failure : "failed");
            sv_worker_signal_started(w, -1);
        } else if (w->starting == 0) {
            sv_worker_listen(w);
        }
    } else {
        sv_worker_listen(w);
    }
    /* A start that failed at once leaves nothing to run. */
    if (w->start_status >= 0)
        uv_run(&w->loop, UV_RUN_DEFAULT);
    if (!uv_is_closing((uv_handle_t *)&w->stop)) { /* stopped early: a failed start */
        close_all(w);
        uv_run(&w->loop, UV_RUN_DEFAULT);
    }
    hx_server_free(w->srv);
    w->srv = NULL;
    if (w->start_status == 0)
        sv_worker_signal_started(w, -1);
    return NULL;
}
