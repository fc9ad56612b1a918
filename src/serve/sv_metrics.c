/*
 * sv_metrics.c — the metrics of `serve` in the Prometheus text exposition
 * format (version 0.0.4): each worker's counters (sv_metrics_t, written by
 * that worker alone) summed over the workers when scraped. Names carry their
 * unit, counters end in _total, and every label has a fixed, small set of
 * values (docs/observability.md lists them all).
 */
#include "sv_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds of the histogram buckets, in seconds and in ns: from 100 µs
 * (a small request on a warm instance) to 10 s (near the default deadline). */
static const char *const bound_text[SV_HIST_BOUNDS] = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05",   "0.1",     "0.25",   "0.5",   "1",      "2.5",   "5",    "10"};
static const uint64_t bound_ns[SV_HIST_BOUNDS] = {
    100000,   250000,    500000,    1000000,   2500000,    5000000,    10000000,   25000000,
    50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000};

void sv_hist_observe(sv_hist_t *h, uint64_t ns)
{
    size_t i = 0;
    while (i < SV_HIST_BOUNDS && ns > bound_ns[i])
        i++;
    sv_count(&h->n[i], 1);
    sv_count(&h->sum_ns, ns);
}

sv_trap_kind sv_trap_kind_of(wh_rc rc, const char *msg)
{
    if (rc == WH_OUT_OF_FUEL)
        return SV_TRAP_FUEL_EXHAUSTED;
    if (rc == WH_EXHAUSTED)
        return SV_TRAP_STACK_EXHAUSTED;
    if (!msg)
        return SV_TRAP_OTHER;
    /* the messages are the spec's trap texts (STYLE.md, Errors) */
    static const struct {
        const char *text;
        sv_trap_kind kind;
    } texts[] = {
        {"unreachable", SV_TRAP_UNREACHABLE},
        {"out of bounds", SV_TRAP_OUT_OF_BOUNDS},
        {"divide by zero", SV_TRAP_ARITHMETIC},
        {"integer overflow", SV_TRAP_ARITHMETIC},
        {"invalid conversion", SV_TRAP_ARITHMETIC},
        {"indirect call", SV_TRAP_INDIRECT_CALL},
        {"undefined element", SV_TRAP_INDIRECT_CALL},
        {"uninitialized element", SV_TRAP_INDIRECT_CALL},
        {"call stack exhausted", SV_TRAP_STACK_EXHAUSTED},
        {"out of fuel", SV_TRAP_FUEL_EXHAUSTED},
    };
    if (!strcmp(msg, "exit"))
        return SV_TRAP_EXIT;
    for (size_t i = 0; i < WH_ARRAY_LEN(texts); i++)
        if (strstr(msg, texts[i].text))
            return texts[i].kind;
    return SV_TRAP_OTHER;
}

static const char *const recycle_names[SV_RECYCLE_N] = {
    "max_requests", "idle", "memory", "trap", "deadline", "init_failure", "no_response"};
static const char *const trap_names[SV_TRAP_N] = {
    "unreachable",     "out_of_bounds",  "arithmetic", "indirect_call",
    "stack_exhausted", "fuel_exhausted", "exit",       "other"};
static const char *const class_names[6] = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};

/* The sum of one counter over the workers: off is its offset in
 * sv_metrics_t. */
static uint64_t sum(sv_worker_t *ws, uint32_t n, size_t off)
{
    uint64_t t = 0;
    for (uint32_t i = 0; i < n; i++)
        t += atomic_load_explicit((sv_ctr_t *)((char *)&ws[i].m + off), memory_order_relaxed);
    return t;
}

#define SUM(field) sum(ws, n, offsetof(sv_metrics_t, field))

static void head(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
    head(f, name, type, help);
    fprintf(f, "%s %" PRIu64 "\n", name, v);
}

static void hist(FILE *f, sv_worker_t *ws, uint32_t n, size_t off, const char *name,
                 const char *help, const char *labels)
{
    head(f, name, "histogram", help);
    uint64_t cum = 0;
    const char *sep = labels[0] ? "," : "";
    for (size_t b = 0; b <= SV_HIST_BOUNDS; b++) {
        cum += sum(ws, n, off + offsetof(sv_hist_t, n) + b * sizeof(sv_ctr_t));
        fprintf(f, "%s_bucket{%s%sle=\"%s\"} %" PRIu64 "\n", name, labels, sep,
                b < SV_HIST_BOUNDS ? bound_text[b] : "+Inf", cum);
    }
    uint64_t ns = sum(ws, n, off + offsetof(sv_hist_t, sum_ns));
    fprintf(f, "%s_sum%s%s%s %" PRIu64 ".%09" PRIu64 "\n", name, labels[0] ? "{" : "", labels,
            labels[0] ? "}" : "", ns / 1000000000u, ns % 1000000000u);
    fprintf(f, "%s_count%s%s%s %" PRIu64 "\n", name, labels[0] ? "{" : "", labels,
            labels[0] ? "}" : "", cum);
}

