/*
 * test_wasi_sockets.c — wasi:sockets end to end: the guest sockets.wat
 * (assembled at build time) connects to a TCP echo server this test runs on
 * 127.0.0.1, on the same libuv loop as the guest's waits; name lookup; the
 * allow-list; the error codes of what the host refuses (binding, listening,
 * UDP). Every test closes the loop at its end, which fails if a handle was
 * left open.
 */
#include "th.h"
#include "wasi/wasi_host.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- a server on the test's loop ---- */

/* MODE_ECHO sends back what it reads, MODE_FLOOD sends `flood` bytes to each
 * client and drops what it reads, MODE_PAUSED reads nothing until
 * echo_unpause, MODE_RESET resets a connection when data comes. */
typedef enum { MODE_ECHO, MODE_FLOOD, MODE_PAUSED, MODE_RESET } echo_mode;

typedef struct {
    uv_tcp_t tcp;
    int port;
    echo_mode mode;
    size_t flood;
    int accepted, closed;
    size_t received;
    uv_tcp_t *last; /* the last connection accepted */
} echo_t;

static void echo_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    buf->base = malloc(suggested);
    buf->len = buf->base ? suggested : 0;
}

static void echo_written(uv_write_t *w, int status)
{
    free(w->data);
    free(w);
}

static void echo_conn_closed(uv_handle_t *h)
{
    echo_t *e = h->data;
    e->closed++;
    if (e->last == (uv_tcp_t *)h)
        e->last = NULL;
    free(h);
}

static void echo_send(uv_stream_t *s, char *data, size_t n)
{
    uv_write_t *w = malloc(sizeof *w);
    uv_buf_t b = uv_buf_init(data, (unsigned)n);
    w->data = data;
    uv_write(w, s, &b, 1, echo_written);
}

static void echo_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    echo_t *e = s->data;
    if (n > 0 && e->mode == MODE_RESET) {
        free(buf->base);
        uv_read_stop(s);
        uv_tcp_close_reset((uv_tcp_t *)s, echo_conn_closed);
        return;
    }
    if (n > 0) {
        e->received += (size_t)n;
        if (e->mode == MODE_ECHO) {
            echo_send(s, buf->base, (size_t)n);
            return;
        }
    }
    free(buf->base);
    if (n < 0)
        uv_close((uv_handle_t *)s, echo_conn_closed);
}

static void echo_accept(uv_stream_t *server, int status)
{
    echo_t *e = server->data;
    uv_tcp_t *c = malloc(sizeof *c);
    uv_tcp_init(server->loop, c);
    c->data = e;
    if (status || uv_accept(server, (uv_stream_t *)c)) {
        uv_close((uv_handle_t *)c, echo_conn_closed);
        return;
    }
    e->accepted++;
    e->last = c;
    if (e->mode != MODE_PAUSED)
        uv_read_start((uv_stream_t *)c, echo_alloc, echo_read);
    if (e->mode == MODE_FLOOD)
        echo_send((uv_stream_t *)c, calloc(1, e->flood), e->flood);
}

static void echo_unpause(echo_t *e)
{
    uv_read_start((uv_stream_t *)e->last, echo_alloc, echo_read);
}

/* Listens on 127.0.0.1, or on ::1 when ip6. */
static bool echo_start_on(echo_t *e, uv_loop_t *loop, bool ip6)
{
    memset(e, 0, sizeof *e);
    struct sockaddr_storage ss;
    if (ip6)
        uv_ip6_addr("::1", 0, (struct sockaddr_in6 *)&ss);
    else
        uv_ip4_addr("127.0.0.1", 0, (struct sockaddr_in *)&ss);
    uv_tcp_init(loop, &e->tcp);
    e->tcp.data = e;
    int len = sizeof ss;
    if (!TH_EQ(uv_tcp_bind(&e->tcp, (const struct sockaddr *)&ss, 0), 0) ||
        !TH_EQ(uv_listen((uv_stream_t *)&e->tcp, 16, echo_accept), 0) ||
        !TH_EQ(uv_tcp_getsockname(&e->tcp, (struct sockaddr *)&ss, &len), 0))
        return false;
    e->port = ntohs(ip6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                        : ((struct sockaddr_in *)&ss)->sin_port);
    return true;
}

