#!/bin/sh
# wasi:filesystem end to end: the C programs of fs/ are built into
# wasi:cli/command components (clang --target=wasm32-wasi with wasi-libc,
# then `jco new --wasi-command`, jco's bundled preview1 command adapter) and
# run by `wasmhttpd run` on trees made here. Their stdout and exit status
# must be what the expectations below say, which are written from the
# programs' source and POSIX (fs_basic prints what a native build prints)
# and from the sandbox rules of docs/wasi.md; and the host trees must be
# left as stated, above all untouched where the guest had no right.
#
#   fs_component_test.sh WASMHTTPD CLANG NODE JCO SOURCE_DIR WORK_DIR
set -u
bin=$1
clang=$2
node=$3
jco=$4
src=$5
work=$6
fails=0
mkdir -p "$work"
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

ok() { echo "ok   $1"; }
bad() {
  echo "FAIL $1"
  fails=$((fails + 1))
}

# ---- build ----
for p in fs_basic fs_sandbox fs_copy; do
  if ! "$clang" --target=wasm32-wasi -std=c17 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror \
      -Wl,--strip-all -o "$work/$p.core.wasm" "$src/$p.c" ||
     ! "$node" "$jco" new "$work/$p.core.wasm" --wasi-command -o "$work/$p.wasm" >/dev/null; then
    echo "FAIL cannot build $p"
    exit 1
  fi
done

# run NAME WANT_STATUS EXPECTED_FILE [wasmhttpd run options and arguments]
# runs in the tree's directory $tmp/NAME, compares stdout and status.
run() {
  name=$1
  want=$2
  expected=$3
  shift 3
  (cd "$tmp/$name" && "$bin" run "$@" >"$tmp/$name.out" 2>"$tmp/$name.err")
  got=$?
  if [ "$got" = "$want" ]; then ok "$name: exit status $want"; else
    bad "$name: exit status $got, expected $want"
    sed 's/^/     stderr| /' "$tmp/$name.err"
  fi
  if diff -u "$expected" "$tmp/$name.out" >"$tmp/$name.diff"; then ok "$name: stdout"; else
    bad "$name: stdout differs (- expected, + got)"
    sed 's/^/     | /' "$tmp/$name.diff"
  fi
}

# check TITLE COMMAND... : a host-side condition
check() {
  title=$1
  shift
  if "$@"; then ok "$title"; else bad "$title"; fi
}

same_text() { # file, text
  [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]
}

# A listing of a tree with sizes, link targets and modification times: what
# must not change where the guest could only read.
snapshot() {
  (cd "$1" && find . -print | LC_ALL=C sort | while read -r f; do
    if [ -L "$f" ]; then
      echo "$f -> $(readlink "$f") $(stat -c %Y "$f")"
    else
      echo "$f $(stat -c '%F %s %Y' "$f")"
    fi
  done)
}

# ---- fs_basic: ordinary work in a --dir-rw ----
mkdir -p "$tmp/basic/d"
cat >"$tmp/basic.expected" <<'EOF'
hello from /d
cat notes.txt: [line one|line two|line three|]
ftell at end: 29
cat notes.txt: [line ONE|line two|line three|]
open O_CREAT|O_EXCL: ok
open O_CREAT|O_EXCL again: EEXIST
write: 10
pwrite: 2
pread: 6 [cXYfgh]
lseek cur: 10
ftruncate 4: ok
fstat: ok
size 4 regular 1
fsync: ok
fdatasync: ok
posix_fadvise SEQUENTIAL: OK
posix_fadvise DONTNEED: OK
truncate 2: ok
cat data.bin: [ab]
mkdir sub: ok
mkdir sub again: EEXIST
mkdir sub/inner: ok
stat sub: ok
sub is a directory: 1
rmdir sub (not empty): ENOTEMPTY
rename notes.txt -> sub/notes.txt: ok
stat notes.txt: ENOENT
unlink sub/inner (a directory): EISDIR
rmdir sub/inner: ok
list .: data.bin sub
list sub: notes.txt
openat(sub, at.txt, O_CREAT): ok
write: 3
mkdirat(sub, made): ok
fstatat(sub, at.txt): ok
size 3
symlink notes.txt <- sub/ln: ok
readlink: 9 [notes.txt]
cat sub/ln: [line ONE|line two|line three|]
lstat sub/ln: ok
lstat says link: 1
link sub/notes.txt <- hard.txt: ok
stat hard.txt: ok
stat sub/notes.txt: ok
nlink 2, same inode 1
stat data.bin: ok
other file, other inode 1
unlink hard.txt: ok
symlink dangling: ok
open dangling: ENOENT
unlink dangling: ok
utimensat fixed: ok
stat data.bin: ok
atime 1000000000 mtime 1500000000
futimens: atime kept, mtime now: ok
atime 1000000000, mtime is now: 1
utimensat both now: ok
atime is now: 1
open missing: ENOENT
open through a file: ENOTDIR
open a directory for writing: EISDIR
rename missing: ENOENT
write to O_RDONLY: EBADF
read from O_WRONLY: EBADF
EOF
run basic 0 "$tmp/basic.expected" --dir-rw d::/d "$work/fs_basic.wasm" /d
d=$tmp/basic/d
check "basic: the tree left behind" test "$(cd "$d" && find . | LC_ALL=C sort | tr '\n' ' ')" = \
  ". ./data.bin ./sub ./sub/at.txt ./sub/ln ./sub/made ./sub/notes.txt "
