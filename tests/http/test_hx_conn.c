/*
 * test_hx_conn.c — the connection protocol driven from buffers (detached
 * connections, no sockets): parsing, the embedder's view of a request,
 * response framing, errors, and allocation failures.
 */
#include "http/internal.h"
#include "th.h"

#include <stdio.h>

/* What the test embedder saw, and how it answers. */
typedef struct {
    char out[65536];
    size_t out_len;
    int requests, bodies, body_ends, aborts;
    char body[4096];
    size_t body_len;
    char trailers[512];
    char last_target[256];
    hx_req_t *held;     /* a request answered later by the test */
    bool pause_in_body; /* on_body pauses the body (as a full buffer does) */
    enum { ANSWER_NOW, ANSWER_AT_END, HOLD } mode;
} rec_t;

static void sink(void *ud, const char *data, size_t len)
{
    rec_t *r = ud;
    if (r->out_len + len < sizeof r->out) {
        memcpy(r->out + r->out_len, data, len);
        r->out_len += len;
        r->out[r->out_len] = 0;
    }
}

static void on_request(hx_req_t *req, void *ud)
{
    rec_t *r = ud;
    r->requests++;
    size_t n;
    const char *t = hx_req_target(req, &n);
    snprintf(r->last_target, sizeof r->last_target, "%.*s", (int)n, t);
    if (r->mode == ANSWER_NOW)
        hx_resp_send(req, 200, NULL, 0, "ok", 2);
    else if (r->mode == HOLD)
        r->held = req;
}

static void on_body(hx_req_t *req, const uint8_t *data, size_t len, void *ud)
{
    rec_t *r = ud;
    r->bodies++;
    if (r->pause_in_body)
        hx_req_pause_body(req);
    if (r->body_len + len < sizeof r->body) {
        memcpy(r->body + r->body_len, data, len);
        r->body_len += len;
    }
}

static void on_body_end(hx_req_t *req, const hx_header_t *t, size_t n, void *ud)
{
    rec_t *r = ud;
    r->body_ends++;
    size_t k = 0;
    for (size_t i = 0; i < n && k < sizeof r->trailers - 64; i++)
        k += (size_t)snprintf(r->trailers + k, sizeof r->trailers - k, "%.*s=%.*s;",
                              (int)t[i].name_len, t[i].name, (int)t[i].value_len, t[i].value);
    if (r->mode == ANSWER_AT_END)
        hx_resp_send(req, 200, NULL, 0, r->body, r->body_len);
}

static void on_abort(hx_req_t *req, hx_abort_reason why, void *ud)
{
    rec_t *r = ud;
    r->aborts++;
    if (r->held == req)
        r->held = NULL;
}

static const hx_handler_t handler = {on_request, on_body, on_body_end, NULL, on_abort, NULL};

typedef struct {
    rec_t rec;
    hx_server_t *srv;
    hx_conn_t *c;
} fixture;

static void setup(fixture *f, const hx_config_t *cfg)
{
    memset(f, 0, sizeof *f);
    f->srv = hx__server_new_detached(cfg, &handler, &f->rec);
    f->c = hx__conn_new_detached(f->srv, sink, &f->rec);
}

static void teardown(fixture *f)
{
    hx__conn_free_detached(f->c);
    hx__server_free_detached(f->srv);
}

