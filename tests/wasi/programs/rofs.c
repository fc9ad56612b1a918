/*
 * rofs — a read-only preopen. argv[1] is the mode, argv[2] the read-only
 * directory (default "ro"), argv[3] a writable one (default "rw").
 *
 *   read   what must work: listing, reading files (also in a
 *          subdirectory and through an in-tree symlink), stat, readlink.
 *          Compared with the native run.
 *   write  what must fail: every change through the read-only directory.
 *          Each line prints the errno name; a WASI host answers
 *          `read-only`, which wasi-libc (through the preview1 adapter)
 *          reports as EROFS. There is no native counterpart (a native
 *          run as root may write anywhere), so diff.py states the
 *          expected lines.
 */
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static void step(const char *label, long rc)
{
    printf("%-36s %s\n", label, res(rc));
}

static void show_file(const char *label, const char *path)
{
    char buf[256];
    int fd = open(path, O_RDONLY);
    printf("%-36s ", label);
    if (fd < 0) {
        printf("%s\n", errname(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 0) {
        printf("read %s\n", errname(errno));
        return;
    }
    print_quoted(buf, n);
}

static void list(const char *label, const char *path)
{
    DIR *d = opendir(path);
    printf("%-36s ", label);
    if (!d) {
        printf("%s\n", errname(errno));
        return;
    }
    char *names[64];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_str);
    printf("[");
    for (size_t i = 0; i < n; i++) {
        printf("%s%s", i ? " " : "", names[i]);
        free(names[i]);
    }
    printf("]\n");
}

static void do_read(const char *ro)
{
    struct stat st;
    char buf[256];
    list("list ro", ro);
    list("list ro/sub", at(ro, "sub"));
    show_file("read ro/data.txt", at(ro, "data.txt"));
    show_file("read ro/sub/n.txt", at(ro, "sub/n.txt"));
    show_file("read ro/sub/../data.txt", at(ro, "sub/../data.txt"));
    show_file("read through ro/inlink", at(ro, "inlink"));
    ssize_t n = readlink(at(ro, "inlink"), buf, sizeof buf);
    printf("%-36s %s ", "readlink ro/inlink", n < 0 ? errname(errno) : "ok");
    print_quoted(buf, n);
    step("stat ro/data.txt", stat(at(ro, "data.txt"), &st));
    printf("%-36s %lld\n", "size", (long long)st.st_size);
    step("stat ro/sub is a directory", stat(at(ro, "sub"), &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1);
    int fd = open(at(ro, "data.txt"), O_RDONLY);
    step("open O_RDONLY", fd);
    printf("%-36s %ld\n", "lseek END 0", (long)lseek(fd, 0, SEEK_END));
    close(fd);
    fd = open(at(ro, "sub"), O_RDONLY | O_DIRECTORY);
    step("open ro/sub O_DIRECTORY", fd);
    close(fd);
    step("open missing", open(at(ro, "missing"), O_RDONLY));
}

static void do_write(const char *ro, const char *rw)
{
    step("create ro/new.txt", open(at(ro, "new.txt"), O_CREAT | O_WRONLY, 0644));
    step("create ro/sub/new.txt", open(at(ro, "sub/new.txt"), O_CREAT | O_WRONLY, 0644));
    step("open ro/data.txt O_WRONLY", open(at(ro, "data.txt"), O_WRONLY));
    step("open ro/data.txt O_RDWR", open(at(ro, "data.txt"), O_RDWR));
    step("open ro/data.txt O_WRONLY|O_APPEND", open(at(ro, "data.txt"), O_WRONLY | O_APPEND));
    step("open ro/data.txt O_WRONLY|O_TRUNC", open(at(ro, "data.txt"), O_WRONLY | O_TRUNC));
    step("truncate ro/data.txt", truncate(at(ro, "data.txt"), 0));
    step("mkdir ro/newdir", mkdir(at(ro, "newdir"), 0755));
    step("rmdir ro/empty", rmdir(at(ro, "empty")));
    step("unlink ro/data.txt", unlink(at(ro, "data.txt")));
    step("unlink ro/inlink", unlink(at(ro, "inlink")));
    step("rename within ro", rename(at(ro, "data.txt"), at2(ro, "moved.txt")));
    step("rename ro -> rw", rename(at(ro, "data.txt"), at2(rw, "moved.txt")));
    int fd = open(at(rw, "w.txt"), O_CREAT | O_WRONLY, 0644);
    close(fd);
    step("rename rw -> ro", rename(at(rw, "w.txt"), at2(ro, "w.txt")));
    step("symlink in ro", symlink("data.txt", at(ro, "ln")));
    step("link ro/data.txt -> ro/hard", link(at(ro, "data.txt"), at2(ro, "hard")));
    step("link ro/data.txt -> rw/hard", link(at(ro, "data.txt"), at2(rw, "hard")));
    /* what must still work */
    fd = open(at(ro, "data.txt"), O_RDONLY);
    step("open ro/data.txt O_RDONLY", fd);
    char c;
    printf("%-36s %s\n", "write to it", write(fd, "x", 1) < 0 ? errname(errno) : "ok?");
    printf("%-36s %s\n", "ftruncate it", ftruncate(fd, 0) < 0 ? errname(errno) : "ok?");
    printf("%-36s %s\n", "read 1 byte", read(fd, &c, 1) == 1 ? "ok" : errname(errno));
    close(fd);
    step("unlink rw/w.txt", unlink(at(rw, "w.txt")));
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "read";
    const char *ro = argc > 2 ? argv[2] : "ro";
    const char *rw = argc > 3 ? argv[3] : "rw";
    if (strcmp(mode, "read") == 0)
        do_read(ro);
    else if (strcmp(mode, "write") == 0)
        do_write(ro, rw);
    else
        return 2;
    return 0;
}
