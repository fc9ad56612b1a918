/*
 * sandbox — tries to leave the preopened directory argv[1] (default "rw").
 * argv[2] is the host's absolute path of a file outside every preopen.
 * The runner prepares, inside the directory:
 *   inside.txt, sub/ (empty), link_in -> sub/../inside.txt,
 *   link_out -> ../secret, link_abs -> <absolute path of secret>,
 *   link_up -> ..
 * and, beside it, secret (the file that must stay out of reach).
 *
 * Everything that would climb out fails: a WASI host answers
 * `not-permitted`, which wasi-libc reports as EPERM. An absolute path is
 * resolved by wasi-libc against the preopens before the host sees it, so
 * only its failure is printed. Natively all of this succeeds, so diff.py
 * states the expected lines instead of comparing.
 */
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens and reads the file: "read \"...\"" or the errno name. */
static void try_read(const char *label, const char *path)
{
    char buf[64];
    int fd = open(path, O_RDONLY);
    printf("%-32s ", label);
    if (fd < 0) {
        printf("%s\n", errname(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    printf("read ");
    print_quoted(buf, n);
}

static void step(const char *label, long rc)
{
    printf("%-32s %s\n", label, res(rc));
}

int main(int argc, char **argv)
{
    const char *b = argc > 1 ? argv[1] : "rw";
    const char *abs_secret = argc > 2 ? argv[2] : "/nonexistent";
    struct stat st;
    char buf[256];

    /* allowed: staying beneath */
    try_read("open inside.txt", at(b, "inside.txt"));
    try_read("open sub/../inside.txt", at(b, "sub/../inside.txt"));
    try_read("open link_in", at(b, "link_in"));

    /* refused: climbing out */
    try_read("open ../secret", at(b, "../secret"));
    try_read("open sub/../../secret", at(b, "sub/../../secret"));
    try_read("open link_out", at(b, "link_out"));
    try_read("open link_abs", at(b, "link_abs"));
    try_read("open link_up/secret", at(b, "link_up/secret"));
    step("stat ../secret", stat(at(b, "../secret"), &st));
    step("stat link_out", stat(at(b, "link_out"), &st));
    step("lstat link_out (the link itself)", lstat(at(b, "link_out"), &st));
    DIR *d = opendir(at(b, ".."));
    printf("%-32s %s\n", "opendir ..", d ? "ok" : errname(errno));
    if (d)
        closedir(d);
    step("mkdir ../escaped", mkdir(at(b, "../escaped"), 0755));
    step("create ../escaped.txt", open(at(b, "../escaped.txt"), O_CREAT | O_WRONLY, 0644));
    step("create through link_up", open(at(b, "link_up/escaped2.txt"), O_CREAT | O_WRONLY, 0644));
    step("unlink ../secret", unlink(at(b, "../secret")));
    step("rename inside.txt -> ../moved", rename(at(b, "inside.txt"), at2(b, "../moved")));
    step("symlink to an absolute path", symlink("/etc/passwd", at(b, "new_abs")));
    step("symlink to ../secret (text only)", symlink("../secret", at(b, "new_rel")));
    try_read("open new_rel", at(b, "new_rel"));
    step("unlink new_rel (the link)", unlink(at(b, "new_rel")));
    ssize_t n = readlink(at(b, "link_abs"), buf, sizeof buf);
    printf("%-32s %s\n", "readlink link_abs", n < 0 ? errname(errno) : "ok");
    n = readlink(at(b, "link_out"), buf, sizeof buf);
    printf("%-32s %s ", "readlink link_out", n < 0 ? errname(errno) : "ok");
    print_quoted(buf, n);

    /* a directory opened beneath the preopen is a base of its own: ".."
     * from it is refused even where it would stay inside the preopen */
    int dfd = open(at(b, "sub"), O_RDONLY | O_DIRECTORY);
    printf("%-32s %s\n", "open sub O_DIRECTORY", res(dfd));
    step("openat(sub, ../inside.txt)", openat(dfd, "../inside.txt", O_RDONLY));
    step("fstatat(sub, ..)", fstatat(dfd, "..", &st, 0));
    step("openat(sub, .)", openat(dfd, ".", O_RDONLY | O_DIRECTORY));
    close(dfd);

    /* an absolute host path: never reaches the host file */
    int fd = open(abs_secret, O_RDONLY);
    printf("%-32s %s\n", "open the absolute host path", fd < 0 ? "failed" : "OPENED");
    return 0;
}
