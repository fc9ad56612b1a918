/*
 * test_hw.c — the wasi:http host's resources through its host functions:
 * fields (syntax, forbidden names, case, order, immutability, limits),
 * outgoing responses and requests, outgoing-handler, error codes.
 * Exchanges with a client are in test_hw_exchange.c.
 */
#include "hw_fixture.h"

enum { HE_INVALID_SYNTAX, HE_FORBIDDEN, HE_IMMUTABLE };

TH_TEST(hw_link_defines_everything)
{
    hwfx f;
    fx_setup(&f, NULL);
    static const char *const names[] = {
        "[constructor]fields",
        "[static]fields.from-list",
        "[method]fields.clone",
        "[method]incoming-request.consume",
        "[static]incoming-body.finish",
        "[method]future-trailers.get",
        "[static]response-outparam.set",
        "[method]outgoing-request.set-authority",
        "[method]request-options.set-between-bytes-timeout",
        "[method]future-incoming-response.get",
        "[method]incoming-response.consume",
        "http-error-code",
        "[method]response-outparam.send-informational",
    };
    cm__iface *i = cm__linker_iface(f.l, "wasi:http/types@0.2.0");
    TH_OK(i != NULL);
    for (size_t k = 0; i && k < WH_ARRAY_LEN(names); k++)
        TH_OK(cm__linker_func(i, names[k]) != NULL);
    TH_OK(cm__linker_iface(f.l, "wasi:http/outgoing-handler@0.2.3") != NULL);
    fx_teardown(&f);
}

TH_TEST(hw_fields_basics)
{
    hwfx f;
    fx_setup(&f, NULL);
    uint32_t h = g_fields(&f);
    TH_EQ(g_append(&f, h, "Content-Type", "text/plain"), -1);
    TH_EQ(g_append(&f, h, "X-Multi", "a"), -1);
    TH_EQ(g_append(&f, h, "x-multi", "b"), -1);
    TH_EQ(g_append(&f, h, "X-Empty", ""), -1);
    TH_STR(g_get(&f, h, "CONTENT-TYPE"), "text/plain"); /* case-insensitive */
    TH_STR(g_get(&f, h, "x-MULTI"), "a,b");
    TH_STR(g_get(&f, h, "missing"), "");
    TH_STR(g_get(&f, h, "bad name"), ""); /* invalid: empty list */
    cm_val_t a[3] = {v_h(h), v_str("X-EMPTY")}, r;
    TH_EQ(HT(&f, "[method]fields.get", a, &r), WH_OK);
    TH_EQ(r.of.list.n, 1); /* present but empty: one empty value */
    TH_EQ(HT(&f, "[method]fields.has", a, &r), WH_OK);
    TH_OK(r.of.b);
    a[1] = v_str("nope");
    TH_EQ(HT(&f, "[method]fields.has", a, &r), WH_OK);
    TH_OK(!r.of.b);
    a[1] = v_str("bad:name");
    TH_EQ(HT(&f, "[method]fields.has", a, &r), WH_OK);
    TH_OK(!r.of.b);
    /* entries keep order and the casing given */
    TH_STR(g_entries(&f, h), "Content-Type=text/plain;X-Multi=a;x-multi=b;X-Empty=;");

    /* set replaces all values of the name, at the first one's place */
    cm_val_t vals[2] = {v_bytes(&f, "1"), v_bytes(&f, "2")};
    cm_val_t list = {.kind = CM_LIST};
    list.of.list.v = vals;
    list.of.list.n = 2;
    cm_val_t s[3] = {v_h(h), v_str("X-MULTI"), list};
    TH_EQ(HT(&f, "[method]fields.set", s, &r), WH_OK);
    TH_OK(r_ok(&r));
    TH_STR(g_entries(&f, h), "Content-Type=text/plain;X-MULTI=1;X-MULTI=2;X-Empty=;");
    /* set of a new name appends; set with no values removes */
    s[1] = v_str("New");
    list.of.list.n = 1;
    s[2] = list;
    TH_EQ(HT(&f, "[method]fields.set", s, &r), WH_OK);
    TH_STR(g_get(&f, h, "new"), "1");
    list.of.list.n = 0;
    s[2] = list;
    TH_EQ(HT(&f, "[method]fields.set", s, &r), WH_OK);
    TH_STR(g_get(&f, h, "new"), "");

    /* delete */
    cm_val_t d[2] = {v_h(h), v_str("x-multi")};
    TH_EQ(HT(&f, "[method]fields.delete", d, &r), WH_OK);
    TH_OK(r_ok(&r));
    d[1] = v_str("never-there");
    TH_EQ(HT(&f, "[method]fields.delete", d, &r), WH_OK);
    TH_OK(r_ok(&r));
    TH_STR(g_entries(&f, h), "Content-Type=text/plain;X-Empty=;");

    /* clone is a deep, mutable copy */
    cm_val_t c[1] = {v_h(h)};
    TH_EQ(HT(&f, "[method]fields.clone", c, &r), WH_OK);
    uint32_t h2 = r.of.handle.rep;
    TH_OK(h2 != h);
    TH_EQ(g_append(&f, h2, "X-Only-Clone", "1"), -1);
    TH_STR(g_get(&f, h, "x-only-clone"), "");
    TH_STR(g_get(&f, h2, "content-type"), "text/plain");
    g_drop(&f, h);
    TH_STR(g_get(&f, h2, "x-only-clone"), "1");
    g_drop(&f, h2);
    fx_teardown(&f);
}

