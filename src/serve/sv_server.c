/*
 * sv_server.c — `serve` as a whole: choosing the model, checking that the
 * component can serve, the process's limit on open files, starting the
 * workers and the watchdog, and draining on SIGTERM or SIGINT.
 */
#define _GNU_SOURCE /* sched_getaffinity */
#include "sv_int.h"

#include <dirent.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

uint32_t sv_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0)
            return n > 1024 ? 1024 : (uint32_t)n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n <= 1024 ? (uint32_t)n : 1;
}

const char *sv_model_name(sv_model m)
{
    return m == SV_MODEL_STATEFUL ? "stateful" : m == SV_MODEL_SERVERLESS ? "serverless" : "auto";
}

void sv_config_defaults(sv_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->host = "127.0.0.1";
    cfg->port = 8080;
    cfg->workers = 0; /* one per CPU this process may run on */
    cfg->queue = 1024;
    cfg->queue_timeout_ms = 10000;
    cfg->timeout_ms = 30000;
    cfg->time_slice_ms = 5;
    cfg->fuel = -1;
    cfg->max_memory = 512u << 20;
    cfg->drain_ms = 30000;
    cfg->guest_log_rate = 100;
    hx_config_defaults(&cfg->http);
    wasi_config_init(&cfg->wasi);
}

/* An export "PREFIX<minor>.<patch>…" that is an instance; its name. */
static const char *find_export(const cm_component_t *c, const char *prefix)
{
    for (uint32_t i = 0; i < cm_component_export_count(c); i++) {
        cm_externdesc_t d;
        if (cm_component_export(c, i, &d) && d.kind == CM_EXTERN_INSTANCE &&
            !strncmp(d.name, prefix, strlen(prefix)))
            return d.name;
    }
    return NULL;
}

bool sv_handler_name(const cm_component_t *c, char *out, size_t n)
{
    const char *e = find_export(c, "wasi:http/incoming-handler@0.2.");
    return e && (size_t)snprintf(out, n, "%s#handle", e) < n;
}

bool sv_init_name(const cm_component_t *c, char *out, size_t n)
{
    const char *e = find_export(c, "wasmhttpd:http/lifecycle@0.1.");
    return e && (size_t)snprintf(out, n, "%s#init", e) < n;
}

sv_model sv_choose_model(const cm_component_t *c, sv_model requested, const char **why)
{
    char name[160];
    bool lifecycle = sv_init_name(c, name, sizeof name);
    if (requested == SV_MODEL_STATEFUL) {
        *why = lifecycle ? "--instance-model stateful"
                         : "--instance-model stateful, although the component does not export "
                           "wasmhttpd:http/lifecycle: its instances are reused all the same";
        return SV_MODEL_STATEFUL;
    }
    if (requested == SV_MODEL_SERVERLESS) {
        *why = lifecycle ? "--instance-model serverless: init runs on every fresh instance"
                         : "--instance-model serverless";
        return SV_MODEL_SERVERLESS;
    }
    *why = lifecycle ? "auto: the component exports wasmhttpd:http/lifecycle@0.1"
                     : "auto: the component does not export wasmhttpd:http/lifecycle";
    return lifecycle ? SV_MODEL_STATEFUL : SV_MODEL_SERVERLESS;
}

/* ---- the watchdog: interrupts guests that run past their deadline ---- */

typedef struct {
    sv_worker_t *workers;
    uint32_t n;
    uint32_t period_us; /* how late a guest is stopped or made to yield */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
} watchdog_t;

static void *watch(void *arg)
{
    watchdog_t *wd = arg;
    pthread_mutex_lock(&wd->mu);
    while (!wd->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)wd->period_us * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&wd->cv, &wd->mu, &until);
        uint64_t now = sv_now_ns();
        for (uint32_t i = 0; i < wd->n; i++) {
            sv_worker_t *w = &wd->workers[i];
            pthread_mutex_lock(&w->mu);
            if (w->running_store && w->running_deadline && now >= w->running_deadline)
                wm_store_interrupt(w->running_store);
            else if (w->running_store && w->running_slice_end && now >= w->running_slice_end)
                wm_store_yield(w->running_store);
            pthread_mutex_unlock(&w->mu);
        }
    }
    pthread_mutex_unlock(&wd->mu);
    return NULL;
}

/* ---- open files ---- */

/* Every connection holds a descriptor, and the usual soft limit (1024) is
 * far below what a server may hold: the soft limit goes up to the hard one
 * (for an unlimited hard limit, to the kernel's fs.nr_open, the most
 * setrlimit takes). Returns the limit now and, in *out_before, the one
 * before; 0 for both when the limit cannot be read. */
