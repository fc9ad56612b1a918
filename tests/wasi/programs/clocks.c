/*
 * clocks — checks the clocks and prints only yes/no answers, so both sides
 * print the same thing. argv[1] is the host's wall-clock time in seconds
 * since the epoch, taken by the runner just before the start.
 */
#include "common.h"
#include <sys/time.h>
#include <time.h>

static int64_t ns(clockid_t c)
{
    struct timespec t;
    if (clock_gettime(c, &t) != 0)
        return -1;
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static const char *yn(int b)
{
    return b ? "yes" : "no";
}

int main(int argc, char **argv)
{
    int64_t host = argc > 1 ? atoll(argv[1]) : 0;

    int64_t prev = ns(CLOCK_MONOTONIC), first = prev;
    int mono = prev >= 0;
    for (int i = 0; i < 10000 && mono; i++) {
        int64_t t = ns(CLOCK_MONOTONIC);
        mono = t >= prev;
        prev = t;
    }
    printf("monotonic readable and non-decreasing over 10000 reads: %s\n", yn(mono));

    struct timespec req = {0, 20 * 1000 * 1000};
    int64_t before = ns(CLOCK_MONOTONIC);
    int slept = nanosleep(&req, NULL);
    int64_t after = ns(CLOCK_MONOTONIC);
    printf("nanosleep 20 ms returns 0: %s\n", yn(slept == 0));
    printf("monotonic advanced by >= 20 ms over it: %s\n", yn(after - before >= 20000000));
    printf("and by < 5 s: %s\n", yn(after - before < 5000000000LL));
    printf("monotonic later than first read: %s\n", yn(after > first));

    struct timespec res;
    int r = clock_getres(CLOCK_MONOTONIC, &res);
    printf("clock_getres(MONOTONIC) ok, > 0 and <= 1 ms: %s\n",
           yn(r == 0 && (res.tv_sec > 0 || res.tv_nsec > 0) && res.tv_sec == 0 &&
              res.tv_nsec <= 1000000));

    int64_t real = ns(CLOCK_REALTIME);
    int64_t d = real / 1000000000 - host;
    printf("realtime within 300 s of the host's time: %s\n", yn(real > 0 && d > -300 && d < 300));
    printf("realtime after 2020-01-01: %s\n", yn(real / 1000000000 > 1577836800));

    time_t t = time(NULL);
    printf("time() within 300 s of the host's time: %s\n", yn(t - host > -300 && t - host < 300));

    struct timeval tv;
    int g = gettimeofday(&tv, NULL);
    printf("gettimeofday within 300 s of the host's time: %s\n",
           yn(g == 0 && tv.tv_sec - host > -300 && tv.tv_sec - host < 300 && tv.tv_usec >= 0 &&
              tv.tv_usec < 1000000));

    struct tm tm;
    time_t fixed = 1700000000;
    gmtime_r(&fixed, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    printf("gmtime(1700000000): %s\n", buf);
    return 0;
}