TH_TEST(hw_fields_syntax)
{
    hwfx f;
    fx_setup(&f, NULL);
    uint32_t h = g_fields(&f);
    static const char *const bad_names[] = {"",    "a b", "a:b",   "caf\xc3\xa9", "a\r\nb",
                                            "(x)", "a/b", "\"q\"", "{x}",         "a\tb"};
    for (size_t i = 0; i < WH_ARRAY_LEN(bad_names); i++)
        TH_EQ(g_append(&f, h, bad_names[i], "v"), HE_INVALID_SYNTAX);
    static const char *const good_names[] = {"!#$%&'*+-.^_`|~", "X-9", "a"};
    for (size_t i = 0; i < WH_ARRAY_LEN(good_names); i++)
        TH_EQ(g_append(&f, h, good_names[i], "v"), -1);
    TH_EQ(g_append(&f, h, "x", "a\r\nInjected: 1"), HE_INVALID_SYNTAX);
    TH_EQ(g_append(&f, h, "x", "a\nb"), HE_INVALID_SYNTAX);
    TH_EQ(g_append(&f, h, "x", "a\rb"), HE_INVALID_SYNTAX);
    TH_EQ(g_append(&f, h, "x", "\x7f"), HE_INVALID_SYNTAX);
    TH_EQ(g_append(&f, h, "x", "\x01"), HE_INVALID_SYNTAX);
    cm_val_t nul[3] = {v_h(h), v_str("x"), v_bytes_n(&f, "a\0b", 3)}, r;
    TH_EQ(HT(&f, "[method]fields.append", nul, &r), WH_OK);
    TH_EQ(r_err(&r), HE_INVALID_SYNTAX);
    /* tab, spaces and obs-text are fine */
    TH_EQ(g_append(&f, h, "x", "a\tb c \xff"), -1);
    TH_STR(g_get(&f, h, "x"), "a\tb c \xff");
    /* set checks every value */
    cm_val_t vals[2] = {v_bytes(&f, "ok"), v_bytes(&f, "no\n")};
    cm_val_t list = {.kind = CM_LIST};
    list.of.list.v = vals;
    list.of.list.n = 2;
    cm_val_t s[3] = {v_h(h), v_str("x"), list};
    TH_EQ(HT(&f, "[method]fields.set", s, &r), WH_OK);
    TH_EQ(r_err(&r), HE_INVALID_SYNTAX);
    TH_STR(g_get(&f, h, "x"), "a\tb c \xff"); /* unchanged */
    cm_val_t d[2] = {v_h(h), v_str("no good")};
    TH_EQ(HT(&f, "[method]fields.delete", d, &r), WH_OK);
    TH_EQ(r_err(&r), HE_INVALID_SYNTAX);
    fx_teardown(&f);
}

