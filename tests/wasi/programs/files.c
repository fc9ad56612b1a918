/*
 * files — file and directory operations under the directory argv[1]
 * (a writable preopen for the component, the same directory in the native
 * run's working directory). Each step prints its label and "ok", a value,
 * or the errno name; diff.py compares the lines and, afterwards, the
 * directory tree the steps leave behind.
 */
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static void step(const char *label, long rc)
{
    printf("%-40s %s\n", label, res(rc));
}

static void show_file(const char *label, const char *path)
{
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%-40s %s\n", label, errname(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    printf("%-40s ", label);
    if (n < 0) {
        printf("read %s\n", errname(errno));
        return;
    }
    print_quoted(buf, n);
}

static void show_size(const char *label, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        printf("%-40s %s\n", label, errname(errno));
    else
        printf("%-40s size %lld\n", label, (long long)st.st_size);
}

/* Directory entries sorted by name, "." and ".." left out (whether a
 * readdir reports them is not something two hosts need to agree on), each
 * with its type as readdir's d_type gives it. */
static void list(const char *label, const char *path)
{
    DIR *d = opendir(path);
    printf("%-40s ", label);
    if (!d) {
        printf("%s\n", errname(errno));
        return;
    }
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char t = e->d_type == DT_DIR ? 'd' : e->d_type == DT_REG ? 'f' : e->d_type == DT_LNK ? 'l' : '?';
        size_t len = strlen(e->d_name);
        names[n] = malloc(len + 3);
        memcpy(names[n], e->d_name, len);
        names[n][len] = ':';
        names[n][len + 1] = t;
        names[n][len + 2] = 0;
        n++;
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

static long write_str(int fd, const char *s)
{
    return write(fd, s, strlen(s));
}

int main(int argc, char **argv)
{
    const char *b = argc > 1 ? argv[1] : "rw";
    char buf[4096];
    int fd;
    struct stat st;

    /* directories */
    step("mkdir d", mkdir(at(b, "d"), 0755));
    step("mkdir d again", mkdir(at(b, "d"), 0755));
    step("mkdir d/sub", mkdir(at(b, "d/sub"), 0755));
    step("mkdir missing/x", mkdir(at(b, "missing/x"), 0755));
    step("stat d is a directory", stat(at(b, "d"), &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1);

    /* create, write, read back */
    fd = open(at(b, "d/f.txt"), O_CREAT | O_EXCL | O_WRONLY, 0644);
    step("create d/f.txt (O_EXCL)", fd);
    step("write 12 bytes", write_str(fd, "hello world\n") == 12 ? 0 : -1);
    step("close", close(fd));
    step("create d/f.txt (O_EXCL) again", open(at(b, "d/f.txt"), O_CREAT | O_EXCL | O_WRONLY, 0644));
    show_file("read d/f.txt", at(b, "d/f.txt"));
    show_size("stat d/f.txt", at(b, "d/f.txt"));
    step("stat d/f.txt is a regular file", stat(at(b, "d/f.txt"), &st) == 0 && S_ISREG(st.st_mode) ? 0 : -1);

    /* seek, overwrite in place, positional I/O */
    fd = open(at(b, "d/f.txt"), O_RDWR);
    step("open d/f.txt O_RDWR", fd);
    printf("%-40s %ld\n", "lseek SET 6", (long)lseek(fd, 6, SEEK_SET));
    step("write \"WASI!\"", write_str(fd, "WASI!") == 5 ? 0 : -1);
    printf("%-40s %ld\n", "lseek CUR 0", (long)lseek(fd, 0, SEEK_CUR));
    printf("%-40s %ld\n", "lseek END -3", (long)lseek(fd, -3, SEEK_END));
    ssize_t n = read(fd, buf, sizeof buf);
    printf("%-40s %zd ", "read from there", n);
    print_quoted(buf, n);
    printf("%-40s %zd\n", "read at end", read(fd, buf, sizeof buf));
    printf("%-40s %s\n", "lseek SET -1", lseek(fd, -1, SEEK_SET) < 0 ? errname(errno) : "ok?");
    n = pread(fd, buf, 5, 0);
    printf("%-40s %zd ", "pread 5 at 0", n);
    print_quoted(buf, n);
    step("pwrite \"J\" at 0", pwrite(fd, "J", 1, 0) == 1 ? 0 : -1);
    printf("%-40s %ld\n", "position unchanged by pread/pwrite", (long)lseek(fd, 0, SEEK_CUR));
    step("fsync", fsync(fd));
    step("fdatasync", fdatasync(fd));
    step("close", close(fd));
    show_file("read d/f.txt", at(b, "d/f.txt"));

    /* append */
    fd = open(at(b, "d/f.txt"), O_WRONLY | O_APPEND);
    step("open O_APPEND", fd);
    lseek(fd, 0, SEEK_SET);
    step("write \"tail\\n\" (after seek to 0)", write_str(fd, "tail\n") == 5 ? 0 : -1);
    step("fstat", fstat(fd, &st));
    printf("%-40s %lld\n", "fstat size", (long long)st.st_size);
    step("close", close(fd));
    show_file("read d/f.txt", at(b, "d/f.txt"));

    /* wrong-direction I/O */
    fd = open(at(b, "d/f.txt"), O_RDONLY);
    printf("%-40s %s\n", "write to O_RDONLY fd", write(fd, "x", 1) < 0 ? errname(errno) : "ok?");
    close(fd);
    fd = open(at(b, "d/f.txt"), O_WRONLY);
    printf("%-40s %s\n", "read from O_WRONLY fd", read(fd, buf, 1) < 0 ? errname(errno) : "ok?");
    close(fd);

    /* truncate */
    fd = open(at(b, "d/f.txt"), O_RDWR);
    step("ftruncate 5", ftruncate(fd, 5));
    show_size("stat", at(b, "d/f.txt"));
    step("ftruncate 8 (grow)", ftruncate(fd, 8));
    n = pread(fd, buf, sizeof buf, 0);
    printf("%-40s %zd ", "read all", n);
    print_quoted(buf, n);
    close(fd);
    step("truncate(path) 3", truncate(at(b, "d/f.txt"), 3));
    show_file("read d/f.txt", at(b, "d/f.txt"));
    fd = open(at(b, "d/f.txt"), O_WRONLY | O_TRUNC);
    step("open O_TRUNC", fd);
    close(fd);
    show_size("stat after O_TRUNC", at(b, "d/f.txt"));

    /* a hole: write past the end */
    fd = open(at(b, "d/hole.bin"), O_CREAT | O_RDWR, 0644);
    lseek(fd, 1000, SEEK_SET);
    step("write 1 byte at 1000", write(fd, "z", 1) == 1 ? 0 : -1);
    close(fd);
    show_size("stat d/hole.bin", at(b, "d/hole.bin"));

    /* a larger file, written and read in odd-sized chunks */
    fd = open(at(b, "d/big.bin"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    uint32_t h = FNV_INIT;
    for (int i = 0; i < 1000; i++) {
        for (int j = 0; j < 1031; j++)
            buf[j] = (char)(i * 7 + j * 13);
        h = fnv1a(h, buf, 1031);
        if (write(fd, buf, 1031) != 1031) {
            printf("write big: %s\n", errname(errno));
            break;
        }
    }
    close(fd);
    printf("%-40s %08x\n", "wrote 1031000 bytes, fnv", h);
    fd = open(at(b, "d/big.bin"), O_RDONLY);
    uint32_t h2 = FNV_INIT;
    long total = 0;
    while ((n = read(fd, buf, 4093)) > 0) {
        h2 = fnv1a(h2, buf, (size_t)n);
        total += n;
    }
    close(fd);
    printf("%-40s %ld, same fnv: %s\n", "read back", total, h2 == h ? "yes" : "no");

    /* error cases on open */
    step("open missing file", open(at(b, "d/nope"), O_RDONLY));
    step("open d for writing", open(at(b, "d"), O_WRONLY));
    step("open file as directory", open(at(b, "d/f.txt"), O_RDONLY | O_DIRECTORY));
    step("open through a file", open(at(b, "d/f.txt/x"), O_RDONLY));

    /* rename */
    step("rename f.txt -> g.txt", rename(at(b, "d/f.txt"), at2(b, "d/g.txt")));
    step("stat f.txt", stat(at(b, "d/f.txt"), &st));
    fd = open(at(b, "d/other.txt"), O_CREAT | O_WRONLY, 0644);
    write_str(fd, "other\n");
    close(fd);
    step("rename other.txt -> g.txt (replace)", rename(at(b, "d/other.txt"), at2(b, "d/g.txt")));
    show_file("read d/g.txt", at(b, "d/g.txt"));
    step("rename missing", rename(at(b, "d/nope"), at2(b, "d/nope2")));
    step("rename into missing dir", rename(at(b, "d/g.txt"), at2(b, "nodir/g.txt")));
    mkdir(at(b, "d/full"), 0755);
    fd = open(at(b, "d/full/x"), O_CREAT | O_WRONLY, 0644);
    close(fd);
    step("rename dir over non-empty dir", rename(at(b, "d/sub"), at2(b, "d/full")));
    step("rename dir over file", rename(at(b, "d/sub"), at2(b, "d/g.txt")));
    step("rename file over dir", rename(at(b, "d/g.txt"), at2(b, "d/sub")));
    step("rename dir d/sub -> d/sub2", rename(at(b, "d/sub"), at2(b, "d/sub2")));

    /* links */
    step("symlink g.txt <- d/ln", symlink("g.txt", at(b, "d/ln")));
    n = readlink(at(b, "d/ln"), buf, sizeof buf);
    printf("%-40s %s ", "readlink d/ln", n < 0 ? errname(errno) : "ok");
    print_quoted(buf, n);
    show_file("read through d/ln", at(b, "d/ln"));
    step("lstat d/ln is a link", lstat(at(b, "d/ln"), &st) == 0 && S_ISLNK(st.st_mode) ? 0 : -1);
    step("stat d/ln is a regular file", stat(at(b, "d/ln"), &st) == 0 && S_ISREG(st.st_mode) ? 0 : -1);
    step("symlink again (exists)", symlink("g.txt", at(b, "d/ln")));
    step("readlink of a regular file", readlink(at(b, "d/g.txt"), buf, sizeof buf));
    step("symlink dangling <- d/dl", symlink("nowhere", at(b, "d/dl")));
    step("open dangling link", open(at(b, "d/dl"), O_RDONLY));
    step("open O_NOFOLLOW on link", open(at(b, "d/ln"), O_RDONLY | O_NOFOLLOW));
    step("symlink sub2 <- d/dirlink", symlink("sub2", at(b, "d/dirlink")));
    fd = open(at(b, "d/dirlink/via.txt"), O_CREAT | O_WRONLY, 0644);
    step("create through a dir link", fd);
    write_str(fd, "via\n");
    close(fd);
    show_file("read d/sub2/via.txt", at(b, "d/sub2/via.txt"));
    step("symlink loop a -> b -> a", symlink("lb", at(b, "d/la")) | symlink("la", at2(b, "d/lb")));
    step("open the loop", open(at(b, "d/la"), O_RDONLY));
    step("hard link g.txt <- d/hard", link(at(b, "d/g.txt"), at2(b, "d/hard")));
    step("stat nlink 2", stat(at(b, "d/g.txt"), &st) == 0 && st.st_nlink == 2 ? 0 : -1);
    show_file("read d/hard", at(b, "d/hard"));
    step("unlink d/ln", unlink(at(b, "d/ln")));
    step("unlink d/la", unlink(at(b, "d/la")));
    step("unlink d/lb", unlink(at(b, "d/lb")));
    step("unlink d/dl", unlink(at(b, "d/dl")));
    step("g.txt still there", stat(at(b, "d/g.txt"), &st));

    /* descriptor-relative calls on a directory opened beneath the preopen */
    int dfd = open(at(b, "d"), O_RDONLY | O_DIRECTORY);
    step("open d O_DIRECTORY", dfd);
    /* which error is not agreed: EISDIR natively, EBADF from the preview1
     * adapter, which keeps no read stream for a directory */
    printf("%-40s %s\n", "read() on a directory fd fails", read(dfd, buf, 1) < 0 ? "yes" : "no");
    fd = openat(dfd, "at.txt", O_CREAT | O_EXCL | O_WRONLY, 0644);
    step("openat create at.txt", fd);
    write_str(fd, "at\n");
    close(fd);
    step("fstatat at.txt", fstatat(dfd, "at.txt", &st, 0));
    printf("%-40s %lld\n", "size", (long long)st.st_size);
    step("mkdirat atdir", mkdirat(dfd, "atdir", 0755));
    step("renameat at.txt -> atdir/at2.txt", renameat(dfd, "at.txt", dfd, "atdir/at2.txt"));
    step("symlinkat atdir/at2.txt <- atln", symlinkat("atdir/at2.txt", dfd, "atln"));
    n = readlinkat(dfd, "atln", buf, sizeof buf);
    printf("%-40s %zd\n", "readlinkat atln", n);
    fd = openat(dfd, "atln", O_RDONLY);
    n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
    printf("%-40s %s %zd\n", "openat through atln, read", res(fd), n);
    close(fd);
    step("unlinkat atdir (no AT_REMOVEDIR)", unlinkat(dfd, "atdir", 0));
    step("unlinkat atln", unlinkat(dfd, "atln", 0));
    step("unlinkat atdir/at2.txt", unlinkat(dfd, "atdir/at2.txt", 0));
    step("unlinkat atdir AT_REMOVEDIR", unlinkat(dfd, "atdir", AT_REMOVEDIR));
    step("close d", close(dfd));

    list("list d", at(b, "d"));
    list("list missing", at(b, "missing"));
    list("list a file", at(b, "d/g.txt"));

    /* removal */
    step("rmdir non-empty d", rmdir(at(b, "d")));
    step("rmdir a file", rmdir(at(b, "d/g.txt")));
    step("unlink a directory", unlink(at(b, "d/sub2")));
    step("unlink missing", unlink(at(b, "d/nope")));
    step("rmdir missing", rmdir(at(b, "d/nope")));
    step("unlink d/full/x", unlink(at(b, "d/full/x")));
    step("rmdir d/full", rmdir(at(b, "d/full")));
    step("unlink d/hard", unlink(at(b, "d/hard")));
    step("unlink d/hole.bin", unlink(at(b, "d/hole.bin")));

    /* what the run leaves: d/{big.bin, g.txt, dirlink -> sub2, sub2/via.txt}
     * and whatever was there before */
    list("list d at the end", at(b, "d"));
    list("list base at the end", b);
    return 0;
}
