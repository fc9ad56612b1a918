/*
 * test_hx_flush.c — responses leave at the end of the loop's turn, on a real
 * loop and a loopback socket: pipelined requests answered in one turn reach
 * the client together (none before the turn ends), big output goes at once,
 * and output made from a timer callback (before the poll phase) still leaves
 * in that turn rather than after poll has blocked.
 */
#include "http/internal.h"
#include "th.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
    int client;           /* the test's end of the connection */
    int answered;         /* requests answered */
    int seen_early;       /* bytes the client could read before its turn ended */
    hx_req_t *held;       /* a request answered later, from a timer */
    int writables;        /* on_writable calls */
    size_t room_left;     /* what hx_resp_writable said when /fill stopped */
    uint64_t answered_at; /* uv_now when the held request was answered */
} flush_rec;

static size_t peek(int fd)
{
    char buf[65536];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
    return n > 0 ? (size_t)n : 0;
}

static void on_request(hx_req_t *req, void *ud)
{
    flush_rec *r = ud;
    size_t n;
    const char *t = hx_req_target(req, &n);
    if (n == 5 && !memcmp(t, "/hold", 5)) {
        r->held = req;
        return;
    }
    if (n == 5 && !memcmp(t, "/fill", 5)) {
        /* A writer of whole 3000-byte pieces (as a wasi:io blocking write
         * of up to 4096 is): it writes while a piece fits, then must hear
         * when there is room again, though the room was not 0. */
        static char piece[3000];
        memset(piece, 'f', sizeof piece);
        TH_EQ(hx_resp_start(req, 200, NULL, 0), WH_OK);
        for (int i = 0; i < 100000 && hx_resp_writable(req) >= sizeof piece + 16; i++)
            TH_EQ(hx_resp_write(req, piece, sizeof piece), WH_OK);
        r->room_left = hx_resp_writable(req);
        r->held = req;
        return;
    }
    if (n == 4 && !memcmp(t, "/big", 4)) {
        static char big[32 * 1024];
        memset(big, 'b', sizeof big);
        hx_resp_send(req, 200, NULL, 0, big, sizeof big);
        /* big output is not held for the end of the turn */
        TH_OK(peek(r->client) > 16 * 1024);
        r->answered++;
        return;
    }
    /* Responses to the requests before this one, in the same turn, wait
     * (on loopback a written byte is readable at once). */
    r->seen_early += (int)peek(r->client);
    hx_resp_send(req, 200, NULL, 0, "ok", 2);
    r->answered++;
}

static void on_writable(hx_req_t *req, void *ud)
{
    ((flush_rec *)ud)->writables++;
}

static const hx_handler_t handler = {.on_request = on_request, .on_writable = on_writable};

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    TH_EQ(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static int count(const char *hay, size_t len, const char *needle)
{
    int n = 0;
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= len; i++)
        if (!memcmp(hay + i, needle, k))
            n++;
    return n;
}

static void on_done(hx_server_t *srv, void *ud)
{
    *(bool *)ud = true;
}

static void finish(uv_loop_t *loop, hx_server_t *srv)
{
    bool done = false;
    hx_server_shutdown(srv, 100, on_done, &done);
    while (!done)
        uv_run(loop, UV_RUN_ONCE);
    hx_server_free(srv);
    uv_run(loop, UV_RUN_NOWAIT);
    TH_EQ(uv_loop_close(loop), 0);
}

static void wake_up(uv_timer_t *t)
{
}

/* Runs the loop one turn at a time until the client has want bytes or
 * limit_ms passed (a guard timer then ends the blocking turn); the time it
 * took, in ms. */