static bool feed(fixture *f, const char *s)
{
    return hx__conn_feed(f->c, s, strlen(s));
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

TH_TEST(http_get_answered)
{
    fixture f;
    setup(&f, NULL);
    TH_OK(feed(&f, "GET /a?b=c HTTP/1.1\r\nHost: x\r\nX-Y: z\r\n\r\n"));
    TH_EQ(f.rec.requests, 1);
    TH_STR(f.rec.last_target, "/a?b=c");
    TH_HAS(f.rec.out, "HTTP/1.1 200 OK\r\n");
    TH_HAS(f.rec.out, "Content-Length: 2\r\n");
    TH_HAS(f.rec.out, "Date: ");
    TH_OK(strstr(f.rec.out, "Connection") == NULL);
    TH_OK(f.rec.out_len > 2 && memcmp(f.rec.out + f.rec.out_len - 6, "\r\n\r\nok", 6) == 0);
    teardown(&f);
}

TH_TEST(http_byte_by_byte)
{
    fixture f;
    setup(&f, NULL);
    f.rec.mode = ANSWER_AT_END;
    const char *req = "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\nX-U: two\r\n\r\n";
    for (size_t i = 0; req[i]; i++)
        TH_OK(hx__conn_feed(f.c, req + i, 1));
    TH_EQ(f.rec.requests, 1);
    TH_EQ(f.rec.body_ends, 1);
    TH_EQ(f.rec.body_len, 5);
    TH_OK(memcmp(f.rec.body, "abcde", 5) == 0);
    TH_STR(f.rec.trailers, "X-T=1;X-U=two;");
    TH_HAS(f.rec.out, "Content-Length: 5\r\n\r\nabcde");
    teardown(&f);
}

TH_TEST(http_pipelined_in_order)
{
    fixture f;
    setup(&f, NULL);
    f.rec.mode = HOLD;
    TH_OK(feed(&f, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"));
    /* The second request waits for the first response. */
    TH_EQ(f.rec.requests, 1);
    TH_STR(f.rec.last_target, "/1");
    hx_req_t *r1 = f.rec.held;
    TH_OK(r1 != NULL);
    TH_EQ(hx_resp_start(r1, 201, NULL, 0), WH_OK);
    TH_EQ(hx_resp_write(r1, "one", 3), WH_OK);
    TH_EQ(hx_resp_end(r1, NULL, 0), WH_OK);
    TH_EQ(hx_resp_write(r1, "x", 1), WH_ARG); /* after end: refused */
    hx__conn_run(f.c);
    TH_EQ(f.rec.requests, 2);
    TH_STR(f.rec.last_target, "/2");
    TH_EQ(hx_resp_send(f.rec.held, 202, NULL, 0, "two", 3), WH_OK);
    hx__conn_run(f.c);
    const char *a = strstr(f.rec.out, "201 Created"), *b = strstr(f.rec.out, "202 Accepted");
    TH_OK(a && b && a < b);
    TH_HAS(f.rec.out, "3\r\none\r\n0\r\n\r\n");
    teardown(&f);
}

TH_TEST(http_errors_close)
{
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"\x01\x02garbage\r\n\r\n", "400 Bad Request"},
        {"GET / HTTP/1.1\r\n\r\n", "400 Bad Request"},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "400 Bad Request"},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n", "413 "},
        {"POST / HTTP/1.1\r\nHost: x\r\nExpect: bogus\r\nContent-Length: 1\r\n\r\n", "417 "},
        {"CONNECT h:1 HTTP/1.1\r\nHost: h\r\n\r\n", "501 "},
    };
    for (size_t i = 0; i < WH_ARRAY_LEN(cases); i++) {
        fixture f;
        setup(&f, NULL);
        TH_OK(!feed(&f, cases[i].in));
        TH_HAS(f.rec.out, cases[i].want);
        TH_HAS(f.rec.out, "Connection: close\r\n");
        TH_EQ(f.rec.requests, 0);
        teardown(&f);
    }
}

/* Refusals of the strict rules (hx_parse.c), each fed in two reads split at
 * every byte: the answer must not depend on where a read ends. The full
 * table runs over sockets in strict_test.py. */
TH_TEST(http_strict_every_split)
{
    static const struct {
        const char *in;
        size_t len; /* 0: strlen */
        const char *want;
        int requests; /* requests the embedder saw */
    } cases[] = {
        {"GET / HTTP/1.1\nHost: x\r\n\r\n", 0, "400 ", 0},                 /* bare LF */
        {"GET / HTTP/1.1\r\nHost: x\r\n\n", 0, "400 ", 0},                 /* bare LF */
        {"GET / HTTP/1.1\rHost: x\r\n\r\n", 0, "400 ", 0},                 /* bare CR */
        {"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 0, "400 ", 0},              /* two spaces */
        {"GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\n 2\r\n\r\n", 0, "400 ", 0}, /* obs-fold */
        {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 0, "400 ", 0},
        {"GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n", 0, "400 ", 0},
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 0, "400 ", 0},
        {"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 0, "400 ", 0},
        {"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n", 0, "400 ", 0},
        {"GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n", 0, "400 ", 0},
        {"GET / HTTP/1.1\r\nHo\0st: x\r\n\r\n", 27, "400 ", 0},
        {"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 0, "505 ", 0},
        {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 0, "505 ", 0},
        {"GET / HTTP/1.10\r\nHost: x\r\n\r\n", 0, "400 ", 0},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", 0, "501 ", 0},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 0, "501 ", 0},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\n\r\n", 0, "501 ", 0},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na", 0, "400 ",
         0},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\r\nabcde\r\n", 0,
         "400 ", 1},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nabcde\r\n", 0,
         "400 ", 1},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\n\r\n", 0,
         "400 ", 1},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
         "Content-Length: 1\r\n\r\n",
         0, "400 ", 1},
    };
    for (size_t i = 0; i < WH_ARRAY_LEN(cases); i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
        for (size_t k = 1; k < len; k++) {
            fixture f;
            setup(&f, NULL);
            f.rec.mode = HOLD; /* so that a body refusal finds no response started */
            hx__conn_feed(f.c, cases[i].in, k);
            hx__conn_feed(f.c, cases[i].in + k, len - k);
            if (!strstr(f.rec.out, cases[i].want) || !strstr(f.rec.out, "Connection: close\r\n") ||
                f.rec.requests != cases[i].requests || !f.c->closing) {
                fprintf(stderr, "case %zu split at %zu: requests %d, output %s\n", i, k,
                        f.rec.requests, f.rec.out);
                TH_OK(false);
            }
            teardown(&f);
        }
    }
}