static uint64_t raise_nofile(uint64_t *out_before)
{
    struct rlimit rl;
    *out_before = 0;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    *out_before = rl.rlim_cur;
    if (rl.rlim_cur == rl.rlim_max)
        return rl.rlim_cur;
    struct rlimit want = {rl.rlim_max, rl.rlim_max};
    if (want.rlim_cur == RLIM_INFINITY) {
        FILE *f = fopen("/proc/sys/fs/nr_open", "r");
        unsigned long long n = 0;
        if (f && fscanf(f, "%llu", &n) == 1 && n > rl.rlim_cur)
            want.rlim_cur = (rlim_t)n;
        else
            want.rlim_cur = rl.rlim_cur;
        if (f)
            fclose(f);
    }
    if (want.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &want) == 0)
        return want.rlim_cur;
    return rl.rlim_cur;
}

/* Descriptors open now (Linux: /proc/self/fd); 0 when unknown. */
static uint64_t fds_in_use(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 0;
    uint64_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n ? n - 1 : 0; /* not the directory's own */
}

/* The startup line on descriptors: the limit, and how many connections fit
 * under it (every worker's listener, loop and reserve descriptor are open
 * by now; outbound requests and guests' files take from the same room). */
static void log_nofile(uint64_t limit, uint64_t before, const sv_config_t *cfg)
{
    uint64_t used = fds_in_use(), cap = (uint64_t)cfg->workers * cfg->http.max_connections;
    char lim[48], raised[64] = "";
    if (limit == (uint64_t)RLIM_INFINITY)
        snprintf(lim, sizeof lim, "unlimited");
    else
        snprintf(lim, sizeof lim, "%" PRIu64, limit);
    if (before != limit)
        snprintf(raised, sizeof raised, " (raised from %" PRIu64 ")", before);
    if (!limit) {
        sv_log("open files: the limit is unknown (getrlimit failed)");
    } else if (limit == (uint64_t)RLIM_INFINITY || !used || used >= limit) {
        sv_log("open files: limit %s%s", lim, raised);
    } else {
        uint64_t room = limit - used;
        sv_log("open files: limit %s%s, %" PRIu64 " in use: room for about %" PRIu64
               " connections%s (%u per worker, %" PRIu64 " in all)",
               lim, raised, used, room,
               room < cap ? ", fewer than --max-connections allows" : "; --max-connections",
               cfg->http.max_connections, cap);
    }
}

/* ---- signals ---- */

typedef struct {
    sv_worker_t *workers;
    uint32_t n;
    hx_tls_t *tls;
    sv_shared_t *sh;
    uv_signal_t term, intr, hup, usr1;
    int signals;
} sigs_t;

static void on_signal(uv_signal_t *h, int signum)
{
    sigs_t *s = h->data;
    if (s->signals++ == 0) {
        atomic_store(&s->sh->draining, true);
        sv_log("%s: draining (finishing the requests in progress, refusing new ones)",
               signum == SIGTERM ? "SIGTERM" : "SIGINT");
        sv_notify_stopping();
        for (uint32_t i = 0; i < s->n; i++)
            sv_worker_stop(&s->workers[i]);
    }
    uv_close((uv_handle_t *)&s->term, NULL);
    uv_close((uv_handle_t *)&s->intr, NULL);
    uv_close((uv_handle_t *)&s->hup, NULL);
    uv_close((uv_handle_t *)&s->usr1, NULL);
}

/* SIGUSR1: the access log is reopened (logrotate moved it). */
static void on_usr1(uv_signal_t *h, int signum)
{
    sigs_t *s = h->data;
    if (s->sh->alog)
        sv_alog_reopen(s->sh->alog);
    else
        sv_log("SIGUSR1: nothing to reopen (no --access-log to a file)");
}

/* SIGHUP: the TLS certificate and key are read again, for the connections
 * accepted from now on; open connections keep theirs. */
static void on_hup(uv_signal_t *h, int signum)
{
    sigs_t *s = h->data;
    wh_err_t err = {0};
    if (!s->tls)
        sv_log("SIGHUP: nothing to reload (no --tls-cert)");
    else if (hx_tls_reload(s->tls, &err))
        sv_log("SIGHUP: the TLS certificate was not reloaded, the one in use stays: %s", err.msg);
    else
        sv_log("SIGHUP: TLS certificate and key reloaded; new connections get them");
}

/* ---- serve ---- */

static wh_rc check_instantiate(const sv_shared_t *sh, wh_err_t *err)
{
    uv_loop_t loop;
    if (uv_loop_init(&loop))
        return wh_err(err, WH_IO, -1, "cannot start an event loop");
    wasi_ctx_t *ctx = wasi_ctx_new(&sh->cfg->wasi, &loop);
    cm_instance_t *inst = NULL;
    cm_config_t cc = {.fuel = -1, .user = ctx};
    wh_rc rc = ctx ? cm_instantiate(sh->comp, sh->linker, &cc, &inst, err)
                   : wh_err(err, WH_NOMEM, -1, "out of memory");
    cm_instance_free(inst);
    wasi_ctx_free(ctx);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return rc;
}

