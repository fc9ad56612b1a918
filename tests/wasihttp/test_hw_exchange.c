/*
 * test_hw_exchange.c — exchanges: a request on a detached connection (no
 * socket), the guest's side played by calling the host functions, and what
 * the client gets: request accessors, responses whole and streamed,
 * trailers both ways, request bodies with backpressure, Content-Length,
 * HEAD, Expect, the 500s, and clients that leave.
 */
#include "hw_fixture.h"

/* Feeds what the connection has room for; returns how much it took. */
static size_t feed_some(hwfx *f, const char *p, size_t n)
{
    hx_conn_t *c = f->c;
    hx__conn_run(c);
    size_t room = c->in_cap - c->in_len + c->in_off;
    if (n > room)
        n = room;
    if (n)
        hx__conn_feed(c, p, n);
    return n;
}

static uint32_t g_consume(hwfx *f)
{
    cm_val_t a[1] = {v_h(f->req_rep)}, r;
    TH_EQ(HT(f, "[method]incoming-request.consume", a, &r), WH_OK);
    TH_OK(r_ok(&r));
    return r_rep(&r);
}

static uint32_t g_in_stream(hwfx *f, uint32_t body)
{
    cm_val_t a[1] = {v_h(body)}, r;
    TH_EQ(HT(f, "[method]incoming-body.stream", a, &r), WH_OK);
    TH_OK(r_ok(&r));
    return r_rep(&r);
}

/* input-stream.read: the bytes appended to buf (returns how many), or -1
 * - the stream-error case; *err_code gets the http-error-code of a
 * failure. */
static long g_read(hwfx *f, uint32_t s, char *buf, size_t max, int *err_code)
{
    cm_val_t a[2] = {v_h(s), v_u(CM_U64, max)}, r;
    TH_EQ(fx_call(f, IO_STREAMS, "[method]input-stream.read", a, &r), WH_OK);
    if (!r_ok(&r)) {
        if (err_code)
            *err_code = g_stream_http_error(f, &r);
        return -1 - (long)r.of.var.v->of.var.tag;
    }
    const cm_val_t *l = r.of.var.v;
    long n = (long)l->of.bytes.n;
    if (n)
        memcpy(buf, l->of.bytes.ptr, (size_t)n);
    wh_arena_reset(&f->arena);
    return n;
}

static uint32_t g_in_finish(hwfx *f, uint32_t body)
{
    cm_val_t a[1] = {v_h(body)}, r;
    TH_EQ(HT(f, "[static]incoming-body.finish", a, &r), WH_OK);
    return r.of.handle.rep;
}