/* A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
static int free_port(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_tcp_t t;
    uv_tcp_init(&loop, &t);
    struct sockaddr_in sin;
    uv_ip4_addr("127.0.0.1", 0, &sin);
    uv_tcp_bind(&t, (const struct sockaddr *)&sin, 0);
    struct sockaddr_storage ss;
    int len = sizeof ss;
    uv_tcp_getsockname(&t, (struct sockaddr *)&ss, &len);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* ---- the guest ---- */

typedef struct {
    uv_loop_t loop;
    echo_t echo;
    uv_timer_t tick; /* keeps uv_run returning while a guest waits */
    cm_component_t *comp;
    cm_linker_t *linker;
    wasi_config_t cfg;
    wasi_allow_t allow[4];
    wasi_ctx_t *ctx;
    cm_instance_t *inst;
    wh_arena_t arena;
    int guest_tcp; /* guest_tcp_handles' count */
} env_t;

static void tick(uv_timer_t *t)
{
}

/* Loads the guest with the allow-list specs ("%d" is the echo port); the
 * echo server listens on ::1 when ip6, else on 127.0.0.1. */
static bool env_open_on(env_t *e, const char *const *allow, size_t nallow, bool ip6)
{
    memset(e, 0, sizeof *e);
    uv_loop_init(&e->loop);
    uv_timer_init(&e->loop, &e->tick);
    wh_arena_init(&e->arena, 4096);
    if (!echo_start_on(&e->echo, &e->loop, ip6))
        return false;
    wasi_config_init(&e->cfg);
    for (size_t i = 0; i < nallow; i++) {
        char spec[64];
        snprintf(spec, sizeof spec, allow[i], e->echo.port);
        wh_err_t err = {0};
        if (!TH_EQ(wasi_allow_parse(spec, &e->allow[i], &err), WH_OK))
            return false;
    }
    e->cfg.allow = e->allow;
    e->cfg.nallow = nallow;

    uint8_t *bytes;
    size_t len;
    wh_err_t err = {0};
    if (wh_read_file(WH_TEST_SOCKETS_WASM, &bytes, &len, &err)) {
        fprintf(stderr, "%s (built from tests/wasi/sockets.wat by jco parse)\n", err.msg);
        return TH_OK(false);
    }
    wh_rc rc = cm_component_load(bytes, len, &e->comp, &err);
    wh_free(bytes);
    if (rc == WH_OK && (e->linker = cm_linker_new()) &&
        (rc = wasi_link(e->linker, &err)) == WH_OK && (e->ctx = wasi_ctx_new(&e->cfg, &e->loop))) {
        cm_config_t cc = {.fuel = -1, .user = e->ctx};
        rc = cm_instantiate(e->comp, e->linker, &cc, &e->inst, &err);
    }
    if (rc)
        fprintf(stderr, "sockets.wasm: %s\n", err.msg);
    return TH_EQ(rc, WH_OK);
}

static bool env_open(env_t *e, const char *const *allow, size_t nallow)
{
    return env_open_on(e, allow, nallow, false);
}

static void env_close(env_t *e)
{
    cm_instance_free(e->inst);
    wasi_ctx_free(e->ctx);
    cm_linker_free(e->linker);
    cm_component_free(e->comp);
    wh_arena_free(&e->arena);
    if (e->echo.last && !uv_is_closing((uv_handle_t *)e->echo.last))
        uv_close((uv_handle_t *)e->echo.last, echo_conn_closed);
    uv_close((uv_handle_t *)&e->echo.tcp, NULL);
    uv_close((uv_handle_t *)&e->tick, NULL);
    uv_run(&e->loop, UV_RUN_DEFAULT);
    TH_EQ(uv_loop_close(&e->loop), 0); /* every handle was closed */
}

