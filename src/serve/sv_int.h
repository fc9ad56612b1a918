/*
 * sv_int.h — the serve layer's structures: a worker (one thread, loop,
 * HTTP server and pool), its instances and its requests ("jobs").
 *
 * A worker's state is touched by its own thread only, except the fields
 * the watchdog thread reads (running_store, running_deadline,
 * running_slice_end) under the worker's mutex, so that it can interrupt a
 * guest that runs past its deadline, or make one that used up its time
 * slice yield: a running guest holds the thread, so nothing on the loop
 * could.
 */
#ifndef SV_INT_H
#define SV_INT_H

#include "sv.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct sv_worker sv_worker_t;
typedef struct sv_inst sv_inst_t;
typedef struct sv_job sv_job_t;
typedef struct sv_alog sv_alog_t;
typedef struct sv_glog sv_glog_t;

/* ---- metrics (sv_metrics.c) ----
 * Each worker counts into its own sv_metrics_t, and only its own thread
 * writes them: an increment is a relaxed load and store (no locked
 * instruction, no contention), and the admin thread reads them with relaxed
 * loads when scraped and sums the workers. Gauges (queue depth, instances
 * idle and busy, connections, outbound totals) are sampled by the worker's
 * tick every 20 ms, so they cost the request path nothing. */
typedef _Atomic uint64_t sv_ctr_t;

enum { SV_HIST_BOUNDS = 16 }; /* bucket bounds, sv_metrics.c; +Inf after them */
typedef struct {
    sv_ctr_t n[SV_HIST_BOUNDS + 1]; /* per bucket, not cumulative */
    sv_ctr_t sum_ns;
} sv_hist_t;

typedef enum {
    SV_RECYCLE_MAX_REQUESTS,
    SV_RECYCLE_IDLE,
    SV_RECYCLE_MEMORY,
    SV_RECYCLE_TRAP,
    SV_RECYCLE_DEADLINE,
    SV_RECYCLE_INIT_FAILURE,
    SV_RECYCLE_NO_RESPONSE,
    SV_RECYCLE_N
} sv_recycle_reason;

typedef enum {
    SV_TRAP_UNREACHABLE,
    SV_TRAP_OUT_OF_BOUNDS,
    SV_TRAP_ARITHMETIC,
    SV_TRAP_INDIRECT_CALL,
    SV_TRAP_STACK_EXHAUSTED,
    SV_TRAP_FUEL_EXHAUSTED,
    SV_TRAP_EXIT,
    SV_TRAP_OTHER,
    SV_TRAP_N
} sv_trap_kind;

typedef struct {
    sv_ctr_t requests[6]; /* by status class: [0] no status (closed), [1..5] 1xx..5xx */
    sv_hist_t request_duration, queue_wait, instantiation;
    sv_ctr_t queue_rejected_full, queue_rejected_timeout;
    sv_ctr_t instances_created, instance_resets;
    sv_ctr_t recycled[SV_RECYCLE_N];
    sv_ctr_t traps[SV_TRAP_N];
    sv_ctr_t fuel_consumed;
    sv_ctr_t guest_log_lines[2], guest_log_dropped; /* [0] stdout, [1] stderr */
    sv_ctr_t access_log_dropped;
    /* sampled by the tick */
    sv_ctr_t queue_depth, inst_idle, inst_busy, inst_starting, connections;
    sv_ctr_t out_requests, out_failed, out_connections;
} sv_metrics_t;

/* Adds n to a counter of the calling worker's own metrics. */
static inline void sv_count(sv_ctr_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}
static inline void sv_gauge(sv_ctr_t *c, uint64_t v)
{
    atomic_store_explicit(c, v, memory_order_relaxed);
}
void sv_hist_observe(sv_hist_t *h, uint64_t ns);
sv_trap_kind sv_trap_kind_of(wh_rc rc, const char *msg);

/* What the server shares, read-only, with every worker (but for its
 * atomics). */
