/*
 * cli_serve.c — `wasmhttpd serve COMPONENT [OPTIONS]`: the options, then
 * sv_serve.
 */
#include "cli.h"
#include "serve/sv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *to)
{
    fprintf(to,
            "usage: wasmhttpd serve [OPTIONS] COMPONENT.wasm\n"
            "\n"
            "Serves a wasi:http component (one that exports\n"
            "wasi:http/incoming-handler@0.2.x) over HTTP/1.1 until SIGTERM or SIGINT,\n"
            "then finishes the requests in progress and exits 0.\n"
            "\n"
            "Instance models (docs/semantics.md):\n"
            "  serverless  a fresh instance for every request; nothing survives it\n"
            "  stateful    long-lived instances, each serving one request at a time;\n"
            "              module-level state persists between requests on an instance\n"
            "\n"
            "options (durations: 500ms, 10s, 2m, with their unit; sizes: bytes,\n"
            "or with k, m, g for KiB, MiB, GiB):\n"
            "  --addr HOST:PORT         where to listen [127.0.0.1:8080]\n"
            "  --instance-model M       auto, serverless or stateful [auto: stateful when\n"
            "                           the component exports wasmhttpd:http/lifecycle]\n"
            "  --workers N|auto         worker threads, each with its own event loop and\n"
            "                           instances [auto: one per CPU it may run on]\n"
            "  --instances N            per worker: instances alive at once (serverless)\n"
            "                           [256], or the pool size (stateful) [4]\n"
            "  --queue N                per worker: requests waiting for an instance [1024]\n"
            "  --queue-timeout D        longest wait for an instance, then 503 [10s]\n"
            "  --timeout D              per-request deadline, then 504 (or a closed\n"
            "                           connection if the response started) [30s]; 0: none\n"
            "  --fuel N                 per-request fuel (loop iterations and calls)\n"
            "  --time-slice D           a guest running longer lets the worker serve\n"
            "                           other requests, then goes on [5ms]; 0: never\n"
            "  --max-memory SIZE        linear memory per instance [512m]: a hard limit\n"
            "                           (serverless); stateful instances past it are\n"
            "                           recycled after their request (hard limit: twice\n"
            "                           it); 0: no limit\n"
            "  --max-requests N         stateful: recycle an instance after N requests\n"
            "  --idle-timeout D         stateful: recycle an instance idle this long\n"
            "  --drain-timeout D        on SIGTERM, how long requests may still take [30s]\n"
            "  --debug-headers          add wasmhttpd-instance, wasmhttpd-request-seq and\n"
            "                           wasmhttpd-model to every response\n"
            "  --serverless-fresh HOW   how a request gets its fresh instance: reset (an\n"
            "                           instance brought back to its snapshot) or\n"
            "                           instantiate (made anew, slower) [reset]\n"
            "  --snapshot-after-init    serverless, a component with init: every request\n"
            "                           starts from the state after init, which runs\n"
            "                           once per instance made (docs/semantics.md 4.7)\n"
            "  --max-header-size SIZE   request line and headers, then 431 [16k]\n"
            "  --max-body-size SIZE     request body, then 413 [16m]\n"
            "  --header-timeout D       to receive a request's headers, then 408 [10s]\n"
            "  --body-timeout D         longest pause inside a request body [30s]\n"
            "  --keepalive-timeout D    idle keep-alive connections are closed [60s]\n"
            "  --max-connections N      per worker, then 503 [10000]\n"
            "  --admin HOST:PORT        serve /metrics (Prometheus), /healthz, /readyz and\n"
            "                           /instances there, on a listener of its own [off]\n"
            "  --access-log FILE|-      one line per request (combined log format, then\n"
            "                           instance id, request sequence, model, seconds);\n"
            "                           -: stdout; SIGUSR1 reopens FILE [off]\n"
            "  --log-format text|json   the server's own log lines on stderr [text]\n"
            "  --guest-log-rate N       guest stdout/stderr lines logged per second per\n"
            "                           instance, the rest dropped and counted [100];\n"
            "                           0: all dropped\n"
            "  --h2-max-streams N       HTTP/2: requests one connection may have at\n"
            "                           once; more are refused (REFUSED_STREAM) [100]\n"
            "  --tls-cert FILE          serve HTTPS (TLS 1.2, 1.3) with this PEM\n"
            "                           certificate and its chain; needs --tls-key;\n"
            "                           SIGHUP reloads both files. ALPN offers h2,\n"
            "                           then http/1.1; in cleartext, HTTP/2 (prior\n"
            "                           knowledge, Upgrade: h2c) beside HTTP/1.1\n"
            "  --tls-key FILE           the PEM private key of --tls-cert\n"
            "  --dir HOST[::GUEST]      a read-only directory for the guest; repeatable\n"
            "  --dir-rw HOST[::GUEST]   a writable one\n"
            "  --env KEY=VALUE          an environment variable (--env KEY: the host's)\n"
            "  --allow-connect HOST:PORT  outbound TCP the guest may open (* for any)\n"
            "  -h, --help               this text\n"
            "\n"
            "%s"
            "\n"
            "exit status: 0 after a drain; 1 when serving failed (port taken, no\n"
            "instance could start); 2 bad usage; 3 unreadable file (the component, a\n"
            "TLS certificate or key, or a key that does not match); 4 invalid component;\n"
            "5 unsatisfied imports (named); 6 not an HTTP handler\n",
            cli_outbound_help);
}