/* Calls an export, running the loop while it waits (at most 20 s). */
static wh_rc call(env_t *e, const char *name, const cm_val_t *args, cm_val_t *result)
{
    cm_func_t *f;
    if (!TH_EQ(cm_instance_func(e->inst, name, &f), WH_OK))
        return WH_NOTFOUND;
    wh_err_t err = {0};
    uint64_t start = uv_hrtime();
    uv_timer_start(&e->tick, tick, 50, 50);
    wh_rc rc = cm_call(e->inst, f, args, result, &e->arena, &err);
    while (rc == WH_SUSPEND && uv_hrtime() - start < 20000000000u) {
        uv_run(&e->loop, UV_RUN_ONCE);
        rc = cm_resume(e->inst, &err);
    }
    uv_timer_stop(&e->tick);
    if (rc)
        fprintf(stderr, "%s: %s: %s\n", name, wh_rc_name(rc), err.msg);
    return rc;
}

static cm_val_t u(uint8_t kind, uint64_t v)
{
    return (cm_val_t){.kind = kind, .of.u = v};
}

static cm_val_t str(const char *s, size_t n)
{
    cm_val_t v = {.kind = CM_STRING};
    v.of.str.ptr = s;
    v.of.str.len = n;
    return v;
}

/* echo(a.b.c.d, port, msg): 0 and the echoed bytes in *out (the call's
 * arena), or the guest's error number. */
static int64_t echo(env_t *e, const uint8_t ip[4], int port, const char *msg, size_t n,
                    cm_val_t *out)
{
    cm_val_t args[6] = {u(CM_U8, ip[0]), u(CM_U8, ip[1]), u(CM_U8, ip[2]),
                        u(CM_U8, ip[3]), u(CM_U16, port), str(msg, n)};
    cm_val_t r;
    if (call(e, "echo", args, &r) != WH_OK || !TH_EQ(r.kind, CM_RESULT))
        return -1;
    if (r.of.var.tag == 1)
        return (int64_t)r.of.var.v->of.u;
    *out = *r.of.var.v;
    return 0;
}

/* A result<u32, u32> export: ok → the value, err → -(the error number). */
static int64_t call_u32r(env_t *e, const char *name, const cm_val_t *args)
{
    cm_val_t r;
    if (call(e, name, args, &r) != WH_OK || !TH_EQ(r.kind, CM_RESULT))
        return INT64_MIN;
    int64_t v = (int64_t)r.of.var.v->of.u;
    return r.of.var.tag == 0 ? v : -v;
}

static int64_t lookup(env_t *e, const char *name)
{
    cm_val_t arg = str(name, strlen(name));
    return call_u32r(e, "lookup", &arg);
}

static int64_t misc(env_t *e, uint32_t which)
{
    cm_val_t arg = u(CM_U32, which), r;
    if (call(e, "misc", &arg, &r) != WH_OK)
        return -1;
    return (int64_t)r.of.u;
}

/* error-code discriminants, for the expectations */
enum {
    E_ACCESS_DENIED = 1,
    E_NOT_SUPPORTED = 2,
    E_INVALID_ARGUMENT = 3,
    E_NOT_IN_PROGRESS = 7,
    E_INVALID_STATE = 9,
    E_CONNECTION_REFUSED = 14,
};

static const uint8_t localhost4[4] = {127, 0, 0, 1};

/* ---- tests ---- */

TH_TEST(sockets_echo_roundtrip)
{
    env_t e;
    const char *allow[] = {"127.0.0.1:%d"};
    if (env_open(&e, allow, 1)) {
        static const char line[] = "hello, wasi:sockets\n";
        cm_val_t got;
        if (TH_EQ(echo(&e, localhost4, e.echo.port, line, strlen(line), &got), 0) &&
            TH_EQ(got.kind, CM_STRING) && TH_EQ(got.of.str.len, strlen(line)))
            TH_OK(!memcmp(got.of.str.ptr, line, strlen(line)));
        /* a bigger message, echoed back in pieces perhaps */
        char big[4000];
        for (size_t i = 0; i < sizeof big; i++)
            big[i] = (char)('a' + i % 26);
        if (TH_EQ(echo(&e, localhost4, e.echo.port, big, sizeof big, &got), 0) &&
            TH_EQ(got.of.str.len, sizeof big))
            TH_OK(!memcmp(got.of.str.ptr, big, sizeof big));
        TH_EQ(e.echo.accepted, 2);
        /* the guest shut down and dropped both: the server saw them end */
        for (int i = 0; i < 100 && e.echo.closed < 2; i++)
            uv_run(&e.loop, UV_RUN_NOWAIT);
        TH_EQ(e.echo.closed, 2);
    }
    env_close(&e);
}