/* The end of a bodyless request needs no byte after its head: llhttp
 * reaches on_message_complete from a run without input. */
TH_TEST(http_bodyless_ends_without_more_input)
{
    fixture f;
    setup(&f, NULL);
    f.rec.mode = ANSWER_AT_END;
    TH_OK(feed(&f, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    TH_EQ(f.rec.body_ends, 1);
    TH_HAS(f.rec.out, "HTTP/1.1 200 OK\r\n");
    TH_OK(feed(&f, "DELETE /2 HTTP/1.1\r\nHost: x\r\n\r\n"));
    TH_EQ(f.rec.body_ends, 2);
    TH_STR(f.rec.last_target, "/2");
    teardown(&f);
}

/* Upgrade is ignored: the request is answered as HTTP/1.1 and the next
 * pipelined request is parsed as HTTP/1.1 too (llhttp_resume_after_upgrade). */
TH_TEST(http_upgrade_ignored)
{
    fixture f;
    setup(&f, NULL);
    TH_OK(feed(&f,
               "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n"
               "GET /next HTTP/1.1\r\nHost: x\r\n\r\n"));
    TH_EQ(f.rec.requests, 2);
    TH_STR(f.rec.last_target, "/next");
    TH_EQ(count(f.rec.out, "HTTP/1.1 200 OK"), 2);
    TH_OK(!f.c->closing);
    teardown(&f);
}

/* Values lose the whitespace after them (llhttp keeps it). */
TH_TEST(http_value_trailing_whitespace)
{
    fixture f;
    setup(&f, NULL);
    f.rec.mode = HOLD;
    TH_OK(feed(&f, "GET / HTTP/1.1\r\nHost: x \t\r\nX-A:  a b \r\n\r\n"));
    size_t n;
    const char *v = hx_req_header(f.rec.held, "x-a", &n);
    TH_OK(v && n == 3 && memcmp(v, "a b", 3) == 0);
    v = hx_req_header(f.rec.held, "host", &n);
    TH_OK(v && n == 1 && v[0] == 'x');
    TH_EQ(hx_resp_end(f.rec.held, NULL, 0), WH_OK);
    teardown(&f);
}

TH_TEST(http_header_limits)
{
    hx_config_t cfg = {.max_header_bytes = 64, .max_headers = 3};
    fixture f;
    setup(&f, &cfg);
    TH_OK(!feed(&f, "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"));
    TH_HAS(f.rec.out, "431 ");
    teardown(&f);
    setup(&f, &cfg);
    char big[200];
    snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: x\r\nA: %080d\r\n\r\n", 0);
    TH_OK(!feed(&f, big));
    TH_HAS(f.rec.out, "431 ");
    teardown(&f);
}

TH_TEST(http_response_checks)
{
    fixture f;
    setup(&f, NULL);
    f.rec.mode = HOLD;
    TH_OK(feed(&f, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    hx_req_t *r = f.rec.held;
    hx_header_t bad = {"X-A", 3, "a\r\nInjected: 1", 14};
    TH_EQ(hx_resp_start(r, 200, &bad, 1), WH_ARG);
    hx_header_t badname = {"X A", 3, "v", 1};
    TH_EQ(hx_resp_start(r, 200, &badname, 1), WH_ARG);
    TH_EQ(hx_resp_start(r, 100, NULL, 0), WH_ARG);
    TH_EQ(hx_resp_write(r, "x", 1), WH_ARG); /* before start */
    hx_header_t h[2] = {{"Content-Length", 14, "4", 1}, {"Connection", 10, "close", 5}};
    TH_EQ(hx_resp_start(r, 200, h, 2), WH_OK);
    TH_EQ(hx_resp_write(r, "abcde", 5), WH_ARG); /* more than Content-Length */
    TH_EQ(hx_resp_write(r, "abcd", 4), WH_OK);
    TH_EQ(hx_resp_end(r, NULL, 0), WH_OK);
    hx__conn_run(f.c);
    TH_HAS(f.rec.out, "Content-Length: 4\r\nConnection: close\r\n\r\nabcd");
    TH_EQ(count(f.rec.out, "Content-Length"), 1);
    TH_OK(f.c->closed); /* the embedder asked for close */
    teardown(&f);
}

TH_TEST(http_head_and_204)
{
    fixture f;
    setup(&f, NULL);
    f.rec.mode = HOLD;
    TH_OK(feed(&f, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"));
    TH_EQ(hx_resp_send(f.rec.held, 200, NULL, 0, "hello", 5), WH_OK);
    hx__conn_run(f.c);
    TH_HAS(f.rec.out, "Content-Length: 5\r\n\r\n");
    TH_OK(strstr(f.rec.out, "hello") == NULL);
    f.rec.out_len = 0;
    f.rec.out[0] = 0;
    TH_OK(feed(&f, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    TH_EQ(hx_resp_start(f.rec.held, 204, NULL, 0), WH_OK);
    TH_EQ(hx_resp_write(f.rec.held, "dropped", 7), WH_OK);
    TH_EQ(hx_resp_end(f.rec.held, NULL, 0), WH_OK);
    hx__conn_run(f.c);
    TH_OK(strstr(f.rec.out, "Content-Length") == NULL);
    TH_OK(strstr(f.rec.out, "Transfer-Encoding") == NULL);
    TH_OK(strstr(f.rec.out, "dropped") == NULL);
    teardown(&f);
}

TH_TEST(http_eof_mid_body_aborts)
{
    fixture f;
    setup(&f, NULL);
    f.rec.mode = HOLD;
    TH_OK(feed(&f, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
    TH_EQ(f.rec.requests, 1);
    TH_OK(!hx__conn_feed(f.c, NULL, 0));
    teardown(&f); /* on_abort is delivered when the connection ends */
    TH_EQ(f.rec.aborts, 1);
}

TH_TEST(http_pause_resume_body)
{
    fixture f;
    setup(&f, NULL);
    f.rec.mode = HOLD;
    TH_OK(feed(&f, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n"));
    hx_req_pause_body(f.rec.held);
    TH_OK(feed(&f, "abc"));
    TH_EQ(f.rec.body_len, 0);
    hx_req_resume_body(f.rec.held);
    hx__conn_run(f.c);
    TH_EQ(f.rec.body_len, 3);
    TH_OK(feed(&f, "def"));
    TH_EQ(f.rec.body_len, 6);
    TH_EQ(f.rec.body_ends, 1);
    TH_EQ(hx_resp_end(f.rec.held, NULL, 0), WH_OK);
    teardown(&f);
    TH_EQ(f.rec.aborts, 0);
}

/* A body paused from on_body at its last byte, with nothing more to read:
 * its end still comes once resumed (the parser owes on_message_complete
 * and must run without input to give it). A client waits for the answer
 * before it sends more, so nothing else would make the parser run. */
TH_TEST(http_pause_at_body_end)
{
    fixture f;
    setup(&f, NULL);
    f.rec.mode = HOLD;
    f.rec.pause_in_body = true;
    TH_OK(feed(&f, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabcdef"));
    TH_EQ(f.rec.body_len, 6);
    TH_EQ(f.rec.body_ends, 0);
    f.rec.pause_in_body = false;
    hx_req_resume_body(f.rec.held);
    hx__conn_run(f.c);
    TH_EQ(f.rec.body_ends, 1);
    TH_EQ(hx_resp_end(f.rec.held, NULL, 0), WH_OK);
    /* the same with the body in a read of its own */
    f.rec.pause_in_body = true;
    f.rec.body_len = 0;
    TH_OK(feed(&f, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n"));
    TH_EQ(f.rec.requests, 2);
    TH_OK(feed(&f, "xyz"));
    TH_EQ(f.rec.body_len, 3);
    TH_EQ(f.rec.body_ends, 1);
    f.rec.pause_in_body = false;
    hx_req_resume_body(f.rec.held);
    hx__conn_run(f.c);
    TH_EQ(f.rec.body_ends, 2);
    TH_EQ(hx_resp_end(f.rec.held, NULL, 0), WH_OK);
    teardown(&f);
    TH_EQ(f.rec.aborts, 0);
}

/* A subscriber's events, counted apart from the handler's. */
typedef struct {
    int bodies, body_ends, aborts;
    size_t body_len;
} sub_t;

static void sub_body(hx_req_t *req, const uint8_t *data, size_t len, void *ud)
{
    sub_t *s = ud;
    s->bodies++;
    s->body_len += len;
}

static void sub_body_end(hx_req_t *req, const hx_header_t *t, size_t n, void *ud)
{
    ((sub_t *)ud)->body_ends++;
}

static void sub_abort(hx_req_t *req, hx_abort_reason why, void *ud)
{
    ((sub_t *)ud)->aborts++;
}

static const hx_req_events_t sub_events = {sub_body, sub_body_end, NULL, sub_abort};

/* Once subscribed, a request's events go to the subscriber alone; the body
 * paused by the dispatcher until then loses nothing. */
TH_TEST(http_subscribe)
{
    fixture f;
    setup(&f, NULL);
    f.rec.mode = HOLD;
    sub_t sub = {0};
    TH_OK(feed(&f, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n"));
    hx_req_pause_body(f.rec.held); /* as a dispatcher without a taker yet */
    TH_OK(feed(&f, "abc"));
    hx_req_subscribe(f.rec.held, &sub_events, &sub);
    hx_req_resume_body(f.rec.held);
    hx__conn_run(f.c);
    TH_OK(feed(&f, "def"));
    TH_EQ(sub.body_len, 6);
    TH_EQ(sub.body_ends, 1);
    TH_EQ(f.rec.bodies, 0);
    TH_EQ(f.rec.body_ends, 0);
    TH_EQ(hx_resp_end(f.rec.held, NULL, 0), WH_OK);
    /* the next request's events are the handler's again */
    TH_OK(feed(&f, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nz"));
    TH_EQ(f.rec.requests, 2);
    TH_EQ(f.rec.body_len, 1);
    TH_EQ(sub.body_len, 6);
    /* an abort goes to the subscriber */
    hx_req_subscribe(f.rec.held, &sub_events, &sub);
    hx__conn_kill(f.c, HX_ABORT_CLIENT_GONE);
    teardown(&f);
    TH_EQ(sub.aborts, 1);
    TH_EQ(f.rec.aborts, 0);
    /* unsubscribing gives the events back */
    setup(&f, NULL);
    f.rec.mode = HOLD;
    TH_OK(feed(&f, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n"));
    hx_req_subscribe(f.rec.held, &sub_events, &sub);
    hx_req_subscribe(f.rec.held, NULL, NULL);
    TH_OK(feed(&f, "hi"));
    TH_EQ(f.rec.body_len, 2);
    TH_EQ(sub.body_len, 6);
    TH_EQ(hx_resp_end(f.rec.held, NULL, 0), WH_OK);
    teardown(&f);
}

TH_TEST(http_expect_continue)
{
    fixture f;
    setup(&f, NULL);
    f.rec.mode = ANSWER_AT_END;
    TH_OK(feed(&f, "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                   "Content-Length: 2\r\n\r\n"));
    TH_STR(f.rec.out, "HTTP/1.1 100 Continue\r\n\r\n");
    TH_OK(feed(&f, "hi"));
    TH_HAS(f.rec.out, "200 OK");
    teardown(&f);
}

/* Every allocation failing in turn: no crash, no leak (under ASan). */
TH_TEST(http_alloc_failures)
{
    const char *req = "POST /x HTTP/1.1\r\nHost: x\r\nA: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n0\r\nT: 1\r\n\r\nGET /y HTTP/1.1\r\nHost: x\r\n\r\n";
    for (uint64_t n = 1; n < 40; n++) {
        fixture f;
        wh_alloc_fail_after(n);
        setup(&f, NULL);
        if (f.srv && f.c) {
            f.rec.mode = ANSWER_AT_END;
            feed(&f, req);
            hx__conn_feed(f.c, NULL, 0);
        }
        hx__conn_free_detached(f.c);
        hx__server_free_detached(f.srv);
        wh_alloc_fail_after(0);
    }
    TH_OK(true);
}