char *sv_metrics_render(const sv_shared_t *sh, sv_worker_t *ws, uint32_t n, size_t *out_len)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    const char *model = sv_model_name(sh->model);
    char ml[48];
    snprintf(ml, sizeof ml, "model=\"%s\"", model);

    head(f, "wasmhttpd_requests_total", "counter",
         "Requests ended, by instance model and the status class the client got (none: the "
         "connection was closed instead).");
    for (int c = 0; c < 6; c++)
        fprintf(f, "wasmhttpd_requests_total{model=\"%s\",code=\"%s\"} %" PRIu64 "\n", model,
                class_names[c], SUM(requests[c]));
    hist(f, ws, n, offsetof(sv_metrics_t, request_duration), "wasmhttpd_request_duration_seconds",
         "Time from a request's headers to its end (queue wait included).", ml);
    one(f, "wasmhttpd_queue_depth", "gauge",
        "Requests waiting for an instance (sampled every 20 ms).", SUM(queue_depth));
    hist(f, ws, n, offsetof(sv_metrics_t, queue_wait), "wasmhttpd_queue_wait_seconds",
         "Time a request waited for an instance (0 when one was free).", "");
    head(f, "wasmhttpd_queue_rejected_total", "counter",
         "Requests answered 503 without an instance: the queue was full, or no instance became "
         "free within --queue-timeout.");
    fprintf(f, "wasmhttpd_queue_rejected_total{reason=\"full\"} %" PRIu64 "\n",
            SUM(queue_rejected_full));
    fprintf(f, "wasmhttpd_queue_rejected_total{reason=\"timeout\"} %" PRIu64 "\n",
            SUM(queue_rejected_timeout));
    hist(f, ws, n, offsetof(sv_metrics_t, instantiation),
         "wasmhttpd_instantiation_duration_seconds",
         "Time to instantiate the component (init not included; resets not included).", "");
    one(f, "wasmhttpd_instances_created_total", "counter", "Instances instantiated.",
        SUM(instances_created));
    one(f, "wasmhttpd_instance_resets_total", "counter",
        "Serverless instances reset to their snapshot for another request.", SUM(instance_resets));
    head(f, "wasmhttpd_instances", "gauge",
         "Instances alive, by state (sampled every 20 ms; serverless idle: reset spares).");
    fprintf(f, "wasmhttpd_instances{state=\"idle\"} %" PRIu64 "\n", SUM(inst_idle));
    fprintf(f, "wasmhttpd_instances{state=\"busy\"} %" PRIu64 "\n", SUM(inst_busy));
    fprintf(f, "wasmhttpd_instances{state=\"starting\"} %" PRIu64 "\n", SUM(inst_starting));
    head(f, "wasmhttpd_instances_recycled_total", "counter",
         "Instances ended before the server stopped, by reason.");
    for (int r = 0; r < SV_RECYCLE_N; r++)
        fprintf(f, "wasmhttpd_instances_recycled_total{reason=\"%s\"} %" PRIu64 "\n",
                recycle_names[r], SUM(recycled[r]));
    head(f, "wasmhttpd_guest_traps_total", "counter",
         "Guest calls (handle or init) that trapped, by kind.");
    for (int k = 0; k < SV_TRAP_N; k++)
        fprintf(f, "wasmhttpd_guest_traps_total{kind=\"%s\"} %" PRIu64 "\n", trap_names[k],
                SUM(traps[k]));
    one(f, "wasmhttpd_guest_fuel_consumed_total", "counter",
        "Fuel (loop iterations and calls) used by requests; counted only with --fuel.",
        SUM(fuel_consumed));
    head(f, "wasmhttpd_guest_log_lines_total", "counter",
         "Lines of guest stdout and stderr written to the server log.");
    fprintf(f, "wasmhttpd_guest_log_lines_total{stream=\"stdout\"} %" PRIu64 "\n",
            SUM(guest_log_lines[0]));
    fprintf(f, "wasmhttpd_guest_log_lines_total{stream=\"stderr\"} %" PRIu64 "\n",
            SUM(guest_log_lines[1]));
    one(f, "wasmhttpd_guest_log_lines_dropped_total", "counter",
        "Lines of guest output dropped by the per-instance rate limit (--guest-log-rate).",
        SUM(guest_log_dropped));
    one(f, "wasmhttpd_access_log_lines_dropped_total", "counter",
        "Access log lines dropped because the writer fell too far behind.",
        SUM(access_log_dropped));
    head(f, "wasmhttpd_outbound_requests_total", "counter",
         "Outbound HTTP requests (wasi:http/outgoing-handler) started, by outcome (sampled "
         "every 20 ms).");
    uint64_t out = SUM(out_requests), failed = SUM(out_failed);
    fprintf(f, "wasmhttpd_outbound_requests_total{outcome=\"ok\"} %" PRIu64 "\n",
            out > failed ? out - failed : 0);
    fprintf(f, "wasmhttpd_outbound_requests_total{outcome=\"error\"} %" PRIu64 "\n", failed);
    one(f, "wasmhttpd_outbound_connections_total", "counter",
        "Outbound connections opened; requests minus these reused a pooled connection.",
        SUM(out_connections));
    one(f, "wasmhttpd_open_connections", "gauge", "Inbound connections open (sampled every 20 ms).",
        SUM(connections));
    one(f, "wasmhttpd_workers", "gauge", "Worker threads.", n);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    *out_len = len;
    return text;
}
