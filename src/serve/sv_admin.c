/*
 * sv_admin.c — the admin listener (--admin HOST:PORT): GET /metrics
 * (Prometheus text), /healthz, /readyz and /instances (JSON), on an HTTP
 * server of its own (src/http), on a thread and loop of its own.
 *
 * Why its own thread rather than worker 0's loop: a worker's loop is held
 * by whichever guest runs on it (up to a time slice, or longer with
 * --time-slice 0), and a scrape must be answered when the workers are
 * busiest; nor should an operator's requests take a worker's time. The
 * admin port is a separate listener, so none of these paths can be
 * reached on the main port (there, every path goes to the guest).
 *
 * What it reads: the workers' counters (relaxed atomic loads, sv_int.h)
 * and the shared ready/draining flags. The instances themselves belong to
 * their worker's thread, so /instances asks each worker (a uv_async_t) to
 * describe its own and waits for the answer, at most a second per worker;
 * only the admin thread waits.
 */
#include "sv_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { SNAPSHOT_WAIT_MS = 1000 };

struct sv_admin {
    const sv_shared_t *sh;
    sv_worker_t *workers;
    uint32_t n;
    uv_loop_t loop;
    uv_async_t stop;
    hx_server_t *srv;
    pthread_t thread;
    pthread_cond_t snap_cv; /* with each worker's snap_mu */
};

static void send_text(hx_req_t *req, int status, const char *type, const char *body, size_t len)
{
    hx_header_t h[2] = {{"content-type", 12, type, strlen(type)},
                        {"cache-control", 13, "no-store", 8}};
    if (hx_resp_send(req, status, h, 2, body, len))
        hx_resp_abort(req);
}

static void plain(hx_req_t *req, int status, const char *text)
{
    send_text(req, status, "text/plain; charset=utf-8", text, strlen(text));
}

/* ---- /instances ---- */

void sv_worker_snapshot_cb(uv_async_t *h)
{
    sv_worker_t *w = h->data;
    uint64_t now = sv_now_ns();
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < w->all.len; i++) {
        sv_inst_t *in = w->all.data[i];
        const char *state = in->state == SV_INST_BUSY       ? "busy"
                            : in->state == SV_INST_STARTING ? "starting"
                                                            : "idle";
        json_t *o = json_pack("{s:I, s:i, s:s, s:f, s:I, s:s, s:I}", "id", (json_int_t)in->id,
                              "worker", (int)w->index, "model", sv_model_name(w->sh->model),
                              "age_seconds", (double)(now - in->born_ns) / 1e9, "requests",
                              (json_int_t)in->seq, "state", state, "memory_bytes",
                              (json_int_t)wm_store_memory_bytes(cm_instance_store(in->ci)));
        if (o)
            json_object_set_new(o, "last_trap",
                                in->replaced_why[0] ? json_string(in->replaced_why) : json_null());
        json_array_append_new(arr, o);
    }
    pthread_mutex_lock(&w->snap_mu);
    if (w->snap_done_gen != w->snap_gen) {
        json_decref(w->snap_json); /* an answer nobody waited for any more */
        w->snap_json = arr;
        w->snap_done_gen = w->snap_gen;
        pthread_cond_broadcast((pthread_cond_t *)w->snap_cv);
    } else {
        json_decref(arr);
    }
    pthread_mutex_unlock(&w->snap_mu);
}

static void instances(sv_admin_t *a, hx_req_t *req)
{
    json_t *all = json_array(), *missing = json_array();
    for (uint32_t i = 0; i < a->n; i++) {
        sv_worker_t *w = &a->workers[i];
        pthread_mutex_lock(&w->snap_mu);
        w->snap_cv = &a->snap_cv;
        uint64_t gen = ++w->snap_gen;
        bool asked = !w->snap_closed && uv_async_send(&w->snap) == 0;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += SNAPSHOT_WAIT_MS / 1000;
        while (asked && w->snap_done_gen != gen &&
               pthread_cond_timedwait(&a->snap_cv, &w->snap_mu, &until) == 0)
            ;
        json_t *got = NULL;
        if (asked && w->snap_done_gen == gen) {
            got = w->snap_json;
            w->snap_json = NULL;
        } else {
            w->snap_done_gen = gen; /* a late answer is dropped */
        }
        pthread_mutex_unlock(&w->snap_mu);
        if (got)
            json_array_extend(all, got);
        else
            json_array_append_new(missing, json_integer(i));
        json_decref(got);
    }
    json_t *doc = json_pack("{s:o, s:o}", "instances", all, "workers_not_answering", missing);
    char *text = doc ? json_dumps(doc, JSON_INDENT(1)) : NULL;
    if (text)
        send_text(req, 200, "application/json", text, strlen(text));
    else
        plain(req, 500, "500 Internal Server Error: out of memory\n");
    free(text);
    json_decref(doc);
}

