/*
 * fs_sandbox — tries to leave the writable preopen argv[1] and to change
 * the read-only preopen argv[2]; argv[3] is the host's absolute path of a
 * file outside both. fs_component_test.sh prepares the trees:
 *
 *   secret                       beside the preopens, never reachable
 *   RW/inside.txt "inside\n", RW/sub/, RW/in_link -> sub/../inside.txt,
 *   RW/out_rel -> ../secret, RW/out_abs -> <host path of secret>,
 *   RW/up -> ..
 *   RO/data.txt "data\n", RO/sub/n.txt, RO/empty/, RO/ln -> data.txt
 *
 * A WASI host answers an escape with not-permitted, which the preview1
 * adapter and wasi-libc report as EPERM, and a change through a read-only
 * directory with read-only (EROFS); writing to or truncating a file opened
 * without write is EBADF. Natively every escape would succeed, so there is
 * no native run to compare with: the script states each expected line.
 */
#include "fs_common.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char pbuf[2][512];

static const char *at(int i, const char *base, const char *rel)
{
    snprintf(pbuf[i], sizeof pbuf[i], "%s/%s", base, rel);
    return pbuf[i];
}

static void step(const char *what, long rc)
{
    printf("%s: %s\n", what, res(rc));
}

/* Opens and reads a file: its first line, or the errno name. */
static void try_read(const char *what, const char *path)
{
    char buf[64] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: %s\n", what, errname(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0 && buf[n - 1] == '\n')
        buf[n - 1] = 0;
    printf("%s: read \"%s\"\n", what, buf);
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return 3;
    const char *rw = argv[1], *ro = argv[2], *host_secret = argv[3];
    struct stat st;
    char buf[64];
    struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};

    printf("-- staying beneath\n");
    try_read("open inside.txt", at(0, rw, "inside.txt"));
    try_read("open sub/../inside.txt", at(0, rw, "sub/../inside.txt"));
    try_read("open in_link", at(0, rw, "in_link"));

    printf("-- climbing out\n");
    try_read("open ../secret", at(0, rw, "../secret"));
    try_read("open sub/../../secret", at(0, rw, "sub/../../secret"));
    try_read("open out_rel", at(0, rw, "out_rel"));
    try_read("open out_abs", at(0, rw, "out_abs"));
    try_read("open up/secret", at(0, rw, "up/secret"));
    step("stat ../secret", stat(at(0, rw, "../secret"), &st));
    step("stat out_rel", stat(at(0, rw, "out_rel"), &st));
    step("lstat out_rel (the link itself)", lstat(at(0, rw, "out_rel"), &st));
    DIR *d = opendir(at(0, rw, ".."));
    printf("opendir ..: %s\n", d ? "ok" : errname(errno));
    if (d)
        closedir(d);
    step("mkdir ../escaped", mkdir(at(0, rw, "../escaped"), 0755));
    step("create ../escaped.txt", open(at(0, rw, "../escaped.txt"), O_CREAT | O_WRONLY, 0644));
    step("create up/escaped2.txt", open(at(0, rw, "up/escaped2.txt"), O_CREAT | O_WRONLY, 0644));
    step("open out_rel for writing", open(at(0, rw, "out_rel"), O_WRONLY | O_TRUNC));
    step("unlink ../secret", unlink(at(0, rw, "../secret")));
    step("rename inside.txt -> ../moved", rename(at(0, rw, "inside.txt"), at(1, rw, "../moved")));
    step("link out_rel (followed) -> stolen",
         linkat(AT_FDCWD, at(0, rw, "out_rel"), AT_FDCWD, at(1, rw, "stolen"), AT_SYMLINK_FOLLOW));
    step("utimensat out_rel (followed)", utimensat(AT_FDCWD, at(0, rw, "out_rel"), ts, 0));
    step("symlink to /etc/passwd", symlink("/etc/passwd", at(0, rw, "new_abs")));
    step("symlink to ../secret (text only)", symlink("../secret", at(0, rw, "new_rel")));
    try_read("open new_rel", at(0, rw, "new_rel"));
    step("unlink new_rel (the link)", unlink(at(0, rw, "new_rel")));
    ssize_t n = readlink(at(0, rw, "out_abs"), buf, sizeof buf);
    printf("readlink out_abs: %s\n", n < 0 ? errname(errno) : "ok");
    n = readlink(at(0, rw, "out_rel"), buf, sizeof buf - 1);
    printf("readlink out_rel: %s \"%.*s\"\n", n < 0 ? errname(errno) : "ok", n > 0 ? (int)n : 0,
           buf);

    printf("-- a directory opened beneath is a base of its own\n");
    int dfd = open(at(0, rw, "sub"), O_RDONLY | O_DIRECTORY);
    step("open sub", dfd);
    step("openat(sub, ../inside.txt)", openat(dfd, "../inside.txt", O_RDONLY));
    /* wasi-libc refuses this one itself (ENOTCAPABLE); the host would say
     * not-permitted. Either way it must not open. */
    printf("openat(sub, /etc/passwd): %s\n",
           openat(dfd, "/etc/passwd", O_RDONLY) < 0 ? "failed" : "OPENED");
    step("fstatat(sub, ..)", fstatat(dfd, "..", &st, 0));
    step("openat(sub, .)", openat(dfd, ".", O_RDONLY | O_DIRECTORY));
    close(dfd);

    printf("-- absolute paths outside every preopen\n");
    int fd = open(host_secret, O_RDONLY);
    printf("open the host path of secret: %s\n", fd < 0 ? "failed" : "OPENED");
    fd = open("/etc/passwd", O_RDONLY);
    printf("open /etc/passwd: %s\n", fd < 0 ? "failed" : "OPENED");

    printf("-- the read-only directory: reading works\n");
    try_read("open data.txt", at(0, ro, "data.txt"));
    try_read("open ln", at(0, ro, "ln"));
    try_read("open sub/n.txt", at(0, ro, "sub/n.txt"));
    step("stat data.txt", stat(at(0, ro, "data.txt"), &st));

    printf("-- the read-only directory: changing fails\n");
    step("create new.txt", open(at(0, ro, "new.txt"), O_CREAT | O_WRONLY, 0644));
    step("create sub/new.txt", open(at(0, ro, "sub/new.txt"), O_CREAT | O_WRONLY, 0644));
    step("open data.txt O_WRONLY", open(at(0, ro, "data.txt"), O_WRONLY));
    step("open data.txt O_RDWR", open(at(0, ro, "data.txt"), O_RDWR));
    step("open data.txt O_WRONLY|O_APPEND", open(at(0, ro, "data.txt"), O_WRONLY | O_APPEND));
    step("open data.txt O_WRONLY|O_TRUNC", open(at(0, ro, "data.txt"), O_WRONLY | O_TRUNC));
    step("truncate data.txt", truncate(at(0, ro, "data.txt"), 0));
    step("mkdir newdir", mkdir(at(0, ro, "newdir"), 0755));
    step("rmdir empty", rmdir(at(0, ro, "empty")));
    step("unlink data.txt", unlink(at(0, ro, "data.txt")));
    step("unlink ln", unlink(at(0, ro, "ln")));
    step("rename within", rename(at(0, ro, "data.txt"), at(1, ro, "moved.txt")));
    step("rename out to the writable one", rename(at(0, ro, "data.txt"), at(1, rw, "moved.txt")));
    step("rename in from the writable one", rename(at(0, rw, "inside.txt"), at(1, ro, "in.txt")));
    step("symlink", symlink("data.txt", at(0, ro, "ln2")));
    step("link within", link(at(0, ro, "data.txt"), at(1, ro, "hard")));
    step("link out to the writable one", link(at(0, ro, "data.txt"), at(1, rw, "hard")));
    step("utimensat data.txt", utimensat(AT_FDCWD, at(0, ro, "data.txt"), ts, 0));
    fd = open(at(0, ro, "data.txt"), O_RDONLY);
    step("open data.txt O_RDONLY", fd);
    printf("write to it: %s\n", write(fd, "x", 1) < 0 ? errname(errno) : "ok?");
    printf("ftruncate it: %s\n", ftruncate(fd, 0) < 0 ? errname(errno) : "ok?");
    printf("futimens it: %s\n", futimens(fd, ts) < 0 ? errname(errno) : "ok?");
    printf("read 1 byte: %s\n", read(fd, buf, 1) == 1 ? "ok" : errname(errno));
    close(fd);
    dfd = open(at(0, ro, "sub"), O_RDONLY | O_DIRECTORY);
    step("open sub", dfd);
    step("openat(sub, x, O_CREAT)", openat(dfd, "x", O_CREAT | O_WRONLY, 0644));
    step("mkdirat(sub, y)", mkdirat(dfd, "y", 0755));
    step("unlinkat(sub, n.txt)", unlinkat(dfd, "n.txt", 0));
    close(dfd);
    return 0;
}