TH_TEST(hw_fields_forbidden)
{
    hwfx f;
    fx_setup(&f, NULL);
    uint32_t h = g_fields(&f);
    static const char *const names[] = {
        "Connection", "keep-alive",          "Proxy-Connection",   "TRANSFER-ENCODING", "Upgrade",
        "Host",       "proxy-authorization", "Proxy-Authenticate", "HTTP2-Settings"};
    for (size_t i = 0; i < WH_ARRAY_LEN(names); i++) {
        TH_EQ(g_append(&f, h, names[i], "x"), HE_FORBIDDEN);
        cm_val_t d[2] = {v_h(h), v_str(names[i])}, r;
        TH_EQ(HT(&f, "[method]fields.delete", d, &r), WH_OK);
        TH_EQ(r_err(&r), HE_FORBIDDEN);
    }
    /* Content-Length, TE, Trailer, Date are the guest's to set */
    TH_EQ(g_append(&f, h, "Content-Length", "5"), -1);
    TH_EQ(g_append(&f, h, "Trailer", "x-sum"), -1);
    TH_EQ(g_append(&f, h, "Date", "Tue, 01 Jan 2030 00:00:00 GMT"), -1);

    /* from-list: the whole list is refused on the first bad entry */
    cm_val_t kv[4] = {v_str("ok"), v_bytes(&f, "1"), v_str("host"), v_bytes(&f, "x")};
    cm_val_t tuples[2] = {{.kind = CM_TUPLE}, {.kind = CM_TUPLE}};
    tuples[0].of.list.v = &kv[0];
    tuples[0].of.list.n = 2;
    tuples[1].of.list.v = &kv[2];
    tuples[1].of.list.n = 2;
    cm_val_t list = {.kind = CM_LIST}, r;
    list.of.list.v = tuples;
    list.of.list.n = 2;
    TH_EQ(HT(&f, "[static]fields.from-list", &list, &r), WH_OK);
    TH_EQ(r_err(&r), HE_FORBIDDEN);
    kv[2] = v_str("bad name");
    TH_EQ(HT(&f, "[static]fields.from-list", &list, &r), WH_OK);
    TH_EQ(r_err(&r), HE_INVALID_SYNTAX);
    kv[2] = v_str("X-Two");
    kv[3] = v_bytes(&f, "bad\r\n");
    TH_EQ(HT(&f, "[static]fields.from-list", &list, &r), WH_OK);
    TH_EQ(r_err(&r), HE_INVALID_SYNTAX);
    kv[3] = v_bytes(&f, "2");
    TH_EQ(HT(&f, "[static]fields.from-list", &list, &r), WH_OK);
    TH_OK(r_ok(&r));
    uint32_t h2 = r_rep(&r);
    TH_STR(g_entries(&f, h2), "ok=1;X-Two=2;");
    TH_EQ(g_append(&f, h2, "more", "3"), -1); /* mutable */
    fx_teardown(&f);
}

