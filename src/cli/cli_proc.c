/*
 * cli_proc.c — what the script runners (`wast`, `cm-wast`) share around
 * their converters: running a program and waiting for it, the scratch
 * directory the conversion writes into (made, named, removed).
 */
#include "cli_wast.h"

#include <dirent.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

bool cli_run_wait(const char *const *argv, char *why, size_t n)
{
    pid_t pid;
    /* posix_spawnp's argv is char *const[] for historical reasons; it does
     * not write to the strings. */
    int e = posix_spawnp(&pid, argv[0], NULL, NULL, (char *const *)argv, environ);
    if (e) {
        snprintf(why, n, "cannot run %s: %s", argv[0], strerror(e));
        return false;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(why, n, "waiting for %s: %s", argv[0], strerror(errno));
            return false;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    if (WIFEXITED(status))
        snprintf(why, n, "%s failed (exit status %d)", argv[0], WEXITSTATUS(status));
    else
        snprintf(why, n, "%s was killed by signal %d", argv[0],
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return false;
}

void cli_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            size_t n = strlen(dir) + strlen(de->d_name) + 2;
            char *p = wh_malloc(n);
            if (p) {
                snprintf(p, n, "%s/%s", dir, de->d_name);
                unlink(p);
                wh_free(p);
            }
        }
        closedir(d);
    }
    if (rmdir(dir))
        fprintf(stderr, "warning: cannot remove %s: %s\n", dir, strerror(errno));
}

bool cli_scratch_dir(const char *runner, char *dir, size_t n)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, n, "%s/wasmhttpd-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", runner);
    return mkdtemp(dir) != NULL;
}

char *cli_json_path(const char *dir, const char *wast)
{
    const char *base = strrchr(wast, '/');
    base = base ? base + 1 : wast;
    size_t blen = strlen(base);
    if (blen > 5 && !strcmp(base + blen - 5, ".wast"))
        blen -= 5;
    size_t jlen = strlen(dir) + blen + 8;
    char *json = wh_malloc(jlen);
    if (json)
        snprintf(json, jlen, "%s/%.*s.json", dir, (int)blen, base);
    return json;
}