/* Every import the host lacks, each named in the log, at once: a
 * component made for another host's world lacks several (Spin's SDKs
 * import Spin's own interfaces), and one at a time would take as many
 * tries. Instantiation (check_instantiate) has the final word. */
static wh_rc check_imports(const cm_component_t *c, const cm_linker_t *l, wh_err_t *err)
{
    uint32_t missing = 0;
    bool spin = false;
    for (uint32_t i = 0; i < cm_component_import_count(c); i++) {
        cm_externdesc_t d;
        char why[256];
        if (!cm_component_import(c, i, &d) || cm_linker_provides(l, c, i, why, sizeof why))
            continue;
        sv_log("import not provided by this host: %s (%s)", d.name, why);
        spin |= !strncmp(d.name, "fermyon:spin/", 13) || !strncmp(d.name, "spin:", 5);
        missing++;
    }
    if (!missing)
        return WH_OK;
    return wh_err(err, WH_UNLINKABLE, -1,
                  "%" PRIu32 " import%s not provided by this host, each named above%s", missing,
                  missing == 1 ? "" : "s",
                  spin ? "; fermyon:spin/* and spin:* are Spin's own, from a Spin SDK's world: "
                         "wasmhttpd serves the wasi:http/proxy world (docs/compat.md)"
                       : "");
}