TH_TEST(sockets_echo_ipv6)
{
    env_t e;
    const char *allow[] = {"[::1]:%d"};
    if (env_open_on(&e, allow, 1, true)) {
        static const char line[] = "over IPv6\n";
        cm_val_t args[2] = {u(CM_U16, e.echo.port), str(line, strlen(line))}, r;
        if (TH_EQ(call(&e, "echo6", args, &r), WH_OK) && TH_EQ(r.of.var.tag, 0) &&
            TH_EQ(r.of.var.v->of.str.len, strlen(line)))
            TH_OK(!memcmp(r.of.var.v->of.str.ptr, line, strlen(line)));
        if (r.kind == CM_RESULT && r.of.var.tag == 1)
            fprintf(stderr, "  echo6 gave %llu\n", (unsigned long long)r.of.var.v->of.u);
        /* the IPv4 loopback on the same port is another address */
        cm_val_t got;
        TH_EQ(echo(&e, localhost4, e.echo.port, "", 0, &got), 200 + 1 /* access-denied */);
    }
    env_close(&e);
}

TH_TEST(sockets_bulk_backpressure)
{
    env_t e;
    const char *allow[] = {"127.0.0.1:%d"};
    if (env_open(&e, allow, 1)) {
        /* 4 MiB out before reading any back: the host stops reading at its
         * limit and starts again as the guest consumes. */
        cm_val_t args[2] = {u(CM_U16, e.echo.port), u(CM_U32, 4u << 20)};
        TH_EQ(call_u32r(&e, "bulk", args), 4u << 20);
    }
    env_close(&e);
}

TH_TEST(sockets_connect_allow_list)
{
    env_t e;
    const char *allow[] = {"127.0.0.1:%d"};
    if (env_open(&e, allow, 1)) {
        cm_val_t got;
        int other = free_port();
        /* another port, another address: access-denied at start-connect */
        TH_EQ(echo(&e, localhost4, other, "", 0, &got), 200 + E_ACCESS_DENIED);
        static const uint8_t lo2[4] = {127, 0, 0, 2};
        TH_EQ(echo(&e, lo2, e.echo.port, "", 0, &got), 200 + E_ACCESS_DENIED);
        /* what no address can be: invalid-argument, before the list */
        static const uint8_t any[4] = {0, 0, 0, 0}, mcast[4] = {224, 0, 0, 1},
                             bcast[4] = {255, 255, 255, 255};
        TH_EQ(echo(&e, localhost4, 0, "", 0, &got), 200 + E_INVALID_ARGUMENT);
        TH_EQ(echo(&e, any, e.echo.port, "", 0, &got), 200 + E_INVALID_ARGUMENT);
        TH_EQ(echo(&e, mcast, e.echo.port, "", 0, &got), 200 + E_INVALID_ARGUMENT);
        TH_EQ(echo(&e, bcast, e.echo.port, "", 0, &got), 200 + E_INVALID_ARGUMENT);
        TH_EQ(e.echo.accepted, 0);
        /* the allowed one */
        TH_EQ(echo(&e, localhost4, e.echo.port, "", 0, &got), 0);
    }
    env_close(&e);
}

TH_TEST(sockets_connect_refused_and_wildcards)
{
    env_t e;
    const char *allow[] = {"127.0.0.1:*", "*:%d"};
    if (env_open(&e, allow, 2)) {
        cm_val_t got;
        /* allowed, but nothing listens: finish-connect says so */
        TH_EQ(echo(&e, localhost4, free_port(), "", 0, &got), 300 + E_CONNECTION_REFUSED);
        static const char line[] = "via *:port\n";
        TH_EQ(echo(&e, localhost4, e.echo.port, line, strlen(line), &got), 0);
        TH_EQ(got.of.str.len, strlen(line));
    }
    env_close(&e);
}