static uint64_t run_until(uv_loop_t *loop, int fd, size_t want, uint64_t limit_ms)
{
    uv_timer_t guard;
    uv_timer_init(loop, &guard);
    uv_timer_start(&guard, wake_up, limit_ms, 0);
    uv_update_time(loop);
    uint64_t start = uv_now(loop);
    while (peek(fd) < want && uv_now(loop) - start < limit_ms)
        uv_run(loop, UV_RUN_ONCE);
    uv_update_time(loop);
    uint64_t took = uv_now(loop) - start;
    uv_close((uv_handle_t *)&guard, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    return took;
}

TH_TEST(http_flush_pipelined_together)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    flush_rec rec = {0};
    hx_server_t *srv;
    TH_EQ(hx_server_new(&loop, "127.0.0.1", 0, NULL, &handler, &rec, &srv, NULL), WH_OK);
    rec.client = connect_to(hx_server_port(srv));
    const char req[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
    char three[3 * sizeof req];
    size_t len = 0;
    for (int i = 0; i < 3; i++) {
        memcpy(three + len, req, sizeof req - 1);
        len += sizeof req - 1;
    }
    TH_EQ(send(rec.client, three, len, 0), (ssize_t)len);
    run_until(&loop, rec.client, 1, 2000);
    run_until(&loop, rec.client, 3 * 40, 200);
    TH_EQ(rec.answered, 3);
    TH_EQ(rec.seen_early, 0); /* nothing left before the turn ended */
    char buf[4096];
    ssize_t n = recv(rec.client, buf, sizeof buf, MSG_DONTWAIT);
    TH_OK(n > 0);
    TH_EQ(count(buf, (size_t)n, "HTTP/1.1 200 OK\r\n"), 3);
    close(rec.client);
    finish(&loop, srv);
}

TH_TEST(http_flush_big_at_once)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    flush_rec rec = {0};
    hx_server_t *srv;
    TH_EQ(hx_server_new(&loop, "127.0.0.1", 0, NULL, &handler, &rec, &srv, NULL), WH_OK);
    rec.client = connect_to(hx_server_port(srv));
    const char req[] = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
    TH_EQ(send(rec.client, req, sizeof req - 1, 0), (ssize_t)(sizeof req - 1));
    run_until(&loop, rec.client, 32 * 1024, 2000);
    TH_EQ(rec.answered, 1);
    close(rec.client);
    finish(&loop, srv);
}

/* Head and body, not the end (which would schedule the connection, and
 * that alone keeps poll from blocking). */
static void answer_held(uv_timer_t *t)
{
    flush_rec *r = t->data;
    hx_header_t cl = {"Content-Length", 14, "4", 1};
    TH_EQ(hx_resp_start(r->held, 200, &cl, 1), WH_OK);
    TH_EQ(hx_resp_write(r->held, "late", 4), WH_OK);
    r->answered_at = uv_now(t->loop);
}

/* Answered from a timer: before the poll phase, which must not block with
 * the response waiting. */
TH_TEST(http_flush_from_timer_same_turn)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    flush_rec rec = {0};
    hx_server_t *srv;
    TH_EQ(hx_server_new(&loop, "127.0.0.1", 0, NULL, &handler, &rec, &srv, NULL), WH_OK);
    rec.client = connect_to(hx_server_port(srv));
    const char req[] = "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n";
    TH_EQ(send(rec.client, req, sizeof req - 1, 0), (ssize_t)(sizeof req - 1));
    for (int i = 0; i < 200 && !rec.held; i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    TH_OK(rec.held != NULL);
    uv_timer_t t;
    uv_timer_init(&loop, &t);
    t.data = &rec;
    uv_timer_start(&t, answer_held, 20, 0);
    /* Without the idle handle, poll would sleep until the 1 s guard. */
    uint64_t took = run_until(&loop, rec.client, 1, 1000);
    TH_OK(rec.answered_at > 0);
    TH_OK(took < 500);
    TH_EQ(hx_resp_end(rec.held, NULL, 0), WH_OK);
    uv_close((uv_handle_t *)&t, NULL);
    close(rec.client);
    finish(&loop, srv);
}

/* A writer that stopped with some room left, too little for its next
 * piece, hears of the drain (it would otherwise wait forever). */
TH_TEST(http_writable_owed_below_a_piece)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    flush_rec rec = {0};
    hx_server_t *srv;
    TH_EQ(hx_server_new(&loop, "127.0.0.1", 0, NULL, &handler, &rec, &srv, NULL), WH_OK);
    rec.client = connect_to(hx_server_port(srv));
    const char req[] = "GET /fill HTTP/1.1\r\nHost: x\r\n\r\n";
    TH_EQ(send(rec.client, req, sizeof req - 1, 0), (ssize_t)(sizeof req - 1));
    for (int i = 0; i < 200 && !rec.held; i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    TH_OK(rec.held != NULL);
    TH_OK(rec.room_left < 3016);
    int before = rec.writables;
    /* the client reads (it read nothing yet: the kernel's buffers filled
     * up, then the queue); the loop writes the rest */
    char buf[65536];
    for (int i = 0; i < 5000 && rec.writables == before; i++) { /* 5 s at most */
        while (recv(rec.client, buf, sizeof buf, MSG_DONTWAIT) > 0) {
        }
        uv_run(&loop, UV_RUN_NOWAIT);
        usleep(1000);
    }
    TH_OK(rec.writables > before);
    TH_OK(hx_resp_writable(rec.held) >= 3016);
    TH_EQ(hx_resp_end(rec.held, NULL, 0), WH_OK);
    close(rec.client);
    finish(&loop, srv);
}
