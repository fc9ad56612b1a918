/*
 * sv.h — `wasmhttpd serve`: worker threads, each with its own libuv loop,
 * HTTP server and instance pool, and the two instance models.
 *
 *   serverless  a fresh instance of the component for every request,
 *               dropped after it; at most `instances` alive per worker.
 *   stateful    `instances` long-lived instances per worker, made (and
 *               their lifecycle init run) before the listener opens; each
 *               serves one request at a time, least recently used first;
 *               recycled after max_requests, idle_timeout or max_memory,
 *               replaced after a trap or a deadline.
 *
 * Requests that find no instance wait in a bounded queue (queue_timeout,
 * then 503). Every request has a deadline (timeout) and fuel: a guest that
 * overruns gets 504, or a closed connection when its response had started.
 * The semantics are specified in docs/semantics.md.
 */
#ifndef SV_H
#define SV_H

#include "wasihttp/hw.h"

typedef enum { SV_MODEL_AUTO, SV_MODEL_SERVERLESS, SV_MODEL_STATEFUL } sv_model;

const char *sv_model_name(sv_model m);
/* The CPUs this process may run on (its affinity mask), at least 1. */
uint32_t sv_cpus(void);

typedef struct {
    const char *host;            /* ["127.0.0.1"] */
    int port;                    /* [8080] */
    sv_model model;              /* [auto] */
    uint32_t workers;            /* threads, each with its own loop and pool;
                                    [0: one per CPU the process may run on] */
    uint32_t instances;          /* per worker [serverless 256, stateful 4] */
    uint32_t queue;              /* requests waiting for an instance, per worker [1024] */
    uint32_t queue_timeout_ms;   /* [10000] then 503 */
    uint32_t timeout_ms;         /* per-request deadline [30000]; 0: none */
    uint32_t time_slice_ms;      /* a guest running longer yields to the worker's
                                    other work, then goes on [5]; 0: never */
    int64_t fuel;                /* per request; negative: unlimited */
    uint64_t max_memory;         /* [512 MiB] linear memory per instance: a hard
                                    cap (serverless); stateful: recycled after a
                                    request that left it past this, hard cap
                                    twice this; 0: no limit */
    uint64_t max_requests;       /* stateful: recycle after this many; 0: never */
    uint32_t idle_timeout_ms;    /* stateful: recycle when idle this long; 0: never */
    uint32_t drain_ms;           /* on SIGTERM: how long in-flight requests may
                                    take [30000]; 0: no limit */
    bool debug_headers;          /* wasmhttpd-instance, -request-seq, -model */
    bool serverless_instantiate; /* serverless: make every instance anew instead
                                    of resetting one to its snapshot [false] */
    bool snapshot_after_init;    /* serverless, a component with init: the
                                    snapshot is taken after init, which then
                                    runs once per instance made [false] */
    const char *admin_host;      /* the admin listener (/metrics, /healthz,
                                    /readyz, /instances); NULL: none */
    int admin_port;
    const char *access_log;  /* one line per request to this file, "-":
                                stdout; NULL: none. SIGUSR1 reopens it */
    uint32_t guest_log_rate; /* guest stdout/stderr lines logged per second
                                per instance [100]; beyond, dropped and
                                counted; 0: all dropped */
    bool log_json;           /* the server's log as one JSON object a line */
    hx_config_t http;
    wasi_config_t wasi;
    const hw_outbound_t *outbound; /* outbound HTTP; NULL: every request denied */
} sv_config_t;

/* The defaults (as in the brackets above; instances 0 = by model). */
void sv_config_defaults(sv_config_t *cfg);

/* The model a component gets: requested, or for AUTO stateful when it
 * exports wasmhttpd:http/lifecycle@0.1.x and serverless otherwise. *why
 * says why, in words, for the startup log and `inspect`. */
sv_model sv_choose_model(const cm_component_t *c, sv_model requested, const char **why);

/* The names of the component's handler and lifecycle exports
 * ("wasi:http/incoming-handler@0.2.0#handle"); false when it has none. */
bool sv_handler_name(const cm_component_t *c, char *out, size_t n);
bool sv_init_name(const cm_component_t *c, char *out, size_t n);

/* Serves c until SIGTERM or SIGINT, then drains and returns WH_OK. Errors
 * (the port is taken, no instance can start, the component is no HTTP
 * handler) return at once with err set. Logs to stderr. */
wh_rc sv_serve(const cm_component_t *c, const char *name, const sv_config_t *cfg, wh_err_t *err);

#endif