TH_TEST(sockets_no_allow_list)
{
    env_t e;
    if (env_open(&e, NULL, 0)) {
        cm_val_t got;
        /* no address allowed: no socket, no name lookup */
        TH_EQ(echo(&e, localhost4, e.echo.port, "", 0, &got), 100 + E_ACCESS_DENIED);
        TH_EQ(misc(&e, 0), 100 + E_ACCESS_DENIED);
        TH_EQ(lookup(&e, "localhost"), -(100 + E_ACCESS_DENIED));
        /* an IP address needs no lookup */
        TH_EQ(lookup(&e, "127.0.0.1"), 1 | 1 << 8);
        TH_EQ(e.echo.accepted, 0);
    }
    env_close(&e);
}

TH_TEST(sockets_lookup)
{
    env_t e;
    const char *allow[] = {"127.0.0.1:%d"};
    if (env_open(&e, allow, 1)) {
        int64_t r = lookup(&e, "localhost");
        TH_OK(r > 0 && (r & 1)); /* 127.0.0.1 among the answers */
        TH_OK((r >> 8) >= 1);
        TH_EQ(lookup(&e, "127.0.0.1"), 1 | 1 << 8);
        TH_EQ(lookup(&e, "::1"), 2 | 1 << 8);
        TH_EQ(lookup(&e, "[::1]"), 2 | 1 << 8);
        /* not a name: invalid-argument at once */
        TH_EQ(lookup(&e, ""), -(100 + E_INVALID_ARGUMENT));
        TH_EQ(lookup(&e, "two words"), -(100 + E_INVALID_ARGUMENT));
        TH_EQ(lookup(&e, "a..b"), -(100 + E_INVALID_ARGUMENT));
        TH_EQ(lookup(&e, "http://x"), -(100 + E_INVALID_ARGUMENT));
        cm_val_t nul = str("127.0.0.1\0x", 11);
        TH_EQ(call_u32r(&e, "lookup", &nul), -(100 + E_INVALID_ARGUMENT));
    }
    env_close(&e);
}

TH_TEST(sockets_refused_and_options)
{
    env_t e;
    const char *allow[] = {"127.0.0.1:%d"};
    if (env_open(&e, allow, 1)) {
        TH_EQ(misc(&e, 0), E_ACCESS_DENIED);   /* start-bind */
        TH_EQ(misc(&e, 1), E_ACCESS_DENIED);   /* start-listen */
        TH_EQ(misc(&e, 2), E_INVALID_STATE);   /* accept: never listening */
        TH_EQ(misc(&e, 3), E_NOT_SUPPORTED);   /* create-udp-socket */
        TH_EQ(misc(&e, 4), 1001);              /* keep-alive set, read back */
        TH_EQ(misc(&e, 5), 1000);              /* an IPv6 socket */
        TH_EQ(misc(&e, 6), E_NOT_IN_PROGRESS); /* finish-connect, no connect */
        TH_EQ(misc(&e, 7), 1033);              /* hop-limit: 0 refused, 33 kept */
        TH_EQ(misc(&e, 8), 1002);              /* idle time 1.5 s: 2 s (whole seconds) */
        TH_EQ(misc(&e, 9), 1001);              /* receive buffer: 0 refused, 100000 kept */
        TH_EQ(misc(&e, 10), E_INVALID_STATE);  /* local-address, not bound */
        TH_EQ(misc(&e, 11), E_INVALID_STATE);  /* shutdown, not connected */
    }
    env_close(&e);
}

/* The peer resets the connection: the guest's read, or its writes, fail
 * with connection-reset, which network-error-code gives back (and the
 * process survives writing to a reset connection: no SIGPIPE). */
TH_TEST(sockets_connection_reset)
{
    env_t e;
    const char *allow[] = {"127.0.0.1:%d"};
    if (env_open(&e, allow, 1)) {
        e.echo.mode = MODE_RESET;
        enum { E_CONNECTION_RESET = 15 };
        char big[4096];
        memset(big, 'r', sizeof big);
        cm_val_t got;
        TH_EQ(echo(&e, localhost4, e.echo.port, big, sizeof big, &got), 500 + E_CONNECTION_RESET);
        /* bulk writes on: check-write or write fails */
        cm_val_t args[2] = {u(CM_U16, e.echo.port), u(CM_U32, 64u << 20)};
        int64_t r = call_u32r(&e, "bulk", args);
        if (!TH_OK(r == -(400 + E_CONNECTION_RESET) || r == -(500 + E_CONNECTION_RESET)))
            fprintf(stderr, "  bulk gave %lld\n", (long long)r);
    }
    env_close(&e);
}