typedef struct {
    const cm_component_t *comp;
    const char *name; /* for logs */
    const sv_config_t *cfg;
    sv_model model;
    cm_linker_t *linker;
    cm_prepared_t *prepared; /* the component's imports, resolved once */
    char handle_name[160], init_name[160];
    bool has_init;
    atomic_uint_fast64_t next_id; /* instance ids, unique for the server's life */
    sv_alog_t *alog;              /* the access log, or NULL */
    atomic_bool ready, draining;  /* for /readyz: every pool is up; SIGTERM came */
    /* Connections refused, and pauses of accepting, for want of file
     * descriptors: the workers' counts summed until the next log line, which
     * goes out at most once a second for the whole process (fd_logged_ns). */
    atomic_uint_fast64_t fd_refused, fd_pauses, fd_logged_ns;
    int port; /* where the first worker to listen did: the others join it
               * there (0 until then; sv_worker_listen) */
} sv_shared_t;

/* One request. */
struct sv_job {
    sv_worker_t *w;
    hx_req_t *req;     /* until an exchange takes it; NULL if the client left first */
    hw_exchange_t *ex; /* while a guest handles it (it has req's events) */
    sv_inst_t *inst;
    uint64_t arrive_ns;   /* on_request */
    uint64_t start_ns;    /* queued at, then dispatched at */
    char *alog;           /* access log: the line's start, NUL, its referer and
                             user-agent part (made at on_request); or NULL */
    uint64_t deadline_ns; /* queue timeout, then request deadline; 0: none */
    uint64_t body_bytes;  /* response body bytes sent (hw_exchange_finish), for the log */
    sv_job_t *next;       /* queue */
};

typedef enum {
    SV_INST_STARTING, /* its init call runs */
    SV_INST_IDLE,
    SV_INST_BUSY,
} sv_inst_state;

struct sv_inst {
    sv_worker_t *w;
    cm_instance_t *ci;
    wasi_ctx_t *ctx;
    cm_func_t *handle, *init;
    uint64_t id;
    uint64_t seq; /* requests delivered */
    uint64_t idle_since;
    sv_inst_state state;
    bool suspended;            /* its current call waits */
    bool ready;                /* in the worker's ready list */
    bool in_init;              /* the current call is init */
    uint64_t deadline_ns;      /* of the current call (init or a request); 0: none */
    sv_job_t *job;             /* the request it handles */
    sv_job_t *pending;         /* serverless: the request it was made for, while init runs */
    uint32_t req_rep, out_rep; /* handle()'s arguments */
    bool snapped;              /* serverless: reset for the next request, not made anew */
    bool init_snapped;         /* its snapshot was taken after init: no init again */
    cm_val_t result;           /* where a call's result lands, also after a resume */
    wh_arena_t arena;          /* results of calls */
    uint64_t born_ns;          /* made at (a reset serverless instance: reset at) */
    char replaced_why[160];    /* stateful: why the instance it replaces ended
                                  (a trap, a deadline), for /instances */
    sv_glog_t *glog;           /* its stdout and stderr lines, made on first output */
    sv_inst_t *prev, *next;    /* idle list (most recently used first) */
    sv_inst_t *rnext;          /* ready list */
};

enum { SV_ENDS_MAX = 8 }; /* news of ended instances a worker keeps (ends) */

