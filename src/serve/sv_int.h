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
    /* Connections refused, and pauses of accepting, for want of file
     * descriptors: the workers' counts summed until the next log line, which
     * goes out at most once a second for the whole process (fd_logged_ns). */
    atomic_uint_fast64_t fd_refused, fd_pauses, fd_logged_ns;
} sv_shared_t;

/* One request. */
struct sv_job {
    sv_worker_t *w;
    hx_req_t *req;     /* until an exchange takes it; NULL if the client left first */
    hw_exchange_t *ex; /* while a guest handles it (it has req's events) */
    sv_inst_t *inst;
    uint64_t start_ns;    /* queued at, then dispatched at */
    uint64_t deadline_ns; /* queue timeout, then request deadline; 0: none */
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
    sv_inst_t *prev, *next;    /* idle list (most recently used first) */
    sv_inst_t *rnext;          /* ready list */
};

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

/* ---- sv_worker.c: requests, the queue, the loop ---- */

/* Resumes the instances of the ready list on the next loop turn. */
void sv_worker_schedule(sv_worker_t *w);
/* Ends a job (its exchange is settled or there never was one). */
void sv_job_done(sv_job_t *job);
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

#endif
