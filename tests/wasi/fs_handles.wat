;; How a guest holds wasi:filesystem handles, in the component text format
;; (canonical ABI by hand, as tests/component/wat does). Used by
;; tests/wasi/test_wasi_fs_handles.c, which gives it two preopens: a
;; writable one holding "file" ("hello") and a read-only one.
;;
;;   read-after-drop  opens "file" beneath the first preopen, makes a read
;;                    stream of it, drops the file's descriptor and every
;;                    preopen descriptor, then reads the stream and drops
;;                    it: bytes read * 256 + the first byte (negative: the
;;                    step that failed)
;;   preopen-flags    get-flags of both preopens: first | second << 8
;;   same-object      two get-directories calls: is-same-object of the two
;;                    first descriptors (bit 0), of the first and second
;;                    (bit 1), and whether the calls gave different handles
;;                    (bit 2); drops every descriptor
(component
  (type $io-t (instance
    (export "error" (type $error (sub resource)))
    (export "input-stream" (type $is (sub resource)))
    (type $error-own (own $error))
    (type $se (variant (case "last-operation-failed" $error-own) (case "closed")))
    (export "stream-error" (type $stream-error (eq $se)))
    (type $is-borrow (borrow $is))
    (type $bytes (list u8))
    (type $read-result (result $bytes (error $stream-error)))
    (export "[method]input-stream.blocking-read"
      (func (param "self" $is-borrow) (param "len" u64) (result $read-result)))
  ))
  (import "wasi:io/streams@0.2.0" (instance $io (type $io-t)))
  (alias export $io "input-stream" (type $input-stream))
  (type $fs-t (instance
    (alias outer 1 $input-stream (type $is-outer))
    (export "input-stream" (type $is (eq $is-outer)))
    (export "descriptor" (type $desc (sub resource)))
    (type $df (flags "read" "write" "file-integrity-sync" "data-integrity-sync"
                     "requested-write-sync" "mutate-directory"))
    (export "descriptor-flags" (type $descriptor-flags (eq $df)))
    (type $pf (flags "symlink-follow"))
    (export "path-flags" (type $path-flags (eq $pf)))
    (type $of (flags "create" "directory" "exclusive" "truncate"))
    (export "open-flags" (type $open-flags (eq $of)))
    (type $ec (enum "access" "would-block" "already" "bad-descriptor" "busy" "deadlock" "quota" "exist"
                "file-too-large" "illegal-byte-sequence" "in-progress" "interrupted" "invalid" "io"
                "is-directory" "loop" "too-many-links" "message-size" "name-too-long" "no-device"
                "no-entry" "no-lock" "insufficient-memory" "insufficient-space" "not-directory"
                "not-empty" "not-recoverable" "unsupported" "no-tty" "no-such-device" "overflow"
                "not-permitted" "pipe" "read-only" "invalid-seek" "text-file-busy" "cross-device"))
    (export "error-code" (type $error-code (eq $ec)))
    (type $self (borrow $desc))
    (type $desc-own (own $desc))
    (type $open-result (result $desc-own (error $error-code)))
    (export "[method]descriptor.open-at"
      (func (param "self" $self) (param "path-flags" $path-flags) (param "path" string)
            (param "open-flags" $open-flags) (param "flags" $descriptor-flags)
            (result $open-result)))
    (type $is-own (own $is))
    (type $stream-result (result $is-own (error $error-code)))
    (export "[method]descriptor.read-via-stream"
      (func (param "self" $self) (param "offset" u64) (result $stream-result)))
    (type $flags-result (result $descriptor-flags (error $error-code)))
    (export "[method]descriptor.get-flags" (func (param "self" $self) (result $flags-result)))
    (export "[method]descriptor.is-same-object"
      (func (param "self" $self) (param "other" $self) (result bool)))
  ))
  (import "wasi:filesystem/types@0.2.0" (instance $fs (type $fs-t)))
  (alias export $fs "descriptor" (type $descriptor))
  (type $pre-t (instance
    (alias outer 1 $descriptor (type $d-outer))
    (export "descriptor" (type $desc (eq $d-outer)))
    (type $desc-own (own $desc))
    (type $pair (tuple $desc-own string))
    (type $pairs (list $pair))
    (export "get-directories" (func (result $pairs)))
  ))
  (import "wasi:filesystem/preopens@0.2.0" (instance $pre (type $pre-t)))

  ;; the memory, and a bump allocator for what the host returns
  (core module $memm
    (memory (export "memory") 1)
    (global $top (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $top) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (global.set $top (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $mi (instantiate $memm))
  (alias core export $mi "memory" (core memory $mem))
  (alias core export $mi "realloc" (core func $realloc))

  (core func $get-dirs (canon lower (func $pre "get-directories")
                          (memory $mem) (realloc $realloc) string-encoding=utf8))
  (core func $open-at (canon lower (func $fs "[method]descriptor.open-at")
                         (memory $mem) string-encoding=utf8))
  (core func $rvs (canon lower (func $fs "[method]descriptor.read-via-stream") (memory $mem)))
  (core func $get-flags (canon lower (func $fs "[method]descriptor.get-flags") (memory $mem)))
  (core func $same (canon lower (func $fs "[method]descriptor.is-same-object")))
  (core func $read (canon lower (func $io "[method]input-stream.blocking-read")
                      (memory $mem) (realloc $realloc)))
  (core func $drop-desc (canon resource.drop $descriptor))
  (core func $drop-stream (canon resource.drop $input-stream))

  (core module $m
    (import "h" "memory" (memory 1))
    (import "h" "get-dirs" (func $get-dirs (param i32)))
    (import "h" "open-at" (func $open-at (param i32 i32 i32 i32 i32 i32 i32)))
    (import "h" "rvs" (func $rvs (param i32 i64 i32)))
    (import "h" "get-flags" (func $get-flags (param i32 i32)))
    (import "h" "same" (func $same (param i32 i32) (result i32)))
    (import "h" "read" (func $read (param i32 i64 i32)))
    (import "h" "drop-desc" (func $drop-desc (param i32)))
    (import "h" "drop-stream" (func $drop-stream (param i32)))
    (data (i32.const 16) "file")
    ;; get-directories, its list (ptr, len) at $at; returns the list's
    ;; address: element i (12 bytes) starts with its descriptor handle
    (func $dirs (param $at i32) (result i32)
      (call $get-dirs (local.get $at))
      (i32.load (local.get $at)))
    (func $drop-all (param $at i32)
      (local $i i32)
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $i) (i32.load offset=4 (local.get $at))))
          (call $drop-desc (i32.load (i32.add (i32.load (local.get $at))
                                              (i32.mul (local.get $i) (i32.const 12)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next))))
    (func (export "read-after-drop") (result i32)
      (local $d i32) (local $f i32) (local $s i32)
      (local.set $d (call $dirs (i32.const 32)))
      ;; open-at(first, symlink-follow, "file", no open-flags, read) -> @48
      (call $open-at (i32.load (local.get $d)) (i32.const 1) (i32.const 16) (i32.const 4)
                     (i32.const 0) (i32.const 1) (i32.const 48))
      (if (i32.load8_u (i32.const 48)) (then (return (i32.const -1))))
      (local.set $f (i32.load (i32.const 52)))
      (call $rvs (local.get $f) (i64.const 0) (i32.const 48))
      (if (i32.load8_u (i32.const 48)) (then (return (i32.const -2))))
      (local.set $s (i32.load (i32.const 52)))
      (call $drop-desc (local.get $f))
      (call $drop-all (i32.const 32))
      ;; blocking-read(100) -> @64: tag, then the list (ptr @68, len @72)
      (call $read (local.get $s) (i64.const 100) (i32.const 64))
      (if (i32.load8_u (i32.const 64)) (then (return (i32.const -3))))
      (call $drop-stream (local.get $s))
      (i32.or (i32.shl (i32.load (i32.const 72)) (i32.const 8))
              (i32.load8_u (i32.load (i32.const 68)))))
    (func (export "preopen-flags") (result i32)
      (local $d i32) (local $r i32)
      (local.set $d (call $dirs (i32.const 32)))
      ;; result<descriptor-flags, error-code>: tag @80, flags @81
      (call $get-flags (i32.load (local.get $d)) (i32.const 80))
      (if (i32.load8_u (i32.const 80)) (then (return (i32.const -1))))
      (local.set $r (i32.load8_u (i32.const 81)))
      (call $get-flags (i32.load offset=12 (local.get $d)) (i32.const 80))
      (if (i32.load8_u (i32.const 80)) (then (return (i32.const -2))))
      (local.set $r (i32.or (local.get $r) (i32.shl (i32.load8_u (i32.const 81)) (i32.const 8))))
      (call $drop-all (i32.const 32))
      (local.get $r))
    (func (export "same-object") (result i32)
      (local $a i32) (local $b i32) (local $r i32)
      (local.set $a (call $dirs (i32.const 32)))
      (local.set $b (call $dirs (i32.const 40)))
      (local.set $r (i32.or
        (call $same (i32.load (local.get $a)) (i32.load (local.get $b)))
        (i32.shl (call $same (i32.load (local.get $a)) (i32.load offset=12 (local.get $a)))
                 (i32.const 1))))
      (local.set $r (i32.or (local.get $r)
        (i32.shl (i32.ne (i32.load (local.get $a)) (i32.load (local.get $b))) (i32.const 2))))
      (call $drop-all (i32.const 32))
      (call $drop-all (i32.const 40))
      (local.get $r))
  )
  (core instance $h
    (export "memory" (memory $mem))
    (export "get-dirs" (func $get-dirs)) (export "open-at" (func $open-at))
    (export "rvs" (func $rvs)) (export "get-flags" (func $get-flags))
    (export "same" (func $same)) (export "read" (func $read))
    (export "drop-desc" (func $drop-desc)) (export "drop-stream" (func $drop-stream)))
  (core instance $i (instantiate $m (with "h" (instance $h))))
  (func (export "read-after-drop") (result s32) (canon lift (core func $i "read-after-drop")))
  (func (export "preopen-flags") (result u32) (canon lift (core func $i "preopen-flags")))
  (func (export "same-object") (result u32) (canon lift (core func $i "same-object")))
)