check "basic: sub/notes.txt on the host" same_text "$d/sub/notes.txt" "line ONE
line two
line three"
check "basic: data.bin on the host" same_text "$d/data.bin" "ab"
check "basic: sub/ln is a symlink to notes.txt" test "$(readlink "$d/sub/ln")" = notes.txt

# ---- fs_sandbox: escapes from a --dir-rw, changes to a --dir ----
s=$tmp/sandbox
mkdir -p "$s/rw/sub" "$s/ro/sub" "$s/ro/empty"
echo SECRET >"$s/secret"
echo inside >"$s/rw/inside.txt"
ln -s sub/../inside.txt "$s/rw/in_link"
ln -s ../secret "$s/rw/out_rel"
ln -s "$s/secret" "$s/rw/out_abs"
ln -s .. "$s/rw/up"
echo data >"$s/ro/data.txt"
echo n >"$s/ro/sub/n.txt"
ln -s data.txt "$s/ro/ln"
touch -d @1000000000 "$s/secret" "$s/ro/data.txt" "$s/ro/sub/n.txt"
before_ro=$(snapshot "$s/ro")
before_secret=$(stat -c '%s %Y' "$s/secret")
cat >"$tmp/sandbox.expected" <<'EOF'
-- staying beneath
open inside.txt: read "inside"
open sub/../inside.txt: read "inside"
open in_link: read "inside"
-- climbing out
open ../secret: EPERM
open sub/../../secret: EPERM
open out_rel: EPERM
open out_abs: EPERM
open up/secret: EPERM
stat ../secret: EPERM
stat out_rel: EPERM
lstat out_rel (the link itself): ok
opendir ..: EPERM
mkdir ../escaped: EPERM
create ../escaped.txt: EPERM
create up/escaped2.txt: EPERM
open out_rel for writing: EPERM
unlink ../secret: EPERM
rename inside.txt -> ../moved: EPERM
link out_rel (followed) -> stolen: EPERM
utimensat out_rel (followed): EPERM
symlink to /etc/passwd: EPERM
symlink to ../secret (text only): ok
open new_rel: EPERM
unlink new_rel (the link): ok
readlink out_abs: EPERM
readlink out_rel: ok "../secret"
-- a directory opened beneath is a base of its own
open sub: ok
openat(sub, ../inside.txt): EPERM
openat(sub, /etc/passwd): failed
fstatat(sub, ..): EPERM
openat(sub, .): ok
-- absolute paths outside every preopen
open the host path of secret: failed
open /etc/passwd: failed
-- the read-only directory: reading works
open data.txt: read "data"
open ln: read "data"
open sub/n.txt: read "n"
stat data.txt: ok
-- the read-only directory: changing fails
create new.txt: EROFS
create sub/new.txt: EROFS
open data.txt O_WRONLY: EROFS
open data.txt O_RDWR: EROFS
open data.txt O_WRONLY|O_APPEND: EROFS
open data.txt O_WRONLY|O_TRUNC: EROFS
truncate data.txt: EROFS
mkdir newdir: EROFS
rmdir empty: EROFS
unlink data.txt: EROFS
unlink ln: EROFS
rename within: EROFS
rename out to the writable one: EROFS
rename in from the writable one: EROFS
symlink: EROFS
link within: EROFS
link out to the writable one: EROFS
utimensat data.txt: EROFS
open data.txt O_RDONLY: ok
write to it: EBADF
ftruncate it: EBADF
futimens it: EROFS
read 1 byte: ok
open sub: ok
openat(sub, x, O_CREAT): EROFS
mkdirat(sub, y): EROFS
unlinkat(sub, n.txt): EROFS
EOF
run sandbox 0 "$tmp/sandbox.expected" --dir-rw rw::/d --dir ro::/ro "$work/fs_sandbox.wasm" \
  /d /ro "$s/secret"