struct sv_worker {
    const sv_shared_t *sh;
    uint32_t index;
    pthread_t thread;
    uv_loop_t loop;
    uv_async_t stop;   /* SIGTERM: start draining */
    uv_idle_t resumer; /* runs the calls whose events came */
    uv_timer_t tick;   /* deadlines of queued and waiting requests, idle recycling */
    hx_server_t *srv;
    hw_client_t *client; /* outbound HTTP of its instances, or NULL */
    wm_pool_t *pool;     /* stacks and memories its instances reuse, or NULL */
    /* instances */
    uint32_t alive;    /* instances existing (both models) */
    uint32_t starting; /* stateful: instances being made */
    sv_inst_t idle;    /* sentinel of the idle list (serverless: reset ones) */
    uint32_t nidle;
    WH_VEC(sv_inst_t *) all; /* every instance, for the tick */
    bool told_no_snapshot;   /* serverless: logged why instances are made anew */
    bool told_init_snapshot; /* serverless: logged why init runs again */
    sv_inst_t *ready_head, *ready_tail;
    uint32_t backoff_ms;  /* stateful: delay before the next replacement */
    uint64_t retry_at_ns; /* replacements wait until then */
    /* queue */
    sv_job_t *q_head, *q_tail;
    uint32_t q_len;
    /* state */
    bool listening, draining; /* draining: SIGTERM came; requests still finish */
    bool closed;              /* the pool is gone: no more instances */
    bool booting;             /* making the first pool */
    char last_failure[200];   /* why the last instance failed to start */
    int start_status;         /* 0 until the pool is up: 1 ok, -1 failed */
    wh_err_t start_err;
    sv_metrics_t m; /* its counters: written by this thread only */
    /* stateful: why instances ended by a trap or a deadline, oldest first,
     * one for each replacement still to come: each new instance takes the
     * oldest (replaced_why), and one that fails to start gives it back, so
     * that the news reaches an instance that serves. Past SV_ENDS_MAX, the
     * oldest is dropped. */
    char ends[SV_ENDS_MAX][160];
    uint32_t nends;
    char *alog_buf; /* access log lines not yet handed to the writer */
    size_t alog_len;
    time_t alog_when_t; /* the second alog_when shows */
    char alog_when[32];
    /* /instances: the admin thread asks (snap_gen), the worker answers */
    uv_async_t snap;
    pthread_mutex_t snap_mu;
    uint64_t snap_gen, snap_done_gen;
    void *snap_json;         /* json_t *, the admin's once snap_done_gen == snap_gen */
    pthread_cond_t *snap_cv; /* the admin's, signalled when snap_json is there */
    bool snap_closed;
    /* for the watchdog */
    pthread_mutex_t mu;
    wm_store_t *running_store;
    uint64_t running_deadline;
    uint64_t running_slice_end; /* 0: no time slice */
};

/* Serverless: instances reset after their request and kept for the next
 * ones, per worker (each holds its memories; a reset dropped what the
 * request wrote). */
enum { SV_SPARES = 16 };

/* ---- sv_instance.c: one instance's life ---- */

/* Instantiates the component for w (not started: see sv_inst_start). NULL
 * with err set when it cannot be instantiated. */
sv_inst_t *sv_inst_new(sv_worker_t *w, wh_err_t *err);
void sv_inst_free(sv_inst_t *in);
/* Serverless: brings in back to the state it was made in (its snapshot),
 * with a new WASI context and id, for the next request; false when it
 * cannot be (free it then). */
bool sv_inst_recycle(sv_inst_t *in);
/* Serverless with --snapshot-after-init: init has just succeeded on in;
 * its snapshot is taken now (or, when it cannot be, never: logged once). */
void sv_inst_snapshot_init(sv_inst_t *in);
/* Runs init (when the component has it; else the instance is ready at
 * once): the end reaches sv_worker_inst_started. */
void sv_inst_start(sv_inst_t *in);
/* Runs (or resumes) the instance's current call and handles its end. */
void sv_inst_run(sv_inst_t *in, bool resume);
/* Starts handling job on in (an idle or fresh instance). */
void sv_inst_dispatch(sv_inst_t *in, sv_job_t *job);
/* The deadline of the call on in passed (it is suspended): end it. */
void sv_inst_expire(sv_inst_t *in);

/* ---- sv_pool.c: the worker's instances as a pool ---- */

/* An instance finished starting (ok) or failed to (it is freed). */
void sv_pool_started(sv_worker_t *w, sv_inst_t *in, bool ok, const char *why);
/* An instance's request is over: it may serve again (keep), or is gone. */
void sv_pool_release(sv_worker_t *w, sv_inst_t *in, bool keep);
/* The least recently used idle instance, taken off the idle list; NULL
 * when none is idle. */
sv_inst_t *sv_pool_take_idle(sv_worker_t *w);
/* Makes and starts a new stateful instance. */
void sv_pool_spawn(sv_worker_t *w);
/* Frees an instance and forgets it. */
void sv_pool_discard(sv_worker_t *w, sv_inst_t *in);
/* The worker's news of ended instances (sv_worker_t ends): why one ended,
 * added last; the oldest, taken into out (cap bytes; "" when none); and
 * news given back to be the oldest again. */
void sv_pool_end_push(sv_worker_t *w, const char *why);
void sv_pool_end_take(sv_worker_t *w, char *out, size_t cap);
void sv_pool_end_unshift(sv_worker_t *w, const char *why);

/* ---- sv_worker.c: requests, the queue, the loop ---- */