TH_TEST(hw_fields_immutable)
{
    hwfx f;
    fx_setup(&f, NULL);
    uint32_t h = g_fields(&f);
    TH_EQ(g_append(&f, h, "X-A", "1"), -1);
    uint32_t resp = g_response(&f, h, 200);
    /* the fields were taken over: the old handle is gone */
    cm_val_t a[3] = {v_h(h), v_str("x"), v_bytes(&f, "v")}, r;
    TH_EQ(HT(&f, "[method]fields.append", a, &r), WH_TRAP);
    TH_HAS(f.trap, "not a live fields");
    /* headers() is an immutable view of them */
    cm_val_t ra[1] = {v_h(resp)};
    TH_EQ(HT(&f, "[method]outgoing-response.headers", ra, &r), WH_OK);
    uint32_t view = r.of.handle.rep;
    TH_STR(g_get(&f, view, "x-a"), "1");
    TH_EQ(g_append(&f, view, "X-B", "2"), HE_IMMUTABLE);
    TH_EQ(g_append(&f, view, "bad name", "2"), HE_IMMUTABLE); /* immutable comes first */
    cm_val_t d[2] = {v_h(view), v_str("x-a")};
    TH_EQ(HT(&f, "[method]fields.delete", d, &r), WH_OK);
    TH_EQ(r_err(&r), HE_IMMUTABLE);
    cm_val_t empty = {.kind = CM_LIST};
    cm_val_t s[3] = {v_h(view), v_str("x-a"), empty};
    TH_EQ(HT(&f, "[method]fields.set", s, &r), WH_OK);
    TH_EQ(r_err(&r), HE_IMMUTABLE);
    /* a clone of it is mutable */
    cm_val_t c[1] = {v_h(view)};
    TH_EQ(HT(&f, "[method]fields.clone", c, &r), WH_OK);
    uint32_t copy = r.of.handle.rep;
    TH_EQ(g_append(&f, copy, "X-B", "2"), -1);
    /* the view outlives its parent */
    g_drop(&f, resp);
    TH_STR(g_entries(&f, view), "X-A=1;");
    g_drop(&f, view);
    /* a view passed on as headers stays immutable */
    uint32_t h3 = g_fields(&f);
    uint32_t resp2 = g_response(&f, h3, 200);
    ra[0] = v_h(resp2);
    TH_EQ(HT(&f, "[method]outgoing-response.headers", ra, &r), WH_OK);
    uint32_t resp3 = g_response(&f, r.of.handle.rep, 200);
    ra[0] = v_h(resp3);
    TH_EQ(HT(&f, "[method]outgoing-response.headers", ra, &r), WH_OK);
    TH_EQ(g_append(&f, r.of.handle.rep, "x", "y"), HE_IMMUTABLE);
    fx_teardown(&f);
}

TH_TEST(hw_fields_limit_traps)
{
    hwfx f;
    fx_setup(&f, NULL);
    uint32_t h = g_fields(&f);
    static char big[64 * 1024 + 1];
    memset(big, 'v', sizeof big - 1);
    wh_rc rc = WH_OK;
    int i;
    for (i = 0; i < 40 && rc == WH_OK; i++) {
        cm_val_t a[3] = {v_h(h), v_str("x"), v_bytes(&f, big)}, r;
        rc = HT(&f, "[method]fields.append", a, &r);
        wh_arena_reset(&f.arena);
    }
    TH_EQ(rc, WH_TRAP);
    TH_OK(i > 10);
    TH_HAS(f.trap, "bytes of names and values");
    fx_teardown(&f);
}