/* The guest does not read: the host stops reading too (at its limit), so
 * the server's data waits in the server's queue, not in host memory. */
TH_TEST(sockets_read_backpressure)
{
    env_t e;
    const char *allow[] = {"127.0.0.1:%d"};
    if (env_open(&e, allow, 1)) {
        e.echo.mode = MODE_FLOOD;
        e.echo.flood = 32u << 20;
        cm_val_t arg = u(CM_U16, e.echo.port), r;
        if (TH_EQ(call(&e, "keep", &arg, &r), WH_OK) && TH_EQ(r.of.u, 0) &&
            TH_OK(e.echo.last != NULL)) {
            /* run until the server's queue stops shrinking */
            size_t queued = SIZE_MAX, now;
            uint64_t start = uv_hrtime();
            while ((now = uv_stream_get_write_queue_size((uv_stream_t *)e.echo.last)) != queued &&
                   uv_hrtime() - start < 5000000000u) {
                queued = now;
                uv_sleep(100);
                for (int i = 0; i < 50; i++)
                    uv_run(&e.loop, UV_RUN_NOWAIT);
            }
            /* the kernel's buffers and the host's 64 KiB hold a few MiB */
            TH_OK(queued > (16u << 20));
        }
    }
    env_close(&e);
}

/* blocking-flush waits until what the guest wrote has left the host. */
TH_TEST(sockets_flush_waits)
{
    env_t e;
    const char *allow[] = {"127.0.0.1:%d"};
    if (env_open(&e, allow, 1)) {
        e.echo.mode = MODE_PAUSED;
        cm_func_t *f;
        cm_val_t arg = u(CM_U16, e.echo.port), r;
        wh_err_t err = {0};
        TH_EQ(cm_instance_func(e.inst, "fill", &f), WH_OK);
        /* The guest writes until check-write offers nothing and blocks in
         * blocking-flush: the server reads nothing, so it stays blocked. */
        wh_rc rc = cm_call(e.inst, f, &arg, &r, &e.arena, &err);
        for (int i = 0; i < 20 && rc == WH_SUSPEND; i++) {
            uv_run(&e.loop, UV_RUN_NOWAIT);
            uv_sleep(5);
            rc = cm_resume(e.inst, &err);
        }
        TH_EQ(rc, WH_SUSPEND);
        TH_EQ(e.echo.received, 0);
        /* The server reads: the flush ends, and check-write offers all. */
        if (TH_OK(e.echo.last != NULL))
            echo_unpause(&e.echo);
        uv_timer_start(&e.tick, tick, 50, 50);
        uint64_t start = uv_hrtime();
        while (rc == WH_SUSPEND && uv_hrtime() - start < 20000000000u) {
            uv_run(&e.loop, UV_RUN_ONCE);
            rc = cm_resume(e.inst, &err);
        }
        uv_timer_stop(&e.tick);
        if (TH_EQ(rc, WH_OK) && TH_EQ(r.of.var.tag, 0))
            TH_EQ(r.of.var.v->of.u, 64 * 1024);
        TH_OK(e.echo.received > 64 * 1024);
    }
    env_close(&e);
}

/* The guest writes more than the kernel takes and drops its socket without
 * flushing: what the host still queues goes out before the connection
 * closes. */
TH_TEST(sockets_drop_sends_queued)
{
    env_t e;
    const char *allow[] = {"127.0.0.1:%d"};
    if (env_open(&e, allow, 1)) {
        e.echo.mode = MODE_PAUSED;
        cm_val_t arg = u(CM_U16, e.echo.port);
        int64_t sent = call_u32r(&e, "spill", &arg);
        TH_OK(sent > 64 * 1024);
        if (TH_OK(e.echo.last != NULL))
            echo_unpause(&e.echo);
        uint64_t start = uv_hrtime();
        while (e.echo.closed < 1 && uv_hrtime() - start < 10000000000u)
            uv_run(&e.loop, UV_RUN_ONCE);
        TH_EQ(e.echo.received, sent);
        TH_EQ(e.echo.closed, 1); /* the FIN came after the bytes */
    }
    env_close(&e);
}