check "sandbox: nothing created beside the preopens" \
  test "$(cd "$s" && ls -A | tr '\n' ' ')" = "ro rw secret "
check "sandbox: the secret untouched" \
  test "$(cat "$s/secret") $(stat -c '%s %Y' "$s/secret")" = "SECRET $before_secret"
check "sandbox: the read-only tree untouched" test "$(snapshot "$s/ro")" = "$before_ro"
check "sandbox: the writable tree as it was" \
  test "$(cd "$s/rw" && ls -A | tr '\n' ' ')" = "in_link inside.txt out_abs out_rel sub up "

# ---- fs_copy: large files, many entries, exit statuses ----
c=$tmp/copy
mkdir -p "$c/rw/many" "$c/ro"
# 3,000,017 bytes that are not all alike: more than a few stream chunks
awk 'BEGIN { for (i = 0; i < 176471; i++) printf "%016d\n", i * 7919 }' >"$c/rw/big.bin"
printf 'xxxxxxxxxx' >>"$c/rw/big.bin"
i=1
while [ $i -le 300 ]; do
  : >"$c/rw/many/f$(printf %03d $i)"
  i=$((i + 1))
done
echo data >"$c/ro/data.txt"
printf 'copied 3000017 bytes\nappend after seek to 0: ok\nsource 3000017 bytes, copy 3000025 bytes, checksums agree\n' \
  >"$tmp/copy.expected"
run copy 0 "$tmp/copy.expected" --dir-rw rw::/d "$work/fs_copy.wasm" copy /d/big.bin /d/copy.bin
{ cat "$c/rw/big.bin"; printf 'TRAILER\n'; } >"$tmp/copy.want"
check "copy: the copy on the host" cmp -s "$tmp/copy.want" "$c/rw/copy.bin"
printf '300 entries, first f001, last f300\n' >"$tmp/list.expected"
mkdir -p "$tmp/list"
run list 0 "$tmp/list.expected" --dir-rw "$c/rw::/d" "$work/fs_copy.wasm" list /d/many
printf '1 entries, first data.txt, last data.txt\n' >"$tmp/listro.expected"
mkdir -p "$tmp/listro"
run listro 0 "$tmp/listro.expected" --dir "$c/ro::/ro" "$work/fs_copy.wasm" list /ro
# a failure: status 2 in the program, reported by the adapter as a failed
# exit, which `wasmhttpd run` makes status 1
: >"$tmp/empty.expected"
mkdir -p "$tmp/missing"
run missing 1 "$tmp/empty.expected" --dir-rw "$c/rw::/d" "$work/fs_copy.wasm" copy /d/nope /d/x
check "missing: the message names ENOENT" grep -q "fs_copy: /d/nope: ENOENT" "$tmp/missing.err"
check "missing: nothing created" test ! -e "$c/rw/x"
# writing into a read-only --dir fails, and leaves nothing behind
mkdir -p "$tmp/rowrite"
run rowrite 1 "$tmp/empty.expected" --dir "$c/ro::/ro" "$work/fs_copy.wasm" copy /ro/data.txt \
  /ro/copy.txt
check "rowrite: the message names EROFS" grep -q "fs_copy: /ro/copy.txt: EROFS" "$tmp/rowrite.err"
check "rowrite: nothing created" test "$(ls -A "$c/ro" | tr '\n' ' ')" = "data.txt "
# a write error inside a stream (the device is full) comes back to the
# program as its errno, through filesystem-error-code
if [ -c /dev/full ]; then
  mkdir -p "$tmp/full"
  run full 1 "$tmp/empty.expected" --dir-rw "$c/rw::/d" --dir-rw /dev::/dev "$work/fs_copy.wasm" \
    copy /d/big.bin /dev/full
  check "full: the message names ENOSPC" grep -q "fs_copy: write: ENOSPC" "$tmp/full.err"
else
  bad "full: this host has no /dev/full"
fi
# no --dir at all: no file is reachable
mkdir -p "$tmp/nodir"
run nodir 1 "$tmp/empty.expected" "$work/fs_copy.wasm" list /
check "nodir: a message" test -s "$tmp/nodir.err"

echo "$fails failed"
[ "$fails" -eq 0 ]