TH_TEST(hw_outgoing_response)
{
    hwfx f;
    fx_setup(&f, NULL);
    uint32_t resp = g_response(&f, g_fields(&f), 200);
    cm_val_t a[2] = {v_h(resp), v_u(CM_U16, 99)}, r;
    TH_EQ(HT(&f, "[method]outgoing-response.status-code", a, &r), WH_OK);
    TH_EQ(r.of.u, 200);
    static const int bad[] = {0, 99, 100, 199, 600, 999, 65535};
    for (size_t i = 0; i < WH_ARRAY_LEN(bad); i++) {
        a[1] = v_u(CM_U16, (uint64_t)bad[i]);
        TH_EQ(HT(&f, "[method]outgoing-response.set-status-code", a, &r), WH_OK);
        TH_OK(!r_ok(&r));
    }
    a[1] = v_u(CM_U16, 418);
    TH_EQ(HT(&f, "[method]outgoing-response.set-status-code", a, &r), WH_OK);
    TH_OK(r_ok(&r));
    TH_EQ(HT(&f, "[method]outgoing-response.status-code", a, &r), WH_OK);
    TH_EQ(r.of.u, 418);
    /* body() once */
    TH_EQ(HT(&f, "[method]outgoing-response.body", a, &r), WH_OK);
    TH_OK(r_ok(&r));
    uint32_t body = r_rep(&r);
    TH_EQ(HT(&f, "[method]outgoing-response.body", a, &r), WH_OK);
    TH_OK(!r_ok(&r));
    /* write() once */
    uint32_t s = g_body_stream(&f, body);
    cm_val_t b[1] = {v_h(body)};
    TH_EQ(HT(&f, "[method]outgoing-body.write", b, &r), WH_OK);
    TH_OK(!r_ok(&r));
    /* before set, the body takes HW_BODY_BUFFER bytes */
    TH_EQ(g_check_write(&f, s), HW_BODY_BUFFER);
    TH_EQ(g_write(&f, s, "abc", 3), -1);
    TH_EQ(g_check_write(&f, s), HW_BODY_BUFFER - 3);
    /* a malformed Content-Length: body() fails */
    uint32_t h = g_fields(&f);
    TH_EQ(g_append(&f, h, "Content-Length", "12x"), -1);
    a[0] = v_h(g_response(&f, h, 200));
    TH_EQ(HT(&f, "[method]outgoing-response.body", a, &r), WH_OK);
    TH_OK(!r_ok(&r));
    h = g_fields(&f);
    TH_EQ(g_append(&f, h, "Content-Length", "3"), -1);
    TH_EQ(g_append(&f, h, "content-length", "4"), -1);
    a[0] = v_h(g_response(&f, h, 200));
    TH_EQ(HT(&f, "[method]outgoing-response.body", a, &r), WH_OK);
    TH_OK(!r_ok(&r));
    fx_teardown(&f);
}