static void count_guest_tcp(uv_handle_t *h, void *arg)
{
    env_t *e = arg;
    if (h->type == UV_TCP && h->data != &e->echo && !uv_is_closing(h))
        e->guest_tcp++;
}

/* How many TCP handles the host has open for the guest. */
static int guest_tcp_handles(env_t *e)
{
    e->guest_tcp = 0;
    uv_walk(&e->loop, count_guest_tcp, e);
    return e->guest_tcp;
}

/* The same when the peer never reads: the host gives up after its linger
 * time (5 s) and closes the socket anyway. */
TH_TEST(sockets_drop_linger_limit)
{
    env_t e;
    const char *allow[] = {"127.0.0.1:%d"};
    if (env_open(&e, allow, 1)) {
        e.echo.mode = MODE_PAUSED;
        cm_val_t arg = u(CM_U16, e.echo.port);
        TH_OK(call_u32r(&e, "spill", &arg) > 64 * 1024);
        TH_EQ(guest_tcp_handles(&e), 1); /* lingering */
        uv_timer_start(&e.tick, tick, 50, 50);
        uint64_t start = uv_hrtime();
        while (guest_tcp_handles(&e) && uv_hrtime() - start < 10000000000u)
            uv_run(&e.loop, UV_RUN_ONCE);
        uv_timer_stop(&e.tick);
        uint64_t ms = (uv_hrtime() - start) / 1000000;
        TH_EQ(guest_tcp_handles(&e), 0);
        TH_OK(ms >= 4000 && ms < 8000);
        TH_EQ(e.echo.received, 0);
    }
    env_close(&e);
}

/* Freeing an instance that holds a connection (and unread input) closes it. */
TH_TEST(sockets_free_while_connected)
{
    env_t e;
    const char *allow[] = {"127.0.0.1:%d"};
    if (env_open(&e, allow, 1)) {
        cm_val_t arg = u(CM_U16, e.echo.port), r;
        if (TH_EQ(call(&e, "keep", &arg, &r), WH_OK))
            TH_EQ(r.of.u, 0);
        for (int i = 0; i < 20; i++) /* let the echo come back */
            uv_run(&e.loop, UV_RUN_NOWAIT);
        TH_EQ(e.echo.accepted, 1);
        TH_EQ(e.echo.closed, 0);
        cm_instance_free(e.inst);
        wasi_ctx_free(e.ctx);
        e.inst = NULL;
        e.ctx = NULL;
        for (int i = 0; i < 100 && e.echo.closed < 1; i++)
            uv_run(&e.loop, UV_RUN_NOWAIT);
        TH_EQ(e.echo.closed, 1);
    }
    env_close(&e);
}

/* Freeing an instance whose call waits for a name lookup or a connect: the
 * request's callback comes after, and frees what is left. */
TH_TEST(sockets_free_while_waiting)
{
    const char *what[] = {"lookup", "echo"};
    for (int k = 0; k < 2; k++) {
        env_t e;
        const char *allow[] = {"127.0.0.1:%d"};
        if (env_open(&e, allow, 1)) {
            cm_func_t *f;
            cm_val_t args[6] = {u(CM_U8, 127),          u(CM_U8, 0),  u(CM_U8, 0), u(CM_U8, 1),
                                u(CM_U16, e.echo.port), str("x\n", 2)};
            cm_val_t name = str("localhost", 9), r;
            wh_err_t err = {0};
            TH_EQ(cm_instance_func(e.inst, what[k], &f), WH_OK);
            TH_EQ(cm_call(e.inst, f, k ? args : &name, &r, &e.arena, &err), WH_SUSPEND);
            cm_instance_free(e.inst);
            wasi_ctx_free(e.ctx);
            e.inst = NULL;
            e.ctx = NULL;
        }
        env_close(&e); /* runs the loop: the callbacks come now */
    }
}

/* ---- the allow-list ---- */