wh_rc sv_serve(const cm_component_t *c, const char *name, const sv_config_t *cfg_in, wh_err_t *err)
{
    sv_config_t cfg = *cfg_in;
    sv_shared_t sh = {.comp = c, .name = name, .cfg = &cfg};
    uint64_t nofile_before, nofile = raise_nofile(&nofile_before);
    const char *why;
    sh.model = sv_choose_model(c, cfg.model, &why);
    if (!cfg.instances)
        cfg.instances = sh.model == SV_MODEL_STATEFUL ? 4 : 256;
    bool auto_workers = !cfg.workers;
    if (auto_workers)
        cfg.workers = sv_cpus();
    if (!sv_handler_name(c, sh.handle_name, sizeof sh.handle_name))
        return wh_err(err, WH_NOTFOUND, -1,
                      "%s does not export wasi:http/incoming-handler@0.2.x, so it is not an "
                      "HTTP handler (see `wasmhttpd inspect %s`)",
                      name, name);
    sh.has_init = sv_init_name(c, sh.init_name, sizeof sh.init_name);
    atomic_init(&sh.next_id, 0);
    atomic_init(&sh.fd_refused, 0);
    atomic_init(&sh.fd_pauses, 0);
    atomic_init(&sh.fd_logged_ns, 0);
    atomic_init(&sh.ready, false);
    atomic_init(&sh.draining, false);
    sv_log_set_json(cfg.log_json);

    wh_rc rc;
    if (!(sh.linker = cm_linker_new()))
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    if ((rc = wasi_link(sh.linker, err)) || (rc = hw_link(sh.linker, err)) ||
        (rc = check_imports(c, sh.linker, err)) || (rc = check_instantiate(&sh, err)) ||
        (rc = cm_prepare(c, sh.linker, &sh.prepared, err))) {
        cm_linker_free(sh.linker);
        return rc;
    }
    signal(SIGPIPE, SIG_IGN);

    sv_worker_t *workers = wh_calloc(cfg.workers, sizeof *workers);
    if (!workers || (cfg.access_log && (rc = sv_alog_open(cfg.access_log, &sh.alog, err)))) {
        wh_free(workers);
        cm_linker_free(sh.linker);
        return workers ? rc : wh_err(err, WH_NOMEM, -1, "out of memory");
    }
    uint32_t inited = 0, started = 0;
    rc = WH_OK;
    for (uint32_t i = 0; i < cfg.workers && !rc; i++) {
        if (!sv_worker_init(&workers[i], &sh, i))
            rc = wh_err(err, WH_IO, -1, "cannot start worker %u", i);
        else
            inited++;
    }
    /* The admin listener opens before the workers start, so that /readyz
     * can say they are starting (stateful pools running init). */
    sv_admin_t *admin = NULL;
    if (!rc && cfg.admin_host)
        rc = sv_admin_start(&sh, workers, cfg.workers, cfg.admin_host, cfg.admin_port, &admin, err);
    for (uint32_t i = 0; i < inited && !rc; i++) {
        if (pthread_create(&workers[i].thread, NULL, sv_worker_main, &workers[i])) {
            rc = wh_err(err, WH_IO, -1, "cannot start worker %u", i);
            break;
        }
        started++;
    }
    /* Wait for every worker, so that each is either up or gone. */
    for (uint32_t i = 0; i < started; i++)
        if (sv_worker_wait_started(&workers[i]) < 0 && !rc) {
            *err = workers[i].start_err;
            rc = WH_IO;
        }

    /* 5 ms, or half a time slice when that is shorter (1 ms at least) */
    uint32_t period_us = 5000;
    if (cfg.time_slice_ms && cfg.time_slice_ms * 500u < period_us)
        period_us = cfg.time_slice_ms * 500u < 1000 ? 1000 : cfg.time_slice_ms * 500u;
    watchdog_t wd = {.workers = workers, .n = started, .period_us = period_us};
    pthread_t wd_thread;
    pthread_mutex_init(&wd.mu, NULL);
    pthread_cond_init(&wd.cv, NULL);
    bool wd_ok = pthread_create(&wd_thread, NULL, watch, &wd) == 0;

    if (!rc) {
        atomic_store(&sh.ready, true);
        sv_log("serving %s on %s://%s:%d/ (model %s; %s; %u worker%s, %u instance%s per "
               "worker)",
               name, cfg.http.tls ? "https" : "http", cfg.host, sh.port, sv_model_name(sh.model),
               why, cfg.workers, cfg.workers == 1 ? "" : "s", cfg.instances,
               cfg.instances == 1 ? "" : "s");
        if (auto_workers)
            sv_log("%u worker%s: one per CPU this process may run on (--workers to choose)",
                   cfg.workers, cfg.workers == 1 ? "" : "s");
        if (cfg.snapshot_after_init &&
            (sh.model != SV_MODEL_SERVERLESS || !sh.has_init || cfg.serverless_instantiate))
            sv_log("--snapshot-after-init has no effect: it applies to the serverless model, "
                   "with instances reset (not made anew), of a component that exports init");
        else if (cfg.snapshot_after_init)
            sv_log("serverless requests start from the state after init (--snapshot-after-init)");
        log_nofile(nofile, nofile_before, &cfg);
        if (cfg.outbound) {
            char dests[512];
            hw_outbound_describe(hw_outbound_config(cfg.outbound), dests, sizeof dests);
            sv_log("outbound HTTP: %s", dests);
        }
        uv_loop_t loop;
        uv_loop_init(&loop);
        if (admin)
            sv_log("admin listener on http://%s:%d/ (/metrics, /healthz, /readyz, /instances)",
                   cfg.admin_host, cfg.admin_port);
        if (cfg.access_log)
            sv_log("access log: %s%s", strcmp(cfg.access_log, "-") ? cfg.access_log : "stdout",
                   strcmp(cfg.access_log, "-") ? " (SIGUSR1 reopens it)" : "");
        sigs_t sg = {.workers = workers, .n = started, .tls = cfg.http.tls, .sh = &sh};
        uv_signal_init(&loop, &sg.term);
        uv_signal_init(&loop, &sg.intr);
        uv_signal_init(&loop, &sg.hup);
        uv_signal_init(&loop, &sg.usr1);
        sg.term.data = sg.intr.data = sg.hup.data = sg.usr1.data = &sg;
        uv_signal_start(&sg.term, on_signal, SIGTERM);
        uv_signal_start(&sg.intr, on_signal, SIGINT);
        uv_signal_start(&sg.hup, on_hup, SIGHUP);
        uv_signal_start(&sg.usr1, on_usr1, SIGUSR1);
        /* Ready only now: a SIGTERM right after it must find the handlers. */
        char status[160];
        snprintf(status, sizeof status, "serving on %s://%s:%d/ (model %s, %u workers)",
                 cfg.http.tls ? "https" : "http", cfg.host, cfg.port, sv_model_name(sh.model),
                 cfg.workers);
        sv_notify_ready(status);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
    } else {
        for (uint32_t i = 0; i < started; i++)
            if (workers[i].start_status > 0)
                sv_worker_stop(&workers[i]);
    }
    for (uint32_t i = 0; i < started; i++)
        pthread_join(workers[i].thread, NULL);
    if (wd_ok) {
        pthread_mutex_lock(&wd.mu);
        wd.stop = true;
        pthread_cond_signal(&wd.cv);
        pthread_mutex_unlock(&wd.mu);
        pthread_join(wd_thread, NULL);
    }
    /* the admin thread reads the workers: it goes before them */
    sv_admin_stop(admin);
    for (uint32_t i = 0; i < inited; i++)
        sv_worker_free(&workers[i]);
    wh_free(workers);
    sv_alog_close(sh.alog); /* after the workers, which flushed into it */
    cm_prepared_free(sh.prepared);
    cm_linker_free(sh.linker);
    if (!rc)
        sv_log("stopped");
    return rc;
}