TH_TEST(hw_outgoing_request_and_handler)
{
    hwfx f;
    fx_setup(&f, NULL);
    uint32_t h = g_fields(&f);
    cm_val_t a[2] = {v_h(h)}, r;
    TH_EQ(HT(&f, "[constructor]outgoing-request", a, &r), WH_OK);
    uint32_t req = r.of.handle.rep;
    a[0] = v_h(req);
    TH_EQ(HT(&f, "[method]outgoing-request.method", a, &r), WH_OK);
    TH_EQ(r.of.var.tag, 0); /* GET */
    TH_EQ(HT(&f, "[method]outgoing-request.path-with-query", a, &r), WH_OK);
    TH_EQ(r.of.var.tag, 0); /* none */
    TH_EQ(HT(&f, "[method]outgoing-request.scheme", a, &r), WH_OK);
    TH_EQ(r.of.var.tag, 0);
    /* method other(token) */
    cm_val_t m = v_str("PROPFIND");
    a[1] = v_var(&f, CM_VARIANT, 9, &m);
    TH_EQ(HT(&f, "[method]outgoing-request.set-method", a, &r), WH_OK);
    TH_OK(r_ok(&r));
    TH_EQ(HT(&f, "[method]outgoing-request.method", a, &r), WH_OK);
    TH_EQ(r.of.var.tag, 9);
    TH_OK(r.of.var.v && r.of.var.v->of.str.len == 8);
    m = v_str("BAD METHOD");
    a[1] = v_var(&f, CM_VARIANT, 9, &m);
    TH_EQ(HT(&f, "[method]outgoing-request.set-method", a, &r), WH_OK);
    TH_OK(!r_ok(&r));
    /* path, scheme, authority */
    cm_val_t p = v_str("/a b");
    a[1] = v_var(&f, CM_OPTION, 1, &p);
    TH_EQ(HT(&f, "[method]outgoing-request.set-path-with-query", a, &r), WH_OK);
    TH_OK(!r_ok(&r));
    p = v_str("/a?b=c");
    a[1] = v_var(&f, CM_OPTION, 1, &p);
    TH_EQ(HT(&f, "[method]outgoing-request.set-path-with-query", a, &r), WH_OK);
    TH_OK(r_ok(&r));
    TH_EQ(HT(&f, "[method]outgoing-request.path-with-query", a, &r), WH_OK);
    TH_OK(r.of.var.tag == 1 && r.of.var.v->of.str.len == 6);
    cm_val_t sch = v_str("1bad");
    cm_val_t scheme = v_var(&f, CM_VARIANT, 2, &sch);
    a[1] = v_var(&f, CM_OPTION, 1, &scheme);
    TH_EQ(HT(&f, "[method]outgoing-request.set-scheme", a, &r), WH_OK);
    TH_OK(!r_ok(&r));
    scheme = v_var(&f, CM_VARIANT, 1, NULL); /* HTTPS */
    a[1] = v_var(&f, CM_OPTION, 1, &scheme);
    TH_EQ(HT(&f, "[method]outgoing-request.set-scheme", a, &r), WH_OK);
    TH_OK(r_ok(&r));
    TH_EQ(HT(&f, "[method]outgoing-request.scheme", a, &r), WH_OK);
    TH_OK(r.of.var.tag == 1 && r.of.var.v->of.var.tag == 1);
    cm_val_t au = v_str("example.com:8080");
    a[1] = v_var(&f, CM_OPTION, 1, &au);
    TH_EQ(HT(&f, "[method]outgoing-request.set-authority", a, &r), WH_OK);
    TH_OK(r_ok(&r));
    au = v_str("a/b");
    a[1] = v_var(&f, CM_OPTION, 1, &au);
    TH_EQ(HT(&f, "[method]outgoing-request.set-authority", a, &r), WH_OK);
    TH_OK(!r_ok(&r));
    /* headers: immutable view */
    TH_EQ(HT(&f, "[method]outgoing-request.headers", a, &r), WH_OK);
    TH_EQ(g_append(&f, r.of.handle.rep, "x", "y"), HE_IMMUTABLE);
    /* body: takes bytes (held until handle links it to a transfer) */
    TH_EQ(HT(&f, "[method]outgoing-request.body", a, &r), WH_OK);
    TH_OK(r_ok(&r));
    uint32_t body = r_rep(&r);
    uint32_t s = g_body_stream(&f, body);
    TH_OK(g_check_write(&f, s) > 0);
    TH_EQ(g_write(&f, s, "xyz", 3), -1);
    g_drop(&f, s);
    TH_EQ(g_finish(&f, body, 0), -1);
    /* options */
    TH_EQ(HT(&f, "[constructor]request-options", NULL, &r), WH_OK);
    uint32_t opts = r.of.handle.rep;
    cm_val_t d = v_u(CM_U64, 5000000000ull);
    cm_val_t oa[2] = {v_h(opts), v_var(&f, CM_OPTION, 1, &d)};
    TH_EQ(HT(&f, "[method]request-options.set-connect-timeout", oa, &r), WH_OK);
    TH_OK(r_ok(&r));
    TH_EQ(HT(&f, "[method]request-options.connect-timeout", oa, &r), WH_OK);
    TH_OK(r.of.var.tag == 1 && r.of.var.v->of.u == 5000000000ull);
    TH_EQ(HT(&f, "[method]request-options.first-byte-timeout", oa, &r), WH_OK);
    TH_EQ(r.of.var.tag, 0);
    /* handle, with no outbound client: a future that holds
     * HTTP-request-denied; the request and the options are taken */
    cm_val_t o = v_h(opts);
    cm_val_t ha[2] = {v_h(req), v_var(&f, CM_OPTION, 1, &o)};
    TH_EQ(fx_call(&f, HW_OUTGOING, "handle", ha, &r), WH_OK);
    TH_OK(r_ok(&r));
    cm_val_t fa[1] = {v_h(r_rep(&r))};
    TH_EQ(HT(&f, "[method]future-incoming-response.get", fa, &r), WH_OK);
    TH_OK(r.of.var.tag == 1 && r.of.var.v->of.var.tag == 0 &&
          r.of.var.v->of.var.v->of.var.tag == 1 &&
          r.of.var.v->of.var.v->of.var.v->of.var.tag == HW_EC_HTTP_REQUEST_DENIED);
    TH_EQ(HT(&f, "[method]outgoing-request.method", a, &r), WH_TRAP);
    TH_EQ(HT(&f, "[method]request-options.connect-timeout", oa, &r), WH_TRAP);
    fx_teardown(&f);
}