static bool parse(const char *spec, wasi_allow_t *a)
{
    wh_err_t err = {0};
    return wasi_allow_parse(spec, a, &err) == WH_OK;
}

static struct sockaddr_storage addr(const char *ip, int port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (strchr(ip, ':'))
        uv_ip6_addr(ip, port, (struct sockaddr_in6 *)&ss);
    else
        uv_ip4_addr(ip, port, (struct sockaddr_in *)&ss);
    return ss;
}

TH_TEST(sockets_allow_parse)
{
    wasi_allow_t a;
    if (TH_OK(parse("127.0.0.1:5432", &a))) {
        TH_EQ(a.addr.ss_family, AF_INET);
        TH_EQ(a.port, 5432);
    }
    if (TH_OK(parse("[::1]:80", &a))) {
        TH_EQ(a.addr.ss_family, AF_INET6);
        TH_EQ(a.port, 80);
    }
    if (TH_OK(parse("*:443", &a))) {
        TH_EQ(a.addr.ss_family, AF_UNSPEC);
        TH_EQ(a.port, 443);
    }
    if (TH_OK(parse("10.0.0.1:*", &a))) {
        TH_EQ(a.addr.ss_family, AF_INET);
        TH_EQ(a.port, 0);
    }
    /* a name is resolved now, IPv4 first */
    if (TH_OK(parse("localhost:6379", &a))) {
        TH_EQ(a.addr.ss_family, AF_INET);
        TH_EQ(ntohl(((struct sockaddr_in *)&a.addr)->sin_addr.s_addr), INADDR_LOOPBACK);
        TH_EQ(a.port, 6379);
    }
    wh_err_t err = {0};
    TH_EQ(wasi_allow_parse("127.0.0.1", &a, &err), WH_ARG);
    TH_HAS(err.msg, "HOST:PORT");
    TH_EQ(wasi_allow_parse("::1:80", &a, &err), WH_ARG);
    TH_HAS(err.msg, "brackets");
    TH_EQ(wasi_allow_parse("127.0.0.1:0", &a, &err), WH_ARG);
    TH_HAS(err.msg, "port");
    const char *bad[] = {"127.0.0.1:65536", "127.0.0.1:", "127.0.0.1:8o", ":80",
                         "[::1]80",         "[::1",       "[nope]:80",    "[::ffff:1.2.3.4]:80"};
    for (size_t i = 0; i < WH_ARRAY_LEN(bad); i++)
        if (!TH_EQ(wasi_allow_parse(bad[i], &a, &err), WH_ARG))
            fprintf(stderr, "  accepted %s\n", bad[i]);
}

TH_TEST(sockets_allowed)
{
    wasi_allow_t list[4];
    if (!TH_OK(parse("127.0.0.1:5432", &list[0]) && parse("[::1]:80", &list[1]) &&
               parse("*:443", &list[2]) && parse("10.0.0.1:*", &list[3])))
        return;
    wasi_config_t cfg;
    wasi_config_init(&cfg);
    cfg.allow = list;
    cfg.nallow = 4;
    struct {
        const char *ip;
        int port;
        bool ok;
    } cases[] = {
        {"127.0.0.1", 5432, true}, {"127.0.0.1", 5433, false}, {"127.0.0.2", 5432, false},
        {"::1", 80, true},         {"::1", 81, false},         {"::2", 80, false},
        {"127.0.0.1", 80, false},  {"192.0.2.7", 443, true},   {"2001:db8::1", 443, true},
        {"10.0.0.1", 1, true},     {"10.0.0.1", 65535, true},  {"10.0.0.2", 1, false},
    };
    for (size_t i = 0; i < WH_ARRAY_LEN(cases); i++) {
        struct sockaddr_storage ss = addr(cases[i].ip, cases[i].port);
        if (!TH_EQ(wasi_allowed(&cfg, (struct sockaddr *)&ss), cases[i].ok))
            fprintf(stderr, "  %s port %d\n", cases[i].ip, cases[i].port);
    }
    cfg.nallow = 0; /* the default: nothing */
    struct sockaddr_storage ss = addr("127.0.0.1", 5432);
    TH_OK(!wasi_allowed(&cfg, (struct sockaddr *)&ss));
}