/* Resumes the instances of the ready list on the next loop turn. */
void sv_worker_schedule(sv_worker_t *w);
/* Ends a job (its exchange is settled or there never was one): counts it
 * and writes its access log line. status: what the client got, 0 when the
 * connection was closed instead or the client was gone. */
void sv_job_done(sv_job_t *job, int status);
/* Answers a job's request with status and text, and ends the job. */
void sv_job_fail(sv_job_t *job, int status, const char *text);
/* Dispatches queued requests while instances are there for them. */
void sv_worker_drain_queue(sv_worker_t *w);
/* Opens the worker's listener (the pool is up), or fails the start. */
void sv_worker_listen(sv_worker_t *w);
/* Tells sv_serve how the start went: 1 up, -1 failed. */
void sv_worker_signal_started(sv_worker_t *w, int status);

/* The worker's life: init (on the starting thread), main (its thread),
 * wait_started (until its pool and listener are up: 1, or failed: -1),
 * stop (from any thread: drain and end), free (after the thread ended). */
bool sv_worker_init(sv_worker_t *w, const sv_shared_t *sh, uint32_t index);
void *sv_worker_main(void *arg);
int sv_worker_wait_started(sv_worker_t *w);
void sv_worker_stop(sv_worker_t *w);
void sv_worker_free(sv_worker_t *w);

uint64_t sv_now_ns(void);
void sv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log lines as JSON objects ({"time", "msg"}) from now on; set before any
 * thread starts. */
void sv_log_set_json(bool json);
/* A line of a guest's output (stream "stdout" or "stderr"), control bytes
 * escaped. */
void sv_log_guest(uint64_t instance, const char *stream, const char *line, size_t len);

/* ---- sv_metrics.c: the Prometheus text of every worker's counters ---- */
/* A malloc'd text (free()), *out_len its length; NULL when out of memory. */
char *sv_metrics_render(const sv_shared_t *sh, sv_worker_t *workers, uint32_t n, size_t *out_len);

/* ---- sv_admin.c: the admin listener, on a thread and loop of its own ---- */
typedef struct sv_admin sv_admin_t;
/* Listens on host:port before the workers start (so /readyz can say they
 * are starting); workers[0..n) must be initialised (sv_worker_init) and
 * outlive it. */
wh_rc sv_admin_start(const sv_shared_t *sh, sv_worker_t *workers, uint32_t n, const char *host,
                     int port, sv_admin_t **out, wh_err_t *err);
/* Closes the listener and joins its thread. NULL does nothing. */
void sv_admin_stop(sv_admin_t *a);
/* The worker's side of /instances: its instances as a JSON array. */
void sv_worker_snapshot_cb(uv_async_t *h);

/* ---- sv_accesslog.c: the access log, written by a thread of its own ---- */
wh_rc sv_alog_open(const char *path, sv_alog_t **out, wh_err_t *err);
/* Reopens the file (after logrotate moved it): from any thread. */
void sv_alog_reopen(sv_alog_t *a);
/* Flushes what is pending, closes the file, joins the thread. */
void sv_alog_close(sv_alog_t *a);
/* The worker's side: keeps the access log line of job (ended with status)
 * in w's buffer, handed to the writer when full or by the tick. */
void sv_alog_request(sv_worker_t *w, sv_job_t *job, int status, uint64_t now);
/* Makes job->alog from req, at on_request. */
void sv_alog_begin(sv_job_t *job, hx_req_t *req);
/* Hands w's buffered lines to the writer (never blocks on the file). */
void sv_alog_flush(sv_worker_t *w);

/* ---- sv_guestlog.c: guests' stdout and stderr, a line at a time ---- */
/* The sink given to each instance's WASI context (wasi_ctx_set_output). */
void sv_glog_output(void *inst, int which, const uint8_t *buf, size_t n);
/* Logs a partial last line (the request ended) and the count of dropped
 * lines not yet reported. */
void sv_glog_flush(sv_inst_t *in);
void sv_glog_free(sv_inst_t *in);

/* ---- sv_notify.c: readiness for a service manager (systemd) ---- */
/* READY=1 with a STATUS= line, once every worker serves. */
void sv_notify_ready(const char *status);
/* STOPPING=1, when the drain begins. */
void sv_notify_stopping(void);

#endif