TH_TEST(hw_error_codes)
{
    hwfx f;
    fx_setup(&f, NULL);
    /* every case goes to the guest and comes back */
    cm_call_t call = {.inst = &f.inst, .arena = &f.arena};
    for (int tag = 0; tag < HW_EC_COUNT; tag++) {
        hw_errcode_t e = hw_ec((hw_ec_tag)tag), back;
        e.has_num = true;
        e.num = 7;
        e.str = "why";
        e.str_len = 3;
        cm_val_t v;
        TH_EQ(hw__ec_val(&call, &e, &v), WH_OK);
        TH_EQ(v.of.var.tag, tag);
        hw__ec_from_val(&v, &back);
        TH_EQ(back.tag, tag);
    }
    hw_errcode_t e = hw_ec(HW_EC_HTTP_RESPONSE_BODY_SIZE), back;
    e.has_num = true;
    e.num = 123456789012ull;
    cm_val_t v;
    TH_EQ(hw__ec_val(&call, &e, &v), WH_OK);
    hw__ec_from_val(&v, &back);
    TH_OK(back.has_num && back.num == 123456789012ull);
    e = hw_ec(HW_EC_INTERNAL_ERROR);
    e.str = "boom";
    e.str_len = 4;
    TH_EQ(hw__ec_val(&call, &e, &v), WH_OK);
    hw__ec_from_val(&v, &back);
    TH_OK(back.str && back.str_len == 4 && !memcmp(back.str, "boom", 4));
    TH_EQ(hw__ec_status(HW_EC_HTTP_REQUEST_DENIED), 403);
    TH_EQ(hw__ec_status(HW_EC_CONNECTION_TIMEOUT), 504);
    TH_EQ(hw__ec_status(HW_EC_CONNECTION_REFUSED), 502);
    TH_EQ(hw__ec_status(HW_EC_INTERNAL_ERROR), 500);
    TH_STR(hw__ec_name(HW_EC_DNS_ERROR), "DNS-error");

    /* http-error-code: an http error gives its case, another none */
    wasi_ioerr_t io = hw__ec_ioerr(&(hw_errcode_t){.tag = HW_EC_CONNECTION_TERMINATED});
    uint32_t rep = wasi_error_new(f.ctx, &io);
    cm_val_t a[1] = {v_h(rep)}, r;
    TH_EQ(HT(&f, "http-error-code", a, &r), WH_OK);
    TH_OK(r.of.var.tag == 1 && r.of.var.v->of.var.tag == HW_EC_CONNECTION_TERMINATED);
    wasi_ioerr_t other = {WASI_ERRDOM_FS, 3, "nope"};
    a[0] = v_h(wasi_error_new(f.ctx, &other));
    TH_EQ(HT(&f, "http-error-code", a, &r), WH_OK);
    TH_EQ(r.of.var.tag, 0);
    e = hw_ec(HW_EC_INTERNAL_ERROR);
    e.str = "detail";
    io = hw__ec_ioerr(&e);
    a[0] = v_h(wasi_error_new(f.ctx, &io));
    TH_EQ(HT(&f, "http-error-code", a, &r), WH_OK);
    TH_OK(r.of.var.tag == 1 && r.of.var.v->of.var.tag == HW_EC_INTERNAL_ERROR);
    const cm_val_t *s = r.of.var.v->of.var.v;
    TH_OK(s && s->of.var.tag == 1 && s->of.var.v->of.str.len == 6);
    fx_teardown(&f);
}
