/*
 * test_hx_accept.c — accepting when the process is out of file
 * descriptors, on a real loop and loopback sockets: with the reserve
 * descriptor each waiting connection gets a 503 and the count reaches
 * on_fd_exhausted; without it accepting pauses (a handful of tries, not a
 * spinning loop) and resumes once descriptors are back. Descriptors run out
 * for real: the soft RLIMIT_NOFILE is lowered to the lowest free number.
 */
#include "http/internal.h"
#include "th.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define CLIENTS 5

typedef struct {
    int reports, err;
    uint64_t refused;
    uint32_t paused;
} fd_rec;

static void on_request(hx_req_t *req, void *ud)
{
    hx_resp_send(req, 200, NULL, 0, "ok", 2);
}

static void on_fd_exhausted(hx_server_t *srv, int err, uint64_t refused, uint32_t paused, void *ud)
{
    fd_rec *r = ud;
    r->reports++;
    r->err = err;
    r->refused += refused;
    r->paused += paused;
}

static const hx_handler_t handler = {.on_request = on_request, .on_fd_exhausted = on_fd_exhausted};

static void stop_loop(uv_timer_t *t)
{
    uv_stop(t->loop);
}

/* Runs the loop for ms milliseconds. */
static void run_for(uv_loop_t *loop, uint64_t ms)
{
    uv_timer_t t;
    uv_timer_init(loop, &t);
    uv_timer_start(&t, stop_loop, ms, 0);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(fd, (struct sockaddr *)&a, sizeof a); /* in progress; the backlog takes it */
    return fd;
}

/* No new descriptor can be had after this: the soft limit becomes the
 * lowest free descriptor number. Returns the limit to restore. */
static struct rlimit exhaust(void)
{
    struct rlimit old;
    getrlimit(RLIMIT_NOFILE, &old);
    int lowest = open("/dev/null", O_RDONLY | O_CLOEXEC);
    close(lowest);
    struct rlimit now = {(rlim_t)lowest, old.rlim_max};
    setrlimit(RLIMIT_NOFILE, &now);
    return old;
}

static void on_done(hx_server_t *srv, void *ud)
{
    *(bool *)ud = true;
}

static void finish(uv_loop_t *loop, hx_server_t *srv, int *clients)
{
    for (int i = 0; i < CLIENTS; i++)
        close(clients[i]);
    bool done = false;
    hx_server_shutdown(srv, 100, on_done, &done);
    while (!done)
        uv_run(loop, UV_RUN_ONCE);
    hx_server_free(srv);
    uv_run(loop, UV_RUN_NOWAIT);
    TH_EQ(uv_loop_close(loop), 0);
}

TH_TEST(http_accept_out_of_fds_refuses_with_503)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fd_rec rec = {0};
    hx_server_t *srv;
    TH_EQ(hx_server_new(&loop, "127.0.0.1", 0, NULL, &handler, &rec, &srv, NULL), WH_OK);
    TH_OK(srv->reserve_fd >= 0);
    int clients[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        clients[i] = connect_to(hx_server_port(srv));
    struct rlimit old = exhaust();
    run_for(&loop, 200);
    setrlimit(RLIMIT_NOFILE, &old);
    TH_EQ(rec.reports, 1);
    TH_EQ(rec.err, UV_EMFILE);
    TH_EQ(rec.refused, CLIENTS);
    TH_EQ(rec.paused, 0);
    TH_EQ(hx_server_connections(srv), 0);
    TH_OK(srv->reserve_fd >= 0);
    for (int i = 0; i < CLIENTS; i++) {
        char buf[64] = {0};
        ssize_t n = recv(clients[i], buf, sizeof buf - 1, 0);
        TH_OK(n > 0 && !strncmp(buf, "HTTP/1.1 503 ", 13));
    }
    /* Descriptors are back: a new connection is accepted. */
    int late = connect_to(hx_server_port(srv));
    run_for(&loop, 100);
    TH_EQ(hx_server_connections(srv), 1);
    close(late);
    finish(&loop, srv, clients);
}

TH_TEST(http_accept_out_of_fds_without_reserve_pauses)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fd_rec rec = {0};
    hx_server_t *srv;
    TH_EQ(hx_server_new(&loop, "127.0.0.1", 0, NULL, &handler, &rec, &srv, NULL), WH_OK);
    /* As when another thread took the slot the reserve freed. */
    close(srv->reserve_fd);
    srv->reserve_fd = -1;
    int clients[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        clients[i] = connect_to(hx_server_port(srv));
    struct rlimit old = exhaust();
    run_for(&loop, 350);
    setrlimit(RLIMIT_NOFILE, &old);
    /* One report at once, the rest counted for the next second; a try per
     * ACCEPT_PAUSE_MS (100 ms), not a loop that spins. */
    TH_EQ(rec.reports, 1);
    TH_EQ(rec.refused, 0);
    uint32_t tries = rec.paused + srv->fd_pauses;
    TH_OK(tries >= 1 && tries <= 5);
    TH_EQ(hx_server_connections(srv), 0);
    /* Descriptors are back: the next try takes the reserve again and the
     * waiting connections. */
    run_for(&loop, 200);
    TH_OK(srv->reserve_fd >= 0);
    TH_EQ(hx_server_connections(srv), CLIENTS);
    /* The pauses not yet reported go out when the quiet second ends. */
    run_for(&loop, 1000);
    TH_EQ(rec.reports, 2);
    TH_EQ(rec.paused, tries);
    finish(&loop, srv, clients);
}