/* HOST:PORT into host (static storage: one buffer per option) and port. */
static bool parse_hostport(const char *s, char *host, size_t hostsz, const char **out_host,
                           int *out_port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= hostsz)
        return false;
    const char *h = s;
    size_t hl = (size_t)(colon - s);
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') { /* [::1]:8080 */
        h++;
        hl -= 2;
    }
    memcpy(host, h, hl);
    host[hl] = 0;
    uint64_t port;
    if (!cli_parse_count(colon + 1, 65535, &port))
        return false;
    *out_host = host;
    *out_port = (int)port;
    return true;
}

static bool parse_addr(const char *s, sv_config_t *cfg)
{
    static char host[64];
    return parse_hostport(s, host, sizeof host, &cfg->host, &cfg->port);
}

static bool parse_admin(const char *s, sv_config_t *cfg)
{
    static char host[64];
    return parse_hostport(s, host, sizeof host, &cfg->admin_host, &cfg->admin_port);
}

int cli_serve_main(int argc, char **argv)
{
    sv_config_t cfg;
    sv_config_defaults(&cfg);
    cli_run_opts_t o = {.fuel = -1};
    o.dirs = calloc((size_t)argc, sizeof *o.dirs);
    o.dirs_rw = calloc((size_t)argc, sizeof *o.dirs_rw);
    o.envs = calloc((size_t)argc, sizeof *o.envs);
    o.allow = calloc((size_t)argc, sizeof *o.allow);
    const char *file = NULL, *tls_cert = NULL, *tls_key = NULL;
    hx_tls_t *tls = NULL;
    int status = CLI_EXIT_USAGE;
    cli_wasi_t wasi = {0};
    cli_outbound_t ob;
    bool ob_ok = cli_outbound_init(&ob, argc);
    cm_component_t *c = NULL;
    uint8_t *bytes = NULL;
    if (!o.dirs || !o.dirs_rw || !o.envs || !o.allow || !ob_ok) {
        fprintf(stderr, "error: out of memory\n");
        goto done;
    }
    const struct {
        const char *name;
        uint32_t *ms;
    } durations[] = {
        {"--queue-timeout", &cfg.queue_timeout_ms}, {"--timeout", &cfg.timeout_ms},
        {"--time-slice", &cfg.time_slice_ms},       {"--idle-timeout", &cfg.idle_timeout_ms},
        {"--drain-timeout", &cfg.drain_ms},         {"--header-timeout", &cfg.http.header_timeout},
        {"--body-timeout", &cfg.http.body_timeout}, {"--keepalive-timeout", &cfg.http.idle_timeout},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            status = CLI_EXIT_OK;
            goto done;
        }
        if (!strcmp(a, "--debug-headers")) {
            cfg.debug_headers = true;
            continue;
        }
        if (!strcmp(a, "--snapshot-after-init")) {
            cfg.snapshot_after_init = true;
            continue;
        }
        if (cli_outbound_is_flag(a)) {
            cli_outbound_opt(&ob, a, NULL);
            continue;
        }
        if (a[0] != '-') {
            if (file) {
                fprintf(stderr, "error: one component only (\"%s\" and \"%s\")\n", file, a);
                goto done;
            }
            file = a;
            continue;
        }
        char opt[40];
        const char *val;
        const char *eq = strchr(a, '=');
        if (eq && (size_t)(eq - a) < sizeof opt) {
            memcpy(opt, a, (size_t)(eq - a));
            opt[eq - a] = 0;
            val = eq + 1;
        } else {
            snprintf(opt, sizeof opt, "%s", a);
            if (i + 1 >= argc) {
                fprintf(stderr, "error: %s needs a value (see --help)\n", a);
                goto done;
            }
            val = argv[++i];
        }
        uint64_t n;
        bool ok = true, duration = false;
        int known = cli_outbound_opt(&ob, opt, val);
        if (known < 0)
            goto done;
        if (known > 0)
            continue;
        for (size_t k = 0; k < WH_ARRAY_LEN(durations); k++)
            if (!strcmp(opt, durations[k].name)) {
                if (!cli_duration_opt(opt, val, durations[k].ms))
                    goto done;
                duration = true;
            }
        if (duration)
            continue;
        if (!strcmp(opt, "--addr"))
            ok = parse_addr(val, &cfg);
        else if (!strcmp(opt, "--admin"))
            ok = parse_admin(val, &cfg);
        else if (!strcmp(opt, "--access-log"))
            ok = val[0] && ((cfg.access_log = val), true);
        else if (!strcmp(opt, "--guest-log-rate"))
            ok = cli_parse_count(val, 1000000, &n) && ((cfg.guest_log_rate = (uint32_t)n), true);
        else if (!strcmp(opt, "--log-format")) {
            if (!strcmp(val, "text") || !strcmp(val, "json"))
                cfg.log_json = !strcmp(val, "json");
            else
                ok = false;
        } else if (!strcmp(opt, "--instance-model")) {
            if (!strcmp(val, "auto"))
                cfg.model = SV_MODEL_AUTO;
            else if (!strcmp(val, "serverless"))
                cfg.model = SV_MODEL_SERVERLESS;
            else if (!strcmp(val, "stateful"))
                cfg.model = SV_MODEL_STATEFUL;
            else
                ok = false;
        } else if (!strcmp(opt, "--workers") && !strcmp(val, "auto"))
            cfg.workers = 0;
        else if (!strcmp(opt, "--workers"))
            ok = cli_parse_count(val, 1024, &n) && n > 0 && ((cfg.workers = (uint32_t)n), true);
        else if (!strcmp(opt, "--instances"))
            ok =
                cli_parse_count(val, 1000000, &n) && n > 0 && ((cfg.instances = (uint32_t)n), true);
        else if (!strcmp(opt, "--queue"))
            ok = cli_parse_count(val, UINT32_MAX, &n) && ((cfg.queue = (uint32_t)n), true);
        else if (!strcmp(opt, "--fuel"))
            ok = cli_parse_count(val, INT64_MAX, &n) && ((cfg.fuel = (int64_t)n), true);
        else if (!strcmp(opt, "--serverless-fresh")) {
            if (!strcmp(val, "reset") || !strcmp(val, "instantiate"))
                cfg.serverless_instantiate = !strcmp(val, "instantiate");
            else
                ok = false;
        } else if (!strcmp(opt, "--max-memory"))
            ok = cli_parse_size(val, &cfg.max_memory);
        else if (!strcmp(opt, "--max-requests"))
            ok = cli_parse_count(val, UINT64_MAX, &cfg.max_requests);
        else if (!strcmp(opt, "--max-header-size"))
            ok = cli_parse_size(val, &n) && n <= UINT32_MAX &&
                 ((cfg.http.max_header_bytes = (uint32_t)n), true);
        else if (!strcmp(opt, "--max-body-size"))
            ok = cli_parse_size(val, &cfg.http.max_body_bytes);
        else if (!strcmp(opt, "--max-connections"))
            ok = cli_parse_count(val, UINT32_MAX, &n) &&
                 ((cfg.http.max_connections = (uint32_t)n), true);
        else if (!strcmp(opt, "--h2-max-streams"))
            ok = cli_parse_count(val, 1u << 20, &n) && n > 0 &&
                 ((cfg.http.h2_max_streams = (uint32_t)n), true);
        else if (!strcmp(opt, "--dir") || !strcmp(opt, "--dir-rw")) {
            o.dirs_rw[o.ndirs] = !strcmp(opt, "--dir-rw");
            o.dirs[o.ndirs++] = val;
        } else if (!strcmp(opt, "--env"))
            o.envs[o.nenvs++] = val;
        else if (!strcmp(opt, "--allow-connect"))
            o.allow[o.nallow++] = val;
        else if (!strcmp(opt, "--tls-cert"))
            tls_cert = val;
        else if (!strcmp(opt, "--tls-key"))
            tls_key = val;
        else {
            fprintf(stderr, "error: unknown option '%s' (see --help)\n", opt);
            goto done;
        }
        if (!ok) {
            fprintf(stderr, "error: %s: bad value \"%s\" (see --help)\n", opt, val);
            goto done;
        }
    }
    if (!file) {
        fprintf(stderr, "error: no component given\nusage: wasmhttpd serve [OPTIONS] "
                        "COMPONENT.wasm (see --help)\n");
        goto done;
    }
    if (!tls_cert != !tls_key) {
        fprintf(stderr, "error: %s needs %s too: a certificate and its key (see --help)\n",
                tls_cert ? "--tls-cert" : "--tls-key", tls_cert ? "--tls-key" : "--tls-cert");
        goto done;
    }
    if ((status = cli_wasi_setup(&wasi, file, &o, 0, NULL)))
        goto done;
    wh_err_t terr = {0};
    if (tls_cert && hx_tls_new(tls_cert, tls_key, &tls, &terr)) {
        fprintf(stderr, "error: %s\n", terr.msg);
        status = CLI_EXIT_FILE;
        goto done;
    }
    cfg.http.tls = tls;
    cfg.wasi = wasi.cfg;
    cfg.wasi.stdin_fd = -1; /* requests have bodies; a server's stdin is nobody's */
    if ((status = cli_outbound_setup(&ob)))
        goto done;
    cfg.outbound = ob.ob;

    size_t len;
    wh_err_t err = {0};
    if (wh_read_file(file, &bytes, &len, &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        status = CLI_EXIT_FILE;
        goto done;
    }
    wh_rc rc = cm_component_load(bytes, len, &c, &err);
    if (rc) {
        fprintf(stderr, "error: %s: %s\n", file, err.msg[0] ? err.msg : wh_rc_name(rc));
        status = CLI_EXIT_MODULE;
        goto done;
    }
    rc = sv_serve(c, file, &cfg, &err);
    if (rc) {
        fprintf(stderr, "error: %s\n", err.msg[0] ? err.msg : wh_rc_name(rc));
        status = rc == WH_UNLINKABLE ? CLI_EXIT_LINK
                 : rc == WH_NOTFOUND ? CLI_EXIT_EXPORT
                                     : CLI_EXIT_TRAP;
    } else {
        status = CLI_EXIT_OK;
    }
done:
    hx_tls_free(tls); /* the workers are gone */
    cm_component_free(c);
    wh_free(bytes);
    cli_wasi_free(&wasi);
    cli_outbound_free(&ob);
    free(o.dirs);
    free(o.dirs_rw);
    free(o.envs);
    free(o.allow);
    return status;
}