/* The client sends a plain GET. */
static void feed_get(hwfx *f)
{
    TH_OK(fx_feed(f, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
}

/* A response with the fields h and a body stream, set at once. */
static void respond_with(hwfx *f, uint32_t h, int status, uint32_t *body, uint32_t *stream)
{
    uint32_t resp = g_response(f, h, status);
    *body = g_resp_body(f, resp);
    g_set_ok(f, resp);
    *stream = g_body_stream(f, *body);
}

static void respond(hwfx *f, int status, uint32_t *body, uint32_t *stream)
{
    respond_with(f, g_fields(f), status, body, stream);
}

/* The guest ends its body: the stream dropped, then finish, which must
 * succeed. */
static void end_body(hwfx *f, uint32_t stream, uint32_t body)
{
    g_drop(f, stream);
    TH_EQ(g_finish(f, body, 0), -1);
}

/* A new connection whose response already sent its head and "partial"
 * (the guest waited after writing it). */
static void partly_sent(hwfx *f, uint32_t *body, uint32_t *stream)
{
    fx_setup(f, NULL);
    feed_get(f);
    respond(f, 200, body, stream);
    TH_EQ(g_write(f, *stream, "partial", 7), -1);
    fx_loop(f);
}

TH_TEST(hw_ex_request_accessors)
{
    hwfx f;
    fx_setup(&f, NULL);
    TH_OK(fx_feed(&f, "GET /a/b?c=d%20e HTTP/1.1\r\nHost: example.com:8080\r\nX-Y: z\r\n"
                      "x-y: second\r\n\r\n"));
    TH_EQ(f.requests, 1);
    cm_val_t a[1] = {v_h(f.req_rep)}, r;
    TH_EQ(HT(&f, "[method]incoming-request.method", a, &r), WH_OK);
    TH_EQ(r.of.var.tag, 0); /* get */
    TH_EQ(HT(&f, "[method]incoming-request.path-with-query", a, &r), WH_OK);
    TH_OK(r.of.var.tag == 1 && r.of.var.v->of.str.len == 12 &&
          !memcmp(r.of.var.v->of.str.ptr, "/a/b?c=d%20e", 12));
    TH_EQ(HT(&f, "[method]incoming-request.scheme", a, &r), WH_OK);
    TH_OK(r.of.var.tag == 1 && r.of.var.v->of.var.tag == 0); /* some(HTTP) */
    TH_EQ(HT(&f, "[method]incoming-request.authority", a, &r), WH_OK);
    TH_OK(r.of.var.tag == 1 && r.of.var.v->of.str.len == 16);
    TH_EQ(HT(&f, "[method]incoming-request.headers", a, &r), WH_OK);
    uint32_t h = r.of.handle.rep;
    TH_STR(g_get(&f, h, "X-y"), "z,second");
    TH_STR(g_get(&f, h, "host"), "example.com:8080");
    TH_EQ(g_append(&f, h, "x", "y"), 2); /* immutable */
    /* consume: once */
    g_consume(&f);
    TH_EQ(HT(&f, "[method]incoming-request.consume", a, &r), WH_OK);
    TH_OK(!r_ok(&r));
    /* the request outlives the exchange (copied at arrival) */
    TH_EQ(fx_finish(&f, WH_OK), 500);
    TH_EQ(HT(&f, "[method]incoming-request.authority", a, &r), WH_OK);
    TH_OK(r.of.var.tag == 1);
    TH_STR(g_get(&f, h, "x-y"), "z,second");
    g_drop(&f, f.req_rep);
    TH_STR(g_get(&f, h, "x-y"), "z,second"); /* a child outliving its parent */

    /* other methods, absolute-form targets */
    TH_OK(fx_feed(&f, "PROPFIND http://h.example:81/p?q HTTP/1.1\r\nHost: other\r\n\r\n"));
    TH_EQ(f.requests, 2);
    a[0] = v_h(f.req_rep);
    TH_EQ(HT(&f, "[method]incoming-request.method", a, &r), WH_OK);
    TH_OK(r.of.var.tag == 9 && r.of.var.v->of.str.len == 8 &&
          !memcmp(r.of.var.v->of.str.ptr, "PROPFIND", 8));
    TH_EQ(HT(&f, "[method]incoming-request.path-with-query", a, &r), WH_OK);
    TH_OK(r.of.var.tag == 1 && r.of.var.v->of.str.len == 4);
    TH_EQ(HT(&f, "[method]incoming-request.authority", a, &r), WH_OK);
    TH_OK(r.of.var.tag == 1 && r.of.var.v->of.str.len == 12 &&
          !memcmp(r.of.var.v->of.str.ptr, "h.example:81", 12));
    fx_finish(&f, WH_OK);
    /* HTTP/1.0 without Host: no authority */
    TH_OK(fx_feed(&f, "DELETE /x HTTP/1.0\r\n\r\n") || true);
    a[0] = v_h(f.req_rep);
    TH_EQ(HT(&f, "[method]incoming-request.method", a, &r), WH_OK);
    TH_EQ(r.of.var.tag, 4);
    TH_EQ(HT(&f, "[method]incoming-request.authority", a, &r), WH_OK);
    TH_EQ(r.of.var.tag, 0);
    fx_teardown(&f);
}

TH_TEST(hw_ex_streamed_response_with_trailers)
{
    hwfx f;
    fx_setup(&f, NULL);
    f.extra[0] = (hx_header_t){"X-Instance", 10, "7", 1};
    f.nextra = 1;
    feed_get(&f);
    uint32_t h = g_fields(&f);
    TH_EQ(g_append(&f, h, "Content-Type", "text/plain"), -1);
    uint32_t resp = g_response(&f, h, 201);
    uint32_t body = g_resp_body(&f, resp);
    g_set_ok(&f, resp);
    TH_OK(hw_exchange_responded(f.ex));
    uint32_t s = g_body_stream(&f, body);
    TH_OK(g_check_write(&f, s) > 0);
    TH_EQ(g_write(&f, s, "hello ", 6), -1);
    TH_EQ(f.out_len, 0); /* held until the loop runs */
    TH_EQ(g_check_write(&f, s), 65536 - 6);
    fx_loop(&f);
    TH_HAS(f.out, "HTTP/1.1 201 Created\r\n");
    TH_HAS(f.out, "Content-Type: text/plain\r\n");
    TH_HAS(f.out, "X-Instance: 7\r\n");
    TH_HAS(f.out, "Transfer-Encoding: chunked\r\n");
    TH_HAS(f.out, "\r\n\r\n6\r\nhello \r\n");
    TH_EQ(g_write(&f, s, "world", 5), -1);
    g_drop(&f, s);
    uint32_t t = g_fields(&f);
    TH_EQ(g_append(&f, t, "Content-Length", "11"), -1); /* not a trailer: left out */
    TH_EQ(g_append(&f, t, "X-Checksum", "abc"), -1);
    TH_EQ(g_append(&f, t, "Trailer", "x"), -1); /* idem */
    TH_EQ(g_finish(&f, body, t), -1);
    TH_HAS(f.out, "6\r\nhello \r\n5\r\nworld\r\n0\r\nX-Checksum: abc\r\n\r\n");
    TH_EQ(count_of(f.out, "HTTP/1.1"), 1);
    TH_OK(strstr(f.out, "Content-Length") == NULL);
    TH_EQ(fx_finish(&f, WH_OK), 201);
    /* the connection is ready for the next request */
    fx_clear_out(&f);
    TH_OK(fx_feed(&f, "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n"));
    TH_EQ(f.requests, 2);
    TH_EQ(fx_finish(&f, WH_OK), 500);
    TH_HAS(f.out, "HTTP/1.1 500 ");
    TH_HAS(f.out, "X-Instance: 7\r\n");
    fx_teardown(&f);
}

TH_TEST(hw_ex_whole_responses)
{
    hwfx f;
    fx_setup(&f, NULL);
    /* set, then finish without a write: one piece, Content-Length: 0 */
    feed_get(&f);
    uint32_t resp = g_response(&f, g_fields(&f), 202);
    uint32_t body = g_resp_body(&f, resp);
    g_set_ok(&f, resp);
    TH_EQ(g_finish(&f, body, 0), -1);
    TH_HAS(f.out, "HTTP/1.1 202 Accepted\r\n");
    TH_HAS(f.out, "Content-Length: 0\r\n");
    TH_EQ(fx_finish(&f, WH_OK), 202);

    /* written and finished before set: Content-Length of what was written */
    fx_clear_out(&f);
    feed_get(&f);
    resp = g_response(&f, g_fields(&f), 200);
    body = g_resp_body(&f, resp);
    uint32_t s = g_body_stream(&f, body);
    TH_EQ(g_write(&f, s, "early bytes", 11), -1);
    end_body(&f, s, body);
    TH_EQ(f.out_len, 0);
    g_set_ok(&f, resp);
    TH_HAS(f.out, "Content-Length: 11\r\n");
    TH_HAS(f.out, "\r\n\r\nearly bytes");
    TH_OK(strstr(f.out, "chunked") == NULL);
    TH_EQ(fx_finish(&f, WH_OK), 200);

    /* written before set, finished after: the head goes at set */
    fx_clear_out(&f);
    feed_get(&f);
    resp = g_response(&f, g_fields(&f), 200);
    body = g_resp_body(&f, resp);
    s = g_body_stream(&f, body);
    TH_EQ(g_write(&f, s, "part1,", 6), -1);
    g_set_ok(&f, resp);
    fx_loop(&f);
    TH_HAS(f.out, "6\r\npart1,\r\n");
    TH_EQ(g_write(&f, s, "part2", 5), -1);
    end_body(&f, s, body);
    TH_HAS(f.out, "5\r\npart2\r\n0\r\n\r\n");
    TH_EQ(fx_finish(&f, WH_OK), 200);

    /* set, write, flush and finish without waiting: one piece too */
    fx_clear_out(&f);
    feed_get(&f);
    resp = g_response(&f, g_fields(&f), 200);
    body = g_resp_body(&f, resp);
    g_set_ok(&f, resp);
    s = g_body_stream(&f, body);
    cm_val_t bw[2] = {v_h(s), v_bytes(&f, "hello 1\n")}, r;
    TH_EQ(fx_call(&f, IO_STREAMS, "[method]output-stream.blocking-write-and-flush", bw, &r), WH_OK);
    TH_OK(r_ok(&r));
    end_body(&f, s, body);
    TH_HAS(f.out, "Content-Length: 8\r\n\r\nhello 1\n");
    TH_OK(strstr(f.out, "chunked") == NULL);
    TH_EQ(fx_finish(&f, WH_OK), 200);
    fx_loop(&f);

    /* set without ever asking for the body: an empty body */
    fx_clear_out(&f);
    feed_get(&f);
    g_set_ok(&f, g_response(&f, g_fields(&f), 204));
    TH_HAS(f.out, "HTTP/1.1 204 No Content\r\n");
    TH_OK(strstr(f.out, "Content-Length") == NULL);
    TH_EQ(fx_finish(&f, WH_OK), 204);
    fx_clear_out(&f);
    feed_get(&f);
    g_set_ok(&f, g_response(&f, g_fields(&f), 307));
    TH_HAS(f.out, "HTTP/1.1 307 Temporary Redirect\r\n");
    TH_HAS(f.out, "Content-Length: 0\r\n");
    TH_EQ(fx_finish(&f, WH_OK), 307);
    TH_OK(!f.c->closed);
    fx_teardown(&f);
}

TH_TEST(hw_ex_500s)
{
    hwfx f;
    fx_setup(&f, NULL);
    /* handle returned without set */
    feed_get(&f);
    TH_OK(!hw_exchange_responded(f.ex));
    TH_EQ(fx_finish(&f, WH_OK), 500);
    TH_HAS(f.out, "HTTP/1.1 500 Internal Server Error\r\n");
    TH_HAS(f.out, "500 Internal Server Error\n");
    TH_OK(!f.c->closed);
    /* trapped before set */
    fx_clear_out(&f);
    feed_get(&f);
    TH_EQ(fx_finish(&f, WH_TRAP), 500);
    TH_HAS(f.out, "HTTP/1.1 500 ");
    /* out of time before set */
    fx_clear_out(&f);
    feed_get(&f);
    TH_EQ(fx_finish(&f, WH_INTERRUPTED), 504);
    TH_HAS(f.out, "HTTP/1.1 504 Gateway Timeout\r\n");
    /* set, never written nor finished: nothing went out yet, so a 500 */
    fx_clear_out(&f);
    feed_get(&f);
    uint32_t resp = g_response(&f, g_fields(&f), 200);
    uint32_t body = g_resp_body(&f, resp);
    g_set_ok(&f, resp);
    TH_EQ(fx_finish(&f, WH_OK), 500);
    TH_HAS(f.out, "HTTP/1.1 500 ");
    TH_OK(!f.c->closed); /* a whole answer: the connection goes on */
    g_drop(&f, body);
    /* the same with the deadline: 504 */
    fx_clear_out(&f);
    feed_get(&f);
    resp = g_response(&f, g_fields(&f), 200);
    body = g_resp_body(&f, resp);
    g_set_ok(&f, resp);
    TH_EQ(fx_finish(&f, WH_INTERRUPTED), 504);
    TH_HAS(f.out, "HTTP/1.1 504 ");
    g_drop(&f, body);
    fx_teardown(&f);

    /* set and written, then the call returns without finish: nothing went
     * out yet, so a 500 */
    fx_setup(&f, NULL);
    feed_get(&f);
    uint32_t s;
    respond(&f, 200, &body, &s);
    TH_EQ(g_write(&f, s, "partial", 7), -1);
    TH_EQ(fx_finish(&f, WH_OK), 500);
    TH_HAS(f.out, "HTTP/1.1 500 ");
    TH_OK(strstr(f.out, "partial") == NULL);
    fx_teardown(&f);

    /* the same after the guest waited (the head and bytes went): cut */
    partly_sent(&f, &body, &s);
    TH_EQ(fx_finish(&f, WH_OK), 0);
    TH_HAS(f.out, "7\r\npartial\r\n");
    TH_OK(strstr(f.out, "0\r\n\r\n") == NULL);
    TH_OK(f.c->closed);
    /* the guest's streams fail from now on, without touching the request */
    TH_EQ(g_write(&f, s, "more", 4), 0);
    fx_teardown(&f);

    /* trapped after set and a write that went: cut */
    partly_sent(&f, &body, &s);
    TH_EQ(fx_finish(&f, WH_TRAP), 0);
    TH_OK(f.c->closed);
    fx_teardown(&f);

    /* more than COALESCE bytes go at once: a trap right after them cuts */
    fx_setup(&f, NULL);
    feed_get(&f);
    respond(&f, 200, &body, &s);
    static char big[20000];
    memset(big, 'b', sizeof big);
    TH_EQ(g_write(&f, s, big, sizeof big), -1);
    TH_HAS(f.out, "HTTP/1.1 200 OK");
    TH_EQ(fx_finish(&f, WH_TRAP), 0);
    TH_OK(f.c->closed);
    fx_teardown(&f);

    /* the body dropped without finish: cut at once */
    partly_sent(&f, &body, &s);
    g_drop(&f, s);
    g_drop(&f, body);
    TH_OK(f.c->closed);
    TH_EQ(fx_finish(&f, WH_OK), 0);
    fx_teardown(&f);
}

/* The body as the client got it: what follows the head. */
static const char *body_of(const hwfx *f)
{
    const char *p = f->out ? strstr(f->out, "\r\n\r\n") : NULL;
    return p ? p + 4 : "";
}

/* What hw_exchange_finish says went out as the body (the access log's
 * bytes): the payload the client got, not the chunk framing; nothing for
 * HEAD and 204; the exchange's own error text; up to the cut of a cut
 * response. */
TH_TEST(hw_ex_body_bytes)
{
    hwfx f;
    uint32_t body, s;
    /* whole: written, finished, sent with a Content-Length */
    fx_setup(&f, NULL);
    feed_get(&f);
    respond(&f, 200, &body, &s);
    TH_EQ(g_write(&f, s, "hello world", 11), -1);
    end_body(&f, s, body);
    TH_EQ(fx_finish(&f, WH_OK), 200);
    TH_STR(body_of(&f), "hello world");
    TH_EQ(f.body_bytes, 11);

    /* streamed in two chunks */
    fx_clear_out(&f);
    feed_get(&f);
    respond(&f, 200, &body, &s);
    TH_EQ(g_write(&f, s, "hello ", 6), -1);
    fx_loop(&f);
    TH_EQ(g_write(&f, s, "world", 5), -1);
    end_body(&f, s, body);
    TH_EQ(fx_finish(&f, WH_OK), 200);
    TH_HAS(f.out, "6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n");
    TH_EQ(f.body_bytes, 11);

    /* a write bigger than what is held goes straight to the server */
    fx_clear_out(&f);
    feed_get(&f);
    respond(&f, 200, &body, &s);
    static char big[20000];
    memset(big, 'b', sizeof big);
    TH_EQ(g_write(&f, s, "a", 1), -1);
    TH_EQ(g_write(&f, s, big, sizeof big), -1);
    TH_EQ(g_write(&f, s, "z", 1), -1);
    end_body(&f, s, body);
    TH_EQ(fx_finish(&f, WH_OK), 200);
    TH_EQ(f.body_bytes, 20002);

    /* no response from the guest: the exchange's 500 and its text */
    fx_clear_out(&f);
    feed_get(&f);
    TH_EQ(fx_finish(&f, WH_TRAP), 500);
    TH_OK(f.body_bytes > 0);
    TH_EQ(f.body_bytes, strlen(body_of(&f)));

    /* HEAD: the guest's bytes are dropped, none counts */
    fx_clear_out(&f);
    TH_OK(fx_feed(&f, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"));
    respond(&f, 200, &body, &s);
    TH_EQ(g_write(&f, s, "dropped", 7), -1);
    end_body(&f, s, body);
    TH_EQ(fx_finish(&f, WH_OK), 200);
    TH_STR(body_of(&f), "");
    TH_EQ(f.body_bytes, 0);

    /* 204: idem */
    fx_clear_out(&f);
    feed_get(&f);
    respond(&f, 204, &body, &s);
    TH_EQ(g_write(&f, s, "dropped", 7), -1);
    end_body(&f, s, body);
    TH_EQ(fx_finish(&f, WH_OK), 204);
    TH_EQ(f.body_bytes, 0);
    fx_teardown(&f);

    /* cut: the bytes that went before the trap */
    partly_sent(&f, &body, &s);
    TH_EQ(fx_finish(&f, WH_TRAP), 0);
    TH_OK(f.c->closed);
    TH_EQ(f.body_bytes, 7);
    fx_teardown(&f);
}

TH_TEST(hw_ex_error_code_statuses)
{
    static const struct {
        hw_ec_tag code;
        const char *want;
    } cases[] = {
        {HW_EC_HTTP_REQUEST_DENIED, "HTTP/1.1 403 "},
        {HW_EC_CONNECTION_TIMEOUT, "HTTP/1.1 504 "},
        {HW_EC_CONNECTION_REFUSED, "HTTP/1.1 502 "},
        {HW_EC_DESTINATION_UNAVAILABLE, "HTTP/1.1 503 "},
        {HW_EC_HTTP_REQUEST_BODY_SIZE, "HTTP/1.1 413 "},
        {HW_EC_INTERNAL_ERROR, "HTTP/1.1 500 "},
    };
    hwfx f;
    fx_setup(&f, NULL);
    cm_call_t call = {.inst = &f.inst, .arena = &f.arena};
    for (size_t i = 0; i < WH_ARRAY_LEN(cases); i++) {
        fx_clear_out(&f);
        feed_get(&f);
        cm_val_t code;
        hw_errcode_t e = hw_ec(cases[i].code);
        TH_EQ(hw__ec_val(&call, &e, &code), WH_OK);
        cm_val_t a[2] = {v_h(f.out_rep), v_var(&f, CM_RESULT, 1, &code)};
        TH_EQ(HT(&f, "[static]response-outparam.set", a, NULL), WH_OK);
        TH_OK(hw_exchange_responded(f.ex));
        TH_HAS(f.out, cases[i].want);
        TH_EQ(fx_finish(&f, WH_OK), hw__ec_status(cases[i].code));
    }
    fx_teardown(&f);
}

TH_TEST(hw_ex_request_body_and_trailers)
{
    hwfx f;
    fx_setup(&f, NULL);
    TH_OK(fx_feed(&f, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello"));
    uint32_t body = g_consume(&f);
    uint32_t s = g_in_stream(&f, body);
    char buf[64];
    TH_EQ(g_read(&f, s, buf, sizeof buf, NULL), 5);
    TH_OK(!memcmp(buf, "hello", 5));
    TH_EQ(g_read(&f, s, buf, sizeof buf, NULL), 0); /* would block */
    /* subscribe: not ready until more comes */
    cm_val_t a[1] = {v_h(s)}, r;
    TH_EQ(fx_call(&f, IO_STREAMS, "[method]input-stream.subscribe", a, &r), WH_OK);
    uint32_t p = r.of.handle.rep;
    a[0] = v_h(p);
    TH_EQ(fx_call(&f, IO_POLL, "[method]pollable.ready", a, &r), WH_OK);
    TH_OK(!r.of.b);
    TH_EQ(fx_call(&f, IO_POLL, "[method]pollable.block", a, &r), WH_SUSPEND);
    int wakes = f.wakes;
    TH_OK(fx_feed(&f, " world"));
    TH_OK(f.wakes > wakes); /* the waiting guest was woken */
    TH_EQ(fx_call(&f, IO_POLL, "[method]pollable.ready", a, &r), WH_OK);
    TH_OK(r.of.b);
    g_drop(&f, p);
    TH_EQ(g_read(&f, s, buf, 3, NULL), 3);
    TH_OK(!memcmp(buf, " wo", 3));
    TH_EQ(g_read(&f, s, buf, sizeof buf, NULL), 3);
    TH_EQ(g_read(&f, s, buf, sizeof buf, NULL), -2); /* closed */
    g_drop(&f, s);
    uint32_t ft = g_in_finish(&f, body);
    a[0] = v_h(ft);
    TH_EQ(HT(&f, "[method]future-trailers.get", a, &r), WH_OK);
    /* some(ok(ok(none))) */
    TH_OK(r.of.var.tag == 1 && r.of.var.v->of.var.tag == 0 &&
          r.of.var.v->of.var.v->of.var.tag == 0 && r.of.var.v->of.var.v->of.var.v->of.var.tag == 0);
    TH_EQ(HT(&f, "[method]future-trailers.get", a, &r), WH_OK);
    TH_OK(r.of.var.tag == 1 && r.of.var.v->of.var.tag == 1); /* some(err) */
    fx_finish(&f, WH_OK);
    fx_teardown(&f);

    /* chunked, with trailers; finish before the end */
    fx_setup(&f, NULL);
    TH_OK(fx_feed(&f, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n"));
    body = g_consume(&f);
    s = g_in_stream(&f, body);
    TH_EQ(g_read(&f, s, buf, sizeof buf, NULL), 3);
    g_drop(&f, s);
    ft = g_in_finish(&f, body);
    a[0] = v_h(ft);
    TH_EQ(HT(&f, "[method]future-trailers.get", a, &r), WH_OK);
    TH_EQ(r.of.var.tag, 0); /* none yet */
    TH_EQ(HT(&f, "[method]future-trailers.subscribe", a, &r), WH_OK);
    p = r.of.handle.rep;
    cm_val_t pa[1] = {v_h(p)};
    TH_EQ(fx_call(&f, IO_POLL, "[method]pollable.ready", pa, &r), WH_OK);
    TH_OK(!r.of.b);
    TH_OK(fx_feed(&f, "4\r\ndrop\r\n0\r\nX-Sum: 42\r\nX-Other: y\r\n\r\n"));
    TH_EQ(fx_call(&f, IO_POLL, "[method]pollable.ready", pa, &r), WH_OK);
    TH_OK(r.of.b);
    TH_EQ(HT(&f, "[method]future-trailers.get", a, &r), WH_OK);
    const cm_val_t *opt = r.of.var.v->of.var.v->of.var.v;
    TH_OK(r.of.var.tag == 1 && opt->of.var.tag == 1);
    uint32_t th = opt->of.var.v->of.handle.rep;
    TH_STR(g_entries(&f, th), "X-Sum=42;X-Other=y;");
    TH_EQ(g_append(&f, th, "x", "y"), 2); /* immutable */
    fx_finish(&f, WH_OK);
    fx_teardown(&f);
}

TH_TEST(hw_ex_request_body_backpressure)
{
    hwfx f;
    fx_setup(&f, NULL);
    enum { LEN = 1000000 };
    char head[128];
    snprintf(head, sizeof head, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", LEN);
    TH_OK(fx_feed(&f, head));
    char *src = malloc(LEN), *got = malloc(LEN);
    for (int i = 0; i < LEN; i++)
        src[i] = (char)('a' + (i * 7 + i / 1000) % 26);
    size_t fed = 0, read = 0, most = 0;
    uint32_t body = g_consume(&f);
    uint32_t s = g_in_stream(&f, body);
    int rounds = 0;
    while (read < LEN && rounds++ < 100000) {
        /* the client sends as much as it may */
        size_t k;
        while (fed < LEN && (k = feed_some(&f, src + fed, LEN - fed)) > 0)
            fed += k;
        /* the guest reads one big gulp: never more than the flow holds */
        long n = g_read(&f, s, got + read, 1 << 20, NULL);
        TH_OK(n >= 0);
        if (n < 0)
            break;
        if ((size_t)n > most)
            most = (size_t)n;
        read += (size_t)n;
    }
    TH_EQ(read, LEN);
    TH_OK(memcmp(src, got, LEN) == 0);
    /* bounded: the buffer limit plus at most one read of the server */
    TH_OK(most <= HW_BODY_BUFFER + 16384);
    TH_OK(most >= HW_BODY_BUFFER / 2);
    char b[8];
    TH_EQ(g_read(&f, s, b, sizeof b, NULL), -2);
    free(src);
    free(got);
    fx_teardown(&f);
}

TH_TEST(hw_ex_client_gone)
{
    hwfx f;
    fx_setup(&f, NULL);
    TH_OK(fx_feed(&f, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"));
    uint32_t body = g_consume(&f);
    uint32_t s = g_in_stream(&f, body);
    uint32_t rb, ws;
    respond(&f, 200, &rb, &ws);
    TH_EQ(g_write(&f, ws, "x", 1), -1);
    fx_loop(&f);
    hx__conn_feed(f.c, "", 0); /* the client leaves */
    TH_EQ(f.aborts, 0);        /* the exchange heard it, not the dispatcher */
    char buf[64];
    int code = -9;
    TH_EQ(g_read(&f, s, buf, sizeof buf, &code), 10); /* what came is still there */
    TH_EQ(g_read(&f, s, buf, sizeof buf, &code), -1); /* then last-operation-failed */
    TH_EQ(code, HW_EC_CONNECTION_TERMINATED);
    TH_EQ(g_read(&f, s, buf, sizeof buf, &code), -2); /* and closed */
    /* writes fail, with the same reason */
    TH_EQ(g_check_write(&f, ws), -1);
    TH_EQ(g_write(&f, ws, "y", 1), 1);
    /* finish says so too */
    g_drop(&f, ws);
    TH_EQ(g_finish(&f, rb, 0), HW_EC_CONNECTION_TERMINATED);
    TH_EQ(fx_finish(&f, WH_OK), 0);
    g_drop(&f, s);
    g_drop(&f, body);
    fx_teardown(&f);

    /* gone before the guest answered: set finds nobody, nothing breaks */
    fx_setup(&f, NULL);
    feed_get(&f);
    /* a reset (an EOF after a whole request is a half-close); on_abort
     * comes when the socket is closed */
    hx__conn_kill(f.c, HX_ABORT_CLIENT_GONE);
    hx__conn_finish(f.c);
    TH_EQ(f.aborts, 0); /* the exchange heard it */
    uint32_t resp = g_response(&f, g_fields(&f), 200);
    body = g_resp_body(&f, resp);
    g_set_ok(&f, resp);
    s = g_body_stream(&f, body);
    cm_val_t a[2] = {v_h(s), v_bytes(&f, "z")}, r;
    TH_EQ(fx_call(&f, IO_STREAMS, "[method]output-stream.write", a, &r), WH_OK);
    TH_EQ(g_stream_http_error(&f, &r), HW_EC_CONNECTION_TERMINATED);
    TH_EQ(fx_finish(&f, WH_OK), 0);
    fx_teardown(&f);
}

TH_TEST(hw_ex_content_length)
{
    hwfx f;
    uint32_t resp, body, s;
    fx_setup(&f, NULL);
    /* exactly the length: fine */
    feed_get(&f);
    uint32_t h = g_fields(&f);
    TH_EQ(g_append(&f, h, "Content-Length", "5"), -1);
    respond_with(&f, h, 200, &body, &s);
    TH_EQ(g_write(&f, s, "ab", 2), -1);
    TH_EQ(g_write(&f, s, "cde", 3), -1);
    end_body(&f, s, body);
    TH_HAS(f.out, "Content-Length: 5\r\n");
    TH_HAS(f.out, "\r\n\r\nabcde");
    TH_EQ(fx_finish(&f, WH_OK), 200);
    TH_OK(!f.c->closed);

    /* more than the length: the write fails, finish too, the response is cut */
    fx_clear_out(&f);
    feed_get(&f);
    h = g_fields(&f);
    TH_EQ(g_append(&f, h, "Content-Length", "3"), -1);
    respond_with(&f, h, 200, &body, &s);
    TH_EQ(g_write(&f, s, "ab", 2), -1);
    fx_loop(&f);
    cm_val_t a[2] = {v_h(s), v_bytes(&f, "cd")}, r;
    TH_EQ(fx_call(&f, IO_STREAMS, "[method]output-stream.write", a, &r), WH_OK);
    TH_EQ(g_stream_http_error(&f, &r), HW_EC_HTTP_RESPONSE_BODY_SIZE);
    g_drop(&f, s);
    TH_EQ(g_finish(&f, body, 0), HW_EC_HTTP_RESPONSE_BODY_SIZE);
    TH_OK(f.c->closed);
    TH_EQ(fx_finish(&f, WH_OK), 0);
    fx_teardown(&f);

    /* fewer: finish fails; the response is cut, or is a 500 when nothing
     * went out yet */
    for (int waited = 0; waited < 2; waited++) {
        fx_setup(&f, NULL);
        feed_get(&f);
        h = g_fields(&f);
        TH_EQ(g_append(&f, h, "Content-Length", "10"), -1);
        respond_with(&f, h, 200, &body, &s);
        TH_EQ(g_write(&f, s, "short", 5), -1);
        if (waited)
            fx_loop(&f);
        g_drop(&f, s);
        TH_EQ(g_finish(&f, body, 0), HW_EC_HTTP_RESPONSE_BODY_SIZE);
        TH_OK(f.c->closed == waited); /* a cut closes; a 500 does not */
        TH_EQ(fx_finish(&f, WH_OK), waited ? 0 : 500);
        TH_HAS(f.out, waited ? "Content-Length: 10\r\n" : "HTTP/1.1 500 ");
        fx_teardown(&f);
    }

    /* HEAD: the length is stated, no body owed */
    fx_setup(&f, NULL);
    TH_OK(fx_feed(&f, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"));
    h = g_fields(&f);
    TH_EQ(g_append(&f, h, "Content-Length", "1234"), -1);
    resp = g_response(&f, h, 200);
    body = g_resp_body(&f, resp);
    g_set_ok(&f, resp);
    TH_EQ(g_finish(&f, body, 0), -1);
    TH_HAS(f.out, "Content-Length: 1234\r\n");
    TH_OK(!f.c->closed);
    TH_EQ(fx_finish(&f, WH_OK), 200);
    fx_teardown(&f);
}

TH_TEST(hw_ex_expect_continue)
{
    hwfx f;
    fx_setup(&f, NULL);
    TH_OK(fx_feed(&f, "PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                      "Content-Length: 4\r\n\r\n"));
    TH_OK(strstr(f.out ? f.out : "", "100 Continue") == NULL);
    uint32_t body = g_consume(&f);
    TH_OK(strstr(f.out ? f.out : "", "100 Continue") == NULL);
    uint32_t s = g_in_stream(&f, body);
    hx__conn_run(f.c);
    TH_HAS(f.out, "HTTP/1.1 100 Continue\r\n");
    TH_OK(fx_feed(&f, "data"));
    char buf[8];
    TH_EQ(g_read(&f, s, buf, sizeof buf, NULL), 4);
    fx_finish(&f, WH_OK);
    fx_teardown(&f);

    /* answered without reading: no 100, and the connection closes after */
    fx_setup(&f, NULL);
    TH_OK(fx_feed(&f, "PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                      "Content-Length: 4\r\n\r\n"));
    g_set_ok(&f, g_response(&f, g_fields(&f), 413));
    TH_HAS(f.out, "HTTP/1.1 413 ");
    TH_OK(strstr(f.out, "100 Continue") == NULL);
    TH_EQ(fx_finish(&f, WH_OK), 413);
    TH_OK(f.c->closed);
    fx_teardown(&f);
}

TH_TEST(hw_ex_drop_everything_early)
{
    /* the guest drops its handles in any order, the exchange ends first or
     * last: nothing leaks or dangles (run under ASan) */
    hwfx f;
    fx_setup(&f, NULL);
    TH_OK(fx_feed(&f, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
    uint32_t body = g_consume(&f);
    uint32_t s = g_in_stream(&f, body);
    uint32_t ft = g_in_finish(&f, body);
    g_drop(&f, f.req_rep);
    uint32_t rb, ws;
    respond(&f, 200, &rb, &ws);
    TH_EQ(g_write(&f, ws, "ok", 2), -1);
    TH_EQ(g_finish(&f, rb, 0), -1);     /* the stream is still open: it is cut */
    TH_EQ(g_write(&f, ws, "no", 2), 1); /* closed */
    TH_EQ(fx_finish(&f, WH_OK), 200);
    char buf[4];
    TH_EQ(g_read(&f, s, buf, sizeof buf, NULL), -2); /* cut by finish */
    cm_val_t a[1] = {v_h(ft)}, r;
    TH_EQ(HT(&f, "[method]future-trailers.get", a, &r), WH_OK);
    TH_EQ(r.of.var.tag, 1);
    g_drop(&f, ft);
    g_drop(&f, ws);
    g_drop(&f, s);
    fx_teardown(&f);
}

/* One whole exchange (request body read, response streamed with trailers)
 * with the Nth allocation and all after it failing, for every N until the
 * exchange needs no more: every step may fail, nothing may crash or leak
 * (run under ASan). The guest's calls that fail are traps. */
static bool ok_call(hwfx *f, const char *iface, const char *name, const cm_val_t *args,
                    cm_val_t *res)
{
    return fx_call(f, iface, name, args, res) == WH_OK;
}

static void oom_scenario(hwfx *f)
{
    TH_OK(fx_feed(f, "POST / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nContent-Length: 5\r\n\r\nhello") ||
          true);
    if (!f->ex)
        return;
    cm_val_t r, a[3];
    a[0] = v_h(f->req_rep);
    if (ok_call(f, HW_TYPES, "[method]incoming-request.consume", a, &r) && r_ok(&r)) {
        a[0] = v_h(r_rep(&r));
        if (ok_call(f, HW_TYPES, "[method]incoming-body.stream", a, &r) && r_ok(&r)) {
            cm_val_t rd[2] = {v_h(r_rep(&r)), v_u(CM_U64, 100)};
            ok_call(f, IO_STREAMS, "[method]input-stream.read", rd, &r);
        }
    }
    if (!ok_call(f, HW_TYPES, "[constructor]fields", NULL, &r))
        return;
    uint32_t h = r.of.handle.rep;
    a[0] = v_h(h);
    a[1] = v_str("x-b");
    a[2] = v_bytes(f, "2");
    ok_call(f, HW_TYPES, "[method]fields.append", a, &r);
    a[0] = v_h(h);
    if (!ok_call(f, HW_TYPES, "[constructor]outgoing-response", a, &r))
        return;
    uint32_t resp = r.of.handle.rep;
    a[0] = v_h(resp);
    if (!ok_call(f, HW_TYPES, "[method]outgoing-response.body", a, &r) || !r_ok(&r))
        return;
    uint32_t body = r_rep(&r);
    cm_val_t own = v_h(resp);
    cm_val_t sa[2] = {v_h(f->out_rep), v_var(f, CM_RESULT, 0, &own)};
    ok_call(f, HW_TYPES, "[static]response-outparam.set", sa, &r);
    a[0] = v_h(body);
    if (ok_call(f, HW_TYPES, "[method]outgoing-body.write", a, &r) && r_ok(&r)) {
        cm_val_t w[2] = {v_h(r_rep(&r)), v_bytes(f, "response")};
        ok_call(f, IO_STREAMS, "[method]output-stream.write", w, &r);
        fx_loop(f);
        ok_call(f, IO_STREAMS, "[method]output-stream.write", w, &r);
    }
    if (ok_call(f, HW_TYPES, "[constructor]fields", NULL, &r)) {
        cm_val_t t = v_h(r.of.handle.rep);
        cm_val_t fa[2] = {v_h(body), v_var(f, CM_OPTION, 1, &t)};
        ok_call(f, HW_TYPES, "[static]outgoing-body.finish", fa, &r);
    }
}

TH_TEST(hw_ex_out_of_memory)
{
    int completed = 0;
    for (uint64_t n = 1; n < 400 && !completed; n++) {
        hwfx f;
        fx_setup(&f, NULL);
        f.tolerant = true;
        wh_alloc_fail_after(n);
        oom_scenario(&f);
        wh_alloc_fail_after(0);
        fx_loop(&f);
        if (f.ex)
            fx_finish(&f, WH_OK);
        completed = f.out && strstr(f.out, "0\r\n\r\n") != NULL; /* the whole response */
        fx_teardown(&f);
    }
    TH_OK(completed);
}