/* ---- the listener ---- */

static void on_request(hx_req_t *req, void *ud)
{
    sv_admin_t *a = ud;
    size_t tlen;
    const char *target = hx_req_target(req, &tlen);
    const char *q = memchr(target, '?', tlen);
    size_t plen = q ? (size_t)(q - target) : tlen;
    const char *m = hx_req_method(req);
#define IS(p) (plen == strlen(p) && !memcmp(target, p, plen))
    if (strcmp(m, "GET") && strcmp(m, "HEAD")) {
        plain(req, 405, "405 Method Not Allowed: the admin listener answers GET only\n");
    } else if (IS("/metrics")) {
        size_t len;
        char *text = sv_metrics_render(a->sh, a->workers, a->n, &len);
        if (text)
            send_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
        else
            plain(req, 500, "500 Internal Server Error: out of memory\n");
        free(text);
    } else if (IS("/healthz")) {
        plain(req, 200, "ok\n");
    } else if (IS("/readyz")) {
        if (atomic_load(&a->sh->draining))
            plain(req, 503, "draining\n");
        else if (!atomic_load(&a->sh->ready))
            plain(req, 503, "starting\n");
        else
            plain(req, 200, "ready\n");
    } else if (IS("/instances")) {
        instances(a, req);
    } else {
        plain(req, 404,
              "404 Not Found: the admin listener serves /metrics, /healthz, /readyz "
              "and /instances\n");
    }
#undef IS
}

static const hx_handler_t handler = {.on_request = on_request};

static void closed_nothing(uv_handle_t *h)
{
}

static void shutdown_done(hx_server_t *srv, void *ud)
{
    sv_admin_t *a = ud;
    uv_close((uv_handle_t *)&a->stop, closed_nothing);
}

static void on_stop(uv_async_t *h)
{
    sv_admin_t *a = h->data;
    hx_server_shutdown(a->srv, 1000, shutdown_done, a);
}

static void *run(void *arg)
{
    sv_admin_t *a = arg;
    uv_run(&a->loop, UV_RUN_DEFAULT);
    return NULL;
}

wh_rc sv_admin_start(const sv_shared_t *sh, sv_worker_t *workers, uint32_t n, const char *host,
                     int port, sv_admin_t **out, wh_err_t *err)
{
    *out = NULL;
    sv_admin_t *a = wh_calloc(1, sizeof *a);
    if (!a)
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    a->sh = sh;
    a->workers = workers;
    a->n = n;
    if (uv_loop_init(&a->loop)) {
        wh_free(a);
        return wh_err(err, WH_IO, -1, "cannot start an event loop for --admin");
    }
    hx_config_t hc;
    hx_config_defaults(&hc);
    hc.max_connections = 64; /* operators and scrapers, not the public */
    wh_err_t e = {0};
    if (hx_server_new(&a->loop, host, port, &hc, &handler, a, &a->srv, &e)) {
        uv_run(&a->loop, UV_RUN_DEFAULT);
        uv_loop_close(&a->loop);
        wh_free(a);
        return wh_err(err, WH_IO, -1, "--admin %s:%d: %s", host, port, e.msg);
    }
    a->stop.data = a;
    uv_async_init(&a->loop, &a->stop, on_stop);
    pthread_cond_init(&a->snap_cv, NULL);
    if (pthread_create(&a->thread, NULL, run, a)) {
        /* not started: close it on this thread */
        on_stop(&a->stop);
        uv_run(&a->loop, UV_RUN_DEFAULT);
        hx_server_free(a->srv);
        uv_loop_close(&a->loop);
        pthread_cond_destroy(&a->snap_cv);
        wh_free(a);
        return wh_err(err, WH_IO, -1, "cannot start the --admin thread");
    }
    *out = a;
    return WH_OK;
}

void sv_admin_stop(sv_admin_t *a)
{
    if (!a)
        return;
    uv_async_send(&a->stop);
    pthread_join(a->thread, NULL);
    hx_server_free(a->srv);
    uv_loop_close(&a->loop);
    pthread_cond_destroy(&a->snap_cv);
    wh_free(a);
}
