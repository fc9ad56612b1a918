;; A guest of wasi:sockets for tests/wasi/test_wasi_sockets.c, with its
;; canonical-ABI glue written by hand. Errors come back as numbers:
;; stage * 100 + the error-code (or a stream error: + 98 closed, + the
;; network-error-code of last-operation-failed, + 99 when it has none).
;; Stages: 1 create-tcp-socket / resolve-addresses, 2 start-connect /
;; resolve-next-address, 3 finish-connect, 4..7 stream steps, 8 remote-address.
;;
;;   echo(a, b, c, d, port, msg)  connect to a.b.c.d:port, write msg, read as
;;                                many bytes back, shutdown(both), check the
;;                                input stream is then closed: ok(the bytes)
;;   echo6(port, msg)             the same to [::1]:port on an ipv6 socket
;;   bulk(port, total)            connect to 127.0.0.1:port, write `total`
;;                                bytes (byte k is k mod 251) with
;;                                check-write/write/subscribe, blocking-flush,
;;                                read them back with read/subscribe and check
;;                                them: ok(bytes read), err(900) on a mismatch
;;   lookup(name)                 resolve a name: ok(flags | count << 8), flag 1
;;                                for 127.0.0.1 seen, 2 for ::1
;;   misc(which)                  one call on a new ipv4 socket: 0 start-bind,
;;                                1 start-listen, 2 accept, 3 create-udp-socket,
;;                                4 set-keep-alive-enabled(true) then
;;                                keep-alive-enabled, 5 create an ipv6 socket,
;;                                6 finish-connect with no connect,
;;                                7 set-hop-limit 0 (900 unless refused), 33,
;;                                read back, 8 set-keep-alive-idle-time 1.5 s,
;;                                read back (in s), 9 set-receive-buffer-size 0
;;                                (900 unless refused), 100000, read back
;;                                (bool: at least that), 10 local-address,
;;                                11 shutdown(both), both unconnected; the
;;                                error-code, or 1000 (+ the value read) for ok
;;   keep(port)                   connect to 127.0.0.1:port, write "x\n" and
;;                                return 0, keeping every handle
;;   spill(port)                  connect to 127.0.0.1:port, write with
;;                                check-write/write until check-write offers
;;                                nothing, then drop everything at once, no
;;                                flush: ok(bytes written)
;;   fill(port)                   connect to 127.0.0.1:port, write with
;;                                check-write/write until check-write offers
;;                                nothing, blocking-flush, then ok(what
;;                                check-write offers)
(component
  ;; ---- imports ----
  (type $error-t (instance (export "error" (type (sub resource)))))
  (import "wasi:io/error@0.2.0" (instance $error (type $error-t)))
  (alias export $error "error" (type $error))

  (type $poll-t (instance
    (export "pollable" (type $p (sub resource)))
    (type $bp (borrow $p))
    (export "[method]pollable.block" (func (param "self" $bp)))))
  (import "wasi:io/poll@0.2.0" (instance $poll (type $poll-t)))
  (alias export $poll "pollable" (type $pollable))

  (type $streams-t (instance
    (alias outer 1 $error (type $e0))
    (export "error" (type $e (eq $e0)))
    (alias outer 1 $pollable (type $p0))
    (export "pollable" (type $p (eq $p0)))
    (type $own-e (own $e))
    (type $se (variant (case "last-operation-failed" $own-e) (case "closed")))
    (export "stream-error" (type $se-e (eq $se)))
    (export "input-stream" (type $in (sub resource)))
    (export "output-stream" (type $out (sub resource)))
    (type $bin (borrow $in))
    (type $bout (borrow $out))
    (type $own-p (own $p))
    (type $bytes (list u8))
    (type $r-read (result $bytes (error $se-e)))
    (type $r-u64 (result u64 (error $se-e)))
    (type $r-unit (result (error $se-e)))
    (export "[method]input-stream.read"
      (func (param "self" $bin) (param "len" u64) (result $r-read)))
    (export "[method]input-stream.blocking-read"
      (func (param "self" $bin) (param "len" u64) (result $r-read)))
    (export "[method]input-stream.subscribe" (func (param "self" $bin) (result $own-p)))
    (export "[method]output-stream.check-write" (func (param "self" $bout) (result $r-u64)))
    (export "[method]output-stream.write"
      (func (param "self" $bout) (param "contents" $bytes) (result $r-unit)))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" $bout) (param "contents" $bytes) (result $r-unit)))
    (export "[method]output-stream.blocking-flush" (func (param "self" $bout) (result $r-unit)))
    (export "[method]output-stream.subscribe" (func (param "self" $bout) (result $own-p)))))
  (import "wasi:io/streams@0.2.0" (instance $streams (type $streams-t)))
  (alias export $streams "input-stream" (type $input-stream))
  (alias export $streams "output-stream" (type $output-stream))

  (type $network-t (instance
    (alias outer 1 $error (type $e0))
    (export "error" (type $e (eq $e0)))
    (export "network" (type $net (sub resource)))
    (type $ec (enum "unknown" "access-denied" "not-supported" "invalid-argument"
                    "out-of-memory" "timeout" "concurrency-conflict" "not-in-progress"
                    "would-block" "invalid-state" "new-socket-limit" "address-not-bindable"
                    "address-in-use" "remote-unreachable" "connection-refused"
                    "connection-reset" "connection-aborted" "datagram-too-large"
                    "name-unresolvable" "temporary-resolver-failure"
                    "permanent-resolver-failure"))
    (export "error-code" (type $ec-e (eq $ec)))
    (type $fam (enum "ipv4" "ipv6"))
    (export "ip-address-family" (type $fam-e (eq $fam)))
    (type $v4 (tuple u8 u8 u8 u8))
    (export "ipv4-address" (type $v4-e (eq $v4)))
    (type $v6 (tuple u16 u16 u16 u16 u16 u16 u16 u16))
    (export "ipv6-address" (type $v6-e (eq $v6)))
    (type $ip (variant (case "ipv4" $v4-e) (case "ipv6" $v6-e)))
    (export "ip-address" (type $ip-e (eq $ip)))
    (type $sa4 (record (field "port" u16) (field "address" $v4-e)))
    (export "ipv4-socket-address" (type $sa4-e (eq $sa4)))
    (type $sa6 (record (field "port" u16) (field "flow-info" u32) (field "address" $v6-e)
                       (field "scope-id" u32)))
    (export "ipv6-socket-address" (type $sa6-e (eq $sa6)))
    (type $sa (variant (case "ipv4" $sa4-e) (case "ipv6" $sa6-e)))
    (export "ip-socket-address" (type $sa-e (eq $sa)))
    (type $be (borrow $e))
    (type $opt-ec (option $ec-e))
    (export "network-error-code" (func (param "err" $be) (result $opt-ec)))))
  (import "wasi:sockets/network@0.2.0" (instance $network (type $network-t)))
  (alias export $network "network" (type $net))
  (alias export $network "error-code" (type $error-code))
  (alias export $network "ip-address-family" (type $family))
  (alias export $network "ip-address" (type $ip-address))
  (alias export $network "ip-socket-address" (type $sock-addr))

  (type $inet-t (instance
    (alias outer 1 $net (type $n0))
    (export "network" (type $n (eq $n0)))
    (type $own-n (own $n))
    (export "instance-network" (func (result $own-n)))))
  (import "wasi:sockets/instance-network@0.2.0" (instance $inet (type $inet-t)))

  (type $tcp-t (instance
    (alias outer 1 $input-stream (type $in0))
    (export "input-stream" (type $in (eq $in0)))
    (alias outer 1 $output-stream (type $out0))
    (export "output-stream" (type $out (eq $out0)))
    (alias outer 1 $pollable (type $p0))
    (export "pollable" (type $p (eq $p0)))
    (alias outer 1 $net (type $n0))
    (export "network" (type $n (eq $n0)))
    (alias outer 1 $error-code (type $ec0))
    (export "error-code" (type $ec (eq $ec0)))
    (alias outer 1 $sock-addr (type $sa0))
    (export "ip-socket-address" (type $sa (eq $sa0)))
    (type $st (enum "receive" "send" "both"))
    (export "shutdown-type" (type $st-e (eq $st)))
    (export "tcp-socket" (type $sock (sub resource)))
    (type $bs (borrow $sock))
    (type $bn (borrow $n))
    (type $own-in (own $in))
    (type $own-out (own $out))
    (type $own-p (own $p))
    (type $own-s (own $sock))
    (type $r-unit (result (error $ec)))
    (type $pair (tuple $own-in $own-out))
    (type $r-pair (result $pair (error $ec)))
    (type $triple (tuple $own-s $own-in $own-out))
    (type $r-triple (result $triple (error $ec)))
    (type $r-addr (result $sa (error $ec)))
    (type $r-bool (result bool (error $ec)))
    (type $r-u8 (result u8 (error $ec)))
    (type $r-u64 (result u64 (error $ec)))
    (export "[method]tcp-socket.start-bind"
      (func (param "self" $bs) (param "network" $bn) (param "local-address" $sa)
            (result $r-unit)))
    (export "[method]tcp-socket.start-connect"
      (func (param "self" $bs) (param "network" $bn) (param "remote-address" $sa)
            (result $r-unit)))
    (export "[method]tcp-socket.finish-connect" (func (param "self" $bs) (result $r-pair)))
    (export "[method]tcp-socket.start-listen" (func (param "self" $bs) (result $r-unit)))
    (export "[method]tcp-socket.accept" (func (param "self" $bs) (result $r-triple)))
    (export "[method]tcp-socket.remote-address" (func (param "self" $bs) (result $r-addr)))
    (export "[method]tcp-socket.keep-alive-enabled" (func (param "self" $bs) (result $r-bool)))
    (export "[method]tcp-socket.set-keep-alive-enabled"
      (func (param "self" $bs) (param "value" bool) (result $r-unit)))
    (export "[method]tcp-socket.hop-limit" (func (param "self" $bs) (result $r-u8)))
    (export "[method]tcp-socket.set-hop-limit"
      (func (param "self" $bs) (param "value" u8) (result $r-unit)))
    (export "[method]tcp-socket.keep-alive-idle-time" (func (param "self" $bs) (result $r-u64)))
    (export "[method]tcp-socket.set-keep-alive-idle-time"
      (func (param "self" $bs) (param "value" u64) (result $r-unit)))
    (export "[method]tcp-socket.receive-buffer-size" (func (param "self" $bs) (result $r-u64)))
    (export "[method]tcp-socket.set-receive-buffer-size"
      (func (param "self" $bs) (param "value" u64) (result $r-unit)))
    (export "[method]tcp-socket.local-address" (func (param "self" $bs) (result $r-addr)))
    (export "[method]tcp-socket.subscribe" (func (param "self" $bs) (result $own-p)))
    (export "[method]tcp-socket.shutdown"
      (func (param "self" $bs) (param "shutdown-type" $st-e) (result $r-unit)))))
  (import "wasi:sockets/tcp@0.2.0" (instance $tcp (type $tcp-t)))
  (alias export $tcp "tcp-socket" (type $tcp-socket))

  (type $tcpc-t (instance
    (alias outer 1 $error-code (type $ec0))
    (export "error-code" (type $ec (eq $ec0)))
    (alias outer 1 $family (type $f0))
    (export "ip-address-family" (type $f (eq $f0)))
    (alias outer 1 $tcp-socket (type $s0))
    (export "tcp-socket" (type $s (eq $s0)))
    (type $own-s (own $s))
    (type $r (result $own-s (error $ec)))
    (export "create-tcp-socket" (func (param "address-family" $f) (result $r)))))
  (import "wasi:sockets/tcp-create-socket@0.2.0" (instance $tcpc (type $tcpc-t)))

  (type $udpc-t (instance
    (alias outer 1 $error-code (type $ec0))
    (export "error-code" (type $ec (eq $ec0)))
    (alias outer 1 $family (type $f0))
    (export "ip-address-family" (type $f (eq $f0)))
    (export "udp-socket" (type $s (sub resource)))
    (type $own-s (own $s))
    (type $r (result $own-s (error $ec)))
    (export "create-udp-socket" (func (param "address-family" $f) (result $r)))))
  (import "wasi:sockets/udp-create-socket@0.2.0" (instance $udpc (type $udpc-t)))

  (type $lookup-t (instance
    (alias outer 1 $pollable (type $p0))
    (export "pollable" (type $p (eq $p0)))
    (alias outer 1 $net (type $n0))
    (export "network" (type $n (eq $n0)))
    (alias outer 1 $error-code (type $ec0))
    (export "error-code" (type $ec (eq $ec0)))
    (alias outer 1 $ip-address (type $ip0))
    (export "ip-address" (type $ip (eq $ip0)))
    (export "resolve-address-stream" (type $rs (sub resource)))
    (type $bn (borrow $n))
    (type $brs (borrow $rs))
    (type $own-rs (own $rs))
    (type $own-p (own $p))
    (type $r-rs (result $own-rs (error $ec)))
    (type $opt-ip (option $ip))
    (type $r-next (result $opt-ip (error $ec)))
    (export "resolve-addresses"
      (func (param "network" $bn) (param "name" string) (result $r-rs)))
    (export "[method]resolve-address-stream.resolve-next-address"
      (func (param "self" $brs) (result $r-next)))
    (export "[method]resolve-address-stream.subscribe"
      (func (param "self" $brs) (result $own-p)))))
  (import "wasi:sockets/ip-name-lookup@0.2.0" (instance $lookup (type $lookup-t)))
  (alias export $lookup "resolve-address-stream" (type $resolve-stream))

  ;; ---- memory and a bump allocator; post-return resets it ----
  (core module $libc
    (memory (export "memory") 2)
    (global $next (mut i32) (i32.const 16384))
    (func (export "realloc") (param $old i32) (param $old-size i32) (param $align i32)
                             (param $size i32) (result i32)
      (local $p i32) (local $end i32)
      (local.set $p (i32.and (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
      (local.set $end (i32.add (local.get $p) (local.get $size)))
      (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
        (then
          (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end)
                                                               (i32.shl (memory.size) (i32.const 16)))
                                                        (i32.const 16))
                                            (i32.const 1)))
                      (i32.const -1))
            (then unreachable))))
      (global.set $next (local.get $end))
      (local.get $p))
    (func (export "reset") (param i32) (global.set $next (i32.const 16384))))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "memory" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))
  (alias core export $libc "reset" (core func $reset))

  ;; ---- lowered imports ----
  (core func $instance-network (canon lower (func $inet "instance-network")))
  (core func $net-error-code (canon lower (func $network "network-error-code") (memory $mem)))
  (core func $create-tcp (canon lower (func $tcpc "create-tcp-socket") (memory $mem)))
  (core func $create-udp (canon lower (func $udpc "create-udp-socket") (memory $mem)))
  (core func $start-bind (canon lower (func $tcp "[method]tcp-socket.start-bind") (memory $mem)))
  (core func $start-connect
    (canon lower (func $tcp "[method]tcp-socket.start-connect") (memory $mem)))
  (core func $finish-connect
    (canon lower (func $tcp "[method]tcp-socket.finish-connect") (memory $mem)))
  (core func $start-listen (canon lower (func $tcp "[method]tcp-socket.start-listen") (memory $mem)))
  (core func $accept (canon lower (func $tcp "[method]tcp-socket.accept") (memory $mem)))
  (core func $remote-address
    (canon lower (func $tcp "[method]tcp-socket.remote-address") (memory $mem)))
  (core func $keep-alive
    (canon lower (func $tcp "[method]tcp-socket.keep-alive-enabled") (memory $mem)))
  (core func $set-keep-alive
    (canon lower (func $tcp "[method]tcp-socket.set-keep-alive-enabled") (memory $mem)))
  (core func $hop-limit (canon lower (func $tcp "[method]tcp-socket.hop-limit") (memory $mem)))
  (core func $set-hop-limit
    (canon lower (func $tcp "[method]tcp-socket.set-hop-limit") (memory $mem)))
  (core func $idle-time
    (canon lower (func $tcp "[method]tcp-socket.keep-alive-idle-time") (memory $mem)))
  (core func $set-idle-time
    (canon lower (func $tcp "[method]tcp-socket.set-keep-alive-idle-time") (memory $mem)))
  (core func $rcvbuf
    (canon lower (func $tcp "[method]tcp-socket.receive-buffer-size") (memory $mem)))
  (core func $set-rcvbuf
    (canon lower (func $tcp "[method]tcp-socket.set-receive-buffer-size") (memory $mem)))
  (core func $local-address
    (canon lower (func $tcp "[method]tcp-socket.local-address") (memory $mem)))
  (core func $tcp-subscribe (canon lower (func $tcp "[method]tcp-socket.subscribe")))
  (core func $shutdown (canon lower (func $tcp "[method]tcp-socket.shutdown") (memory $mem)))
  (core func $block (canon lower (func $poll "[method]pollable.block")))
  (core func $read
    (canon lower (func $streams "[method]input-stream.read") (memory $mem) (realloc $realloc)))
  (core func $blocking-read
    (canon lower (func $streams "[method]input-stream.blocking-read") (memory $mem)
                 (realloc $realloc)))
  (core func $in-subscribe (canon lower (func $streams "[method]input-stream.subscribe")))
  (core func $check-write
    (canon lower (func $streams "[method]output-stream.check-write") (memory $mem)))
  (core func $write (canon lower (func $streams "[method]output-stream.write") (memory $mem)))
  (core func $blocking-write
    (canon lower (func $streams "[method]output-stream.blocking-write-and-flush") (memory $mem)))
  (core func $blocking-flush
    (canon lower (func $streams "[method]output-stream.blocking-flush") (memory $mem)))
  (core func $out-subscribe (canon lower (func $streams "[method]output-stream.subscribe")))
  (core func $resolve (canon lower (func $lookup "resolve-addresses") (memory $mem)))
  (core func $next-address
    (canon lower (func $lookup "[method]resolve-address-stream.resolve-next-address")
                 (memory $mem)))
  (core func $resolve-subscribe
    (canon lower (func $lookup "[method]resolve-address-stream.subscribe")))
  (core func $drop-network (canon resource.drop $net))
  (core func $drop-tcp (canon resource.drop $tcp-socket))
  (core func $drop-pollable (canon resource.drop $pollable))
  (core func $drop-in (canon resource.drop $input-stream))
  (core func $drop-out (canon resource.drop $output-stream))
  (core func $drop-error (canon resource.drop $error))
  (core func $drop-resolve (canon resource.drop $resolve-stream))

  ;; ---- the guest ----
  ;; Memory: 0..63 return areas of imports, 64..79 the export's result,
  ;; 1024..16383 data, 16384.. the allocator's.
  (core module $m
    (import "env" "memory" (memory 1))
    (import "env" "reset" (func $reset (param i32)))
    (import "h" "instance-network" (func $instance-network (result i32)))
    (import "h" "net-error-code" (func $net-error-code (param i32 i32)))
    (import "h" "create-tcp" (func $create-tcp (param i32 i32)))
    (import "h" "create-udp" (func $create-udp (param i32 i32)))
    (import "h" "start-bind" (func $start-bind
      (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
    (import "h" "start-connect" (func $start-connect
      (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
    (import "h" "finish-connect" (func $finish-connect (param i32 i32)))
    (import "h" "start-listen" (func $start-listen (param i32 i32)))
    (import "h" "accept" (func $accept (param i32 i32)))
    (import "h" "remote-address" (func $remote-address (param i32 i32)))
    (import "h" "keep-alive" (func $keep-alive (param i32 i32)))
    (import "h" "set-keep-alive" (func $set-keep-alive (param i32 i32 i32)))
    (import "h" "hop-limit" (func $hop-limit (param i32 i32)))
    (import "h" "set-hop-limit" (func $set-hop-limit (param i32 i32 i32)))
    (import "h" "idle-time" (func $idle-time (param i32 i32)))
    (import "h" "set-idle-time" (func $set-idle-time (param i32 i64 i32)))
    (import "h" "rcvbuf" (func $rcvbuf (param i32 i32)))
    (import "h" "set-rcvbuf" (func $set-rcvbuf (param i32 i64 i32)))
    (import "h" "local-address" (func $local-address (param i32 i32)))
    (import "h" "tcp-subscribe" (func $tcp-subscribe (param i32) (result i32)))
    (import "h" "shutdown" (func $shutdown (param i32 i32 i32)))
    (import "h" "block" (func $block (param i32)))
    (import "h" "read" (func $read (param i32 i64 i32)))
    (import "h" "blocking-read" (func $blocking-read (param i32 i64 i32)))
    (import "h" "in-subscribe" (func $in-subscribe (param i32) (result i32)))
    (import "h" "check-write" (func $check-write (param i32 i32)))
    (import "h" "write" (func $write (param i32 i32 i32 i32)))
    (import "h" "blocking-write" (func $blocking-write (param i32 i32 i32 i32)))
    (import "h" "blocking-flush" (func $blocking-flush (param i32 i32)))
    (import "h" "out-subscribe" (func $out-subscribe (param i32) (result i32)))
    (import "h" "resolve" (func $resolve (param i32 i32 i32 i32)))
    (import "h" "next-address" (func $next-address (param i32 i32)))
    (import "h" "resolve-subscribe" (func $resolve-subscribe (param i32) (result i32)))
    (import "h" "drop-network" (func $drop-network (param i32)))
    (import "h" "drop-tcp" (func $drop-tcp (param i32)))
    (import "h" "drop-pollable" (func $drop-pollable (param i32)))
    (import "h" "drop-in" (func $drop-in (param i32)))
    (import "h" "drop-out" (func $drop-out (param i32)))
    (import "h" "drop-error" (func $drop-error (param i32)))
    (import "h" "drop-resolve" (func $drop-resolve (param i32)))

    (global $net (mut i32) (i32.const 0))
    (global $sock (mut i32) (i32.const 0))
    (global $in (mut i32) (i32.const 0))
    (global $out (mut i32) (i32.const 0))

    (func $fail (param $code i32) (result i32)
      (i32.store8 (i32.const 64) (i32.const 1))
      (i32.store (i32.const 68) (local.get $code))
      (i32.const 64))

    (func $ok32 (param $v i32) (result i32)
      (i32.store8 (i32.const 64) (i32.const 0))
      (i32.store (i32.const 68) (local.get $v))
      (i32.const 64))

    ;; result<_, error-code> at 0: the code, or 1000 for ok
    (func $code1 (result i32)
      (if (result i32) (i32.load8_u (i32.const 0))
        (then (i32.load8_u (i32.const 1))) (else (i32.const 1000))))
    ;; a result whose error-code sits at 4
    (func $code4 (result i32)
      (if (result i32) (i32.load8_u (i32.const 0))
        (then (i32.load8_u (i32.const 4))) (else (i32.const 1000))))

    ;; the stream-error at $at: base + 98 (closed), or base + the
    ;; network-error-code of the error (99 without one)
    (func $stream-err (param $at i32) (param $base i32) (result i32)
      (local $e i32) (local $code i32)
      (if (i32.load8_u (local.get $at))
        (then (return (i32.add (local.get $base) (i32.const 98)))))
      (local.set $e (i32.load offset=4 (local.get $at)))
      (call $net-error-code (local.get $e) (i32.const 32))
      (local.set $code (if (result i32) (i32.load8_u (i32.const 32))
                         (then (i32.load8_u (i32.const 33))) (else (i32.const 99))))
      (call $drop-error (local.get $e))
      (i32.add (local.get $base) (local.get $code)))

    ;; connects to a.b.c.d:port, waiting on the socket's pollable: 0, with
    ;; $net $sock $in $out set, or stage * 100 + error-code
    (func $connect (param $a i32) (param $b i32) (param $c i32) (param $d i32) (param $port i32)
                   (result i32)
      (call $connect-to (i32.const 0) (local.get $a) (local.get $b) (local.get $c) (local.get $d)
                        (local.get $port)))

    ;; the same to a.b.c.d:port on an ipv4 socket, or to [::1]:port on an
    ;; ipv6 one when $v6
    (func $connect-to (param $v6 i32) (param $a i32) (param $b i32) (param $c i32) (param $d i32)
                      (param $port i32) (result i32)
      (local $p i32)
      (global.set $net (call $instance-network))
      (call $create-tcp (local.get $v6) (i32.const 0))
      (if (i32.load8_u (i32.const 0))
        (then (return (i32.add (i32.const 100) (i32.load8_u (i32.const 4))))))
      (global.set $sock (i32.load (i32.const 4)))
      (if (local.get $v6)
        (then
          ;; ipv6: port, flow-info, eight words (::1), scope-id
          (call $start-connect (global.get $sock) (global.get $net)
            (i32.const 1) (local.get $port) (i32.const 0)
            (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
            (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 1)
            (i32.const 0) (i32.const 0)))
        (else
          (call $start-connect (global.get $sock) (global.get $net)
            (i32.const 0) (local.get $port) (local.get $a) (local.get $b) (local.get $c)
            (local.get $d)
            (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
            (i32.const 0))))
      (if (i32.load8_u (i32.const 0))
        (then (return (i32.add (i32.const 200) (i32.load8_u (i32.const 1))))))
      (local.set $p (call $tcp-subscribe (global.get $sock)))
      (block $connected
        (loop $wait
          (call $finish-connect (global.get $sock) (i32.const 0))
          (br_if $connected (i32.eqz (i32.load8_u (i32.const 0))))
          (if (i32.ne (i32.load8_u (i32.const 4)) (i32.const 8)) ;; not would-block
            (then
              (call $drop-pollable (local.get $p))
              (return (i32.add (i32.const 300) (i32.load8_u (i32.const 4))))))
          (call $block (local.get $p))
          (br $wait)))
      (call $drop-pollable (local.get $p))
      (global.set $in (i32.load (i32.const 4)))
      (global.set $out (i32.load (i32.const 8)))
      (i32.const 0))

    (func $cleanup
      (if (global.get $in) (then (call $drop-in (global.get $in))))
      (if (global.get $out) (then (call $drop-out (global.get $out))))
      (if (global.get $sock) (then (call $drop-tcp (global.get $sock))))
      (if (global.get $net) (then (call $drop-network (global.get $net))))
      (global.set $in (i32.const 0))
      (global.set $out (i32.const 0))
      (global.set $sock (i32.const 0))
      (global.set $net (i32.const 0)))

    (func (export "echo") (param $a i32) (param $b i32) (param $c i32) (param $d i32)
                          (param $port i32) (param $msg i32) (param $len i32) (result i32)
      (call $echo-to (i32.const 0) (local.get $a) (local.get $b) (local.get $c) (local.get $d)
                     (local.get $port) (local.get $msg) (local.get $len)))

    (func (export "echo6") (param $port i32) (param $msg i32) (param $len i32) (result i32)
      (call $echo-to (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                     (local.get $port) (local.get $msg) (local.get $len)))

    (func $echo-to (param $v6 i32) (param $a i32) (param $b i32) (param $c i32) (param $d i32)
                   (param $port i32) (param $msg i32) (param $len i32) (result i32)
      (local $e i32) (local $got i32) (local $n i32) (local $src i32) (local $i i32)
      (block $done
        (br_if $done (local.tee $e (call $connect-to (local.get $v6) (local.get $a) (local.get $b)
                                                     (local.get $c) (local.get $d)
                                                     (local.get $port))))
        ;; the peer is the one asked for: the family's case, then the port
        ;; (ipv4-socket-address and ipv6-socket-address both start with it)
        (call $remote-address (global.get $sock) (i32.const 0))
        (if (i32.load8_u (i32.const 0))
          (then (local.set $e (i32.add (i32.const 800) (i32.load8_u (i32.const 4)))) (br $done)))
        (if (i32.or (i32.ne (i32.load8_u (i32.const 4)) (local.get $v6))
                    (i32.ne (i32.load16_u (i32.const 8)) (local.get $port)))
          (then (local.set $e (i32.const 899)) (br $done)))
        (if (local.get $len)
          (then
            (call $blocking-write (global.get $out) (local.get $msg) (local.get $len) (i32.const 0))
            (if (i32.load8_u (i32.const 0))
              (then (local.set $e (call $stream-err (i32.const 4) (i32.const 400))) (br $done)))))
        (block $all
          (loop $more
            (br_if $all (i32.ge_u (local.get $got) (local.get $len)))
            (call $blocking-read (global.get $in) (i64.const 4096) (i32.const 0))
            (if (i32.load8_u (i32.const 0))
              (then (local.set $e (call $stream-err (i32.const 4) (i32.const 500))) (br $done)))
            (local.set $src (i32.load (i32.const 4)))
            (local.set $n (i32.load (i32.const 8)))
            (local.set $i (i32.const 0))
            (block $copied
              (loop $copy
                (br_if $copied (i32.ge_u (local.get $i) (local.get $n)))
                (i32.store8 (i32.add (i32.const 1024) (i32.add (local.get $got) (local.get $i)))
                            (i32.load8_u (i32.add (local.get $src) (local.get $i))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $copy)))
            (local.set $got (i32.add (local.get $got) (local.get $n)))
            (br $more)))
        (call $shutdown (global.get $sock) (i32.const 2) (i32.const 0))
        (if (i32.load8_u (i32.const 0))
          (then (local.set $e (i32.add (i32.const 600) (i32.load8_u (i32.const 1)))) (br $done)))
        ;; shut down for receiving, the input stream is closed
        (call $blocking-read (global.get $in) (i64.const 1) (i32.const 0))
        (if (i32.or (i32.eqz (i32.load8_u (i32.const 0))) (i32.eqz (i32.load8_u (i32.const 4))))
          (then (local.set $e (i32.const 700)))))
      (call $cleanup)
      (if (local.get $e) (then (return (call $fail (local.get $e)))))
      (i32.store8 (i32.const 64) (i32.const 0))
      (i32.store (i32.const 68) (i32.const 1024))
      (i32.store (i32.const 72) (local.get $got))
      (i32.const 64))

    (func (export "bulk") (param $port i32) (param $total i32) (result i32)
      (local $e i32) (local $sent i32) (local $recv i32) (local $room i32) (local $n i32)
      (local $i i32) (local $p i32) (local $src i32)
      (block $done
        (br_if $done (local.tee $e (call $connect (i32.const 127) (i32.const 0) (i32.const 0)
                                                  (i32.const 1) (local.get $port))))
        (block $sent-all
          (loop $send
            (br_if $sent-all (i32.ge_u (local.get $sent) (local.get $total)))
            (call $check-write (global.get $out) (i32.const 0))
            (if (i32.load8_u (i32.const 0))
              (then (local.set $e (call $stream-err (i32.const 8) (i32.const 400))) (br $done)))
            (local.set $room (i32.wrap_i64 (i64.load (i32.const 8))))
            (if (i32.eqz (local.get $room))
              (then
                (local.set $p (call $out-subscribe (global.get $out)))
                (call $block (local.get $p))
                (call $drop-pollable (local.get $p))
                (br $send)))
            (local.set $n (i32.sub (local.get $total) (local.get $sent)))
            (if (i32.gt_u (local.get $n) (local.get $room)) (then (local.set $n (local.get $room))))
            (if (i32.gt_u (local.get $n) (i32.const 8192)) (then (local.set $n (i32.const 8192))))
            (local.set $i (i32.const 0))
            (block $filled
              (loop $fill
                (br_if $filled (i32.ge_u (local.get $i) (local.get $n)))
                (i32.store8 (i32.add (i32.const 1024) (local.get $i))
                            (i32.rem_u (i32.add (local.get $sent) (local.get $i)) (i32.const 251)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $fill)))
            (call $write (global.get $out) (i32.const 1024) (local.get $n) (i32.const 0))
            (if (i32.load8_u (i32.const 0))
              (then (local.set $e (call $stream-err (i32.const 4) (i32.const 500))) (br $done)))
            (local.set $sent (i32.add (local.get $sent) (local.get $n)))
            (br $send)))
        (call $blocking-flush (global.get $out) (i32.const 0))
        (if (i32.load8_u (i32.const 0))
          (then (local.set $e (call $stream-err (i32.const 4) (i32.const 600))) (br $done)))
        (block $received-all
          (loop $receive
            (br_if $received-all (i32.ge_u (local.get $recv) (local.get $total)))
            (call $read (global.get $in) (i64.const 65536) (i32.const 0))
            (if (i32.load8_u (i32.const 0))
              (then (local.set $e (call $stream-err (i32.const 4) (i32.const 700))) (br $done)))
            (local.set $src (i32.load (i32.const 4)))
            (local.set $n (i32.load (i32.const 8)))
            (if (i32.eqz (local.get $n))
              (then
                (local.set $p (call $in-subscribe (global.get $in)))
                (call $block (local.get $p))
                (call $drop-pollable (local.get $p))
                (br $receive)))
            (local.set $i (i32.const 0))
            (block $checked
              (loop $check
                (br_if $checked (i32.ge_u (local.get $i) (local.get $n)))
                (if (i32.ne (i32.load8_u (i32.add (local.get $src) (local.get $i)))
                            (i32.rem_u (i32.add (local.get $recv) (local.get $i)) (i32.const 251)))
                  (then (local.set $e (i32.const 900)) (br $done)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $check)))
            (local.set $recv (i32.add (local.get $recv) (local.get $n)))
            (call $reset (i32.const 0)) ;; those bytes are checked: reuse their memory
            (br $receive))))
      (call $cleanup)
      (if (local.get $e) (then (return (call $fail (local.get $e)))))
      (call $ok32 (local.get $recv)))

    (func (export "lookup") (param $name i32) (param $len i32) (result i32)
      (local $e i32) (local $st i32) (local $p i32) (local $flags i32) (local $count i32)
      (global.set $net (call $instance-network))
      (block $done
        (call $resolve (global.get $net) (local.get $name) (local.get $len) (i32.const 0))
        (if (i32.load8_u (i32.const 0))
          (then (local.set $e (i32.add (i32.const 100) (i32.load8_u (i32.const 4)))) (br $done)))
        (local.set $st (i32.load (i32.const 4)))
        ;; result<option<ip-address>, error-code>: option (or the code) at 2,
        ;; ip-address at 4, its address at 6
        (loop $next
          (call $next-address (local.get $st) (i32.const 0))
          (if (i32.load8_u (i32.const 0))
            (then
              (if (i32.ne (i32.load8_u (i32.const 2)) (i32.const 8)) ;; not would-block
                (then (local.set $e (i32.add (i32.const 200) (i32.load8_u (i32.const 2))))
                      (br $done)))
              (local.set $p (call $resolve-subscribe (local.get $st)))
              (call $block (local.get $p))
              (call $drop-pollable (local.get $p))
              (br $next)))
          (if (i32.load8_u (i32.const 2))
            (then
              (local.set $count (i32.add (local.get $count) (i32.const 1)))
              (if (i32.eqz (i32.load8_u (i32.const 4)))
                (then
                  (if (i32.eq (i32.load offset=6 align=2 (i32.const 0)) (i32.const 0x0100007f))
                    (then (local.set $flags (i32.or (local.get $flags) (i32.const 1))))))
                (else
                  (if (i32.and (i64.eqz (i64.load offset=6 align=2 (i32.const 0)))
                               (i32.and (i32.eqz (i32.load offset=14 align=2 (i32.const 0)))
                                        (i32.eq (i32.load offset=18 align=2 (i32.const 0))
                                                (i32.const 0x00010000))))
                    (then (local.set $flags (i32.or (local.get $flags) (i32.const 2)))))))
              (br $next)))))
      (if (local.get $st) (then (call $drop-resolve (local.get $st))))
      (call $cleanup)
      (if (local.get $e) (then (return (call $fail (local.get $e)))))
      (call $ok32 (i32.or (local.get $flags) (i32.shl (local.get $count) (i32.const 8)))))

    (func (export "misc") (param $which i32) (result i32)
      (local $r i32)
      (global.set $net (call $instance-network))
      (if (i32.eq (local.get $which) (i32.const 3))
        (then
          (call $create-udp (i32.const 0) (i32.const 0))
          (call $cleanup)
          (return (call $code4))))
      (call $create-tcp (i32.eq (local.get $which) (i32.const 5)) (i32.const 0))
      (if (i32.load8_u (i32.const 0))
        (then
          (call $cleanup)
          (return (i32.add (i32.const 100) (i32.load8_u (i32.const 4))))))
      (global.set $sock (i32.load (i32.const 4)))
      (local.set $r (i32.const 1000))
      (if (i32.eqz (local.get $which))
        (then
          (call $start-bind (global.get $sock) (global.get $net)
            (i32.const 0) (i32.const 0) (i32.const 127) (i32.const 0) (i32.const 0) (i32.const 1)
            (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
            (i32.const 0))
          (local.set $r (call $code1))))
      (if (i32.eq (local.get $which) (i32.const 1))
        (then
          (call $start-listen (global.get $sock) (i32.const 0))
          (local.set $r (call $code1))))
      (if (i32.eq (local.get $which) (i32.const 2))
        (then
          (call $accept (global.get $sock) (i32.const 0))
          (local.set $r (call $code4))))
      (if (i32.eq (local.get $which) (i32.const 4))
        (then
          (call $set-keep-alive (global.get $sock) (i32.const 1) (i32.const 0))
          (local.set $r (call $code1))
          (if (i32.eq (local.get $r) (i32.const 1000))
            (then
              (call $keep-alive (global.get $sock) (i32.const 0))
              (local.set $r (call $code1))
              (if (i32.eqz (i32.load8_u (i32.const 0)))
                (then (local.set $r (i32.add (i32.const 1000) (i32.load8_u (i32.const 1))))))))))
      (if (i32.eq (local.get $which) (i32.const 6))
        (then
          (call $finish-connect (global.get $sock) (i32.const 0))
          (local.set $r (call $code4))))
      (if (i32.eq (local.get $which) (i32.const 7))
        (then
          (call $set-hop-limit (global.get $sock) (i32.const 0) (i32.const 0))
          (local.set $r (i32.const 900)) ;; 0 must be refused
          (if (i32.eq (call $code1) (i32.const 3))
            (then
              (call $set-hop-limit (global.get $sock) (i32.const 33) (i32.const 0))
              (local.set $r (call $code1))
              (if (i32.eq (local.get $r) (i32.const 1000))
                (then
                  (call $hop-limit (global.get $sock) (i32.const 0))
                  (local.set $r (call $code1))
                  (if (i32.eqz (i32.load8_u (i32.const 0)))
                    (then (local.set $r (i32.add (i32.const 1000)
                                                 (i32.load8_u (i32.const 1))))))))))))
      (if (i32.eq (local.get $which) (i32.const 8))
        (then
          (call $set-idle-time (global.get $sock) (i64.const 1500000000) (i32.const 0))
          (local.set $r (call $code1))
          (if (i32.eq (local.get $r) (i32.const 1000))
            (then
              (call $idle-time (global.get $sock) (i32.const 0))
              (local.set $r (call $code1))
              (if (i32.eqz (i32.load8_u (i32.const 0)))
                (then (local.set $r (i32.add (i32.const 1000)
                  (i32.wrap_i64 (i64.div_u (i64.load (i32.const 8))
                                           (i64.const 1000000000)))))))))))
      (if (i32.eq (local.get $which) (i32.const 9))
        (then
          (call $set-rcvbuf (global.get $sock) (i64.const 0) (i32.const 0))
          (local.set $r (i32.const 900)) ;; 0 must be refused
          (if (i32.eq (call $code1) (i32.const 3))
            (then
              (call $set-rcvbuf (global.get $sock) (i64.const 100000) (i32.const 0))
              (local.set $r (call $code1))
              (if (i32.eq (local.get $r) (i32.const 1000))
                (then
                  (call $rcvbuf (global.get $sock) (i32.const 0))
                  (local.set $r (call $code1))
                  (if (i32.eqz (i32.load8_u (i32.const 0)))
                    (then (local.set $r (i32.add (i32.const 1000)
                      (i64.ge_u (i64.load (i32.const 8)) (i64.const 100000))))))))))))
      (if (i32.eq (local.get $which) (i32.const 10))
        (then
          (call $local-address (global.get $sock) (i32.const 0))
          (local.set $r (call $code4))))
      (if (i32.eq (local.get $which) (i32.const 11))
        (then
          (call $shutdown (global.get $sock) (i32.const 2) (i32.const 0))
          (local.set $r (call $code1))))
      (call $cleanup)
      (local.get $r))

    (func (export "spill") (param $port i32) (result i32)
      (local $e i32) (local $room i32) (local $sent i32)
      (block $done
        (br_if $done (local.tee $e (call $connect (i32.const 127) (i32.const 0) (i32.const 0)
                                                  (i32.const 1) (local.get $port))))
        (loop $more
          (call $check-write (global.get $out) (i32.const 0))
          (if (i32.load8_u (i32.const 0))
            (then (local.set $e (call $stream-err (i32.const 8) (i32.const 400))) (br $done)))
          (local.set $room (i32.wrap_i64 (i64.load (i32.const 8))))
          (if (local.get $room)
            (then
              (if (i32.gt_u (local.get $room) (i32.const 8192))
                (then (local.set $room (i32.const 8192))))
              (call $write (global.get $out) (i32.const 1024) (local.get $room) (i32.const 0))
              (if (i32.load8_u (i32.const 0))
                (then (local.set $e (call $stream-err (i32.const 4) (i32.const 500))) (br $done)))
              (local.set $sent (i32.add (local.get $sent) (local.get $room)))
              (br $more)))))
      (call $cleanup)
      (if (local.get $e) (then (return (call $fail (local.get $e)))))
      (call $ok32 (local.get $sent)))

    (func (export "fill") (param $port i32) (result i32)
      (local $e i32) (local $room i32)
      (block $done
        (br_if $done (local.tee $e (call $connect (i32.const 127) (i32.const 0) (i32.const 0)
                                                  (i32.const 1) (local.get $port))))
        (loop $more
          (call $check-write (global.get $out) (i32.const 0))
          (if (i32.load8_u (i32.const 0))
            (then (local.set $e (call $stream-err (i32.const 8) (i32.const 400))) (br $done)))
          (local.set $room (i32.wrap_i64 (i64.load (i32.const 8))))
          (if (local.get $room)
            (then
              (if (i32.gt_u (local.get $room) (i32.const 8192))
                (then (local.set $room (i32.const 8192))))
              (call $write (global.get $out) (i32.const 1024) (local.get $room) (i32.const 0))
              (if (i32.load8_u (i32.const 0))
                (then (local.set $e (call $stream-err (i32.const 4) (i32.const 500))) (br $done)))
              (br $more))))
        (call $blocking-flush (global.get $out) (i32.const 0))
        (if (i32.load8_u (i32.const 0))
          (then (local.set $e (call $stream-err (i32.const 4) (i32.const 600))) (br $done)))
        (call $check-write (global.get $out) (i32.const 0))
        (if (i32.load8_u (i32.const 0))
          (then (local.set $e (call $stream-err (i32.const 8) (i32.const 700))) (br $done)))
        (local.set $room (i32.wrap_i64 (i64.load (i32.const 8)))))
      (call $cleanup)
      (if (local.get $e) (then (return (call $fail (local.get $e)))))
      (call $ok32 (local.get $room)))

    (func (export "keep") (param $port i32) (result i32)
      (local $e i32)
      (if (local.tee $e (call $connect (i32.const 127) (i32.const 0) (i32.const 0) (i32.const 1)
                                       (local.get $port)))
        (then (return (local.get $e))))
      (i32.store16 (i32.const 40) (i32.const 0x0a78)) ;; "x\n"
      (call $blocking-write (global.get $out) (i32.const 40) (i32.const 2) (i32.const 0))
      (i32.load8_u (i32.const 0)))
  )

  (core instance $env (export "memory" (memory $mem)) (export "reset" (func $reset)))
  (core instance $h
    (export "instance-network" (func $instance-network))
    (export "net-error-code" (func $net-error-code))
    (export "create-tcp" (func $create-tcp))
    (export "create-udp" (func $create-udp))
    (export "start-bind" (func $start-bind))
    (export "start-connect" (func $start-connect))
    (export "finish-connect" (func $finish-connect))
    (export "start-listen" (func $start-listen))
    (export "accept" (func $accept))
    (export "remote-address" (func $remote-address))
    (export "keep-alive" (func $keep-alive))
    (export "set-keep-alive" (func $set-keep-alive))
    (export "hop-limit" (func $hop-limit))
    (export "set-hop-limit" (func $set-hop-limit))
    (export "idle-time" (func $idle-time))
    (export "set-idle-time" (func $set-idle-time))
    (export "rcvbuf" (func $rcvbuf))
    (export "set-rcvbuf" (func $set-rcvbuf))
    (export "local-address" (func $local-address))
    (export "tcp-subscribe" (func $tcp-subscribe))
    (export "shutdown" (func $shutdown))
    (export "block" (func $block))
    (export "read" (func $read))
    (export "blocking-read" (func $blocking-read))
    (export "in-subscribe" (func $in-subscribe))
    (export "check-write" (func $check-write))
    (export "write" (func $write))
    (export "blocking-write" (func $blocking-write))
    (export "blocking-flush" (func $blocking-flush))
    (export "out-subscribe" (func $out-subscribe))
    (export "resolve" (func $resolve))
    (export "next-address" (func $next-address))
    (export "resolve-subscribe" (func $resolve-subscribe))
    (export "drop-network" (func $drop-network))
    (export "drop-tcp" (func $drop-tcp))
    (export "drop-pollable" (func $drop-pollable))
    (export "drop-in" (func $drop-in))
    (export "drop-out" (func $drop-out))
    (export "drop-error" (func $drop-error))
    (export "drop-resolve" (func $drop-resolve)))
  (core instance $i (instantiate $m (with "env" (instance $env)) (with "h" (instance $h))))

  ;; ---- exports ----
  (type $string-r (result string (error u32)))
  (type $u32-r (result u32 (error u32)))
  (type $echo-t (func (param "a" u8) (param "b" u8) (param "c" u8) (param "d" u8)
                      (param "port" u16) (param "msg" string) (result $string-r)))
  (func $echo (type $echo-t)
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc)
                (post-return (core func $reset))))
  (export "echo" (func $echo))
  (type $echo6-t (func (param "port" u16) (param "msg" string) (result $string-r)))
  (func $echo6 (type $echo6-t)
    (canon lift (core func $i "echo6") (memory $mem) (realloc $realloc)
                (post-return (core func $reset))))
  (export "echo6" (func $echo6))
  (type $bulk-t (func (param "port" u16) (param "total" u32) (result $u32-r)))
  (func $bulk (type $bulk-t)
    (canon lift (core func $i "bulk") (memory $mem) (realloc $realloc)
                (post-return (core func $reset))))
  (export "bulk" (func $bulk))
  (type $lookup-f (func (param "name" string) (result $u32-r)))
  (func $lookup-e (type $lookup-f)
    (canon lift (core func $i "lookup") (memory $mem) (realloc $realloc)
                (post-return (core func $reset))))
  (export "lookup" (func $lookup-e))
  (type $misc-t (func (param "which" u32) (result u32)))
  (func $misc (type $misc-t) (canon lift (core func $i "misc")))
  (export "misc" (func $misc))
  (type $spill-t (func (param "port" u16) (result $u32-r)))
  (func $spill (type $spill-t)
    (canon lift (core func $i "spill") (memory $mem) (realloc $realloc)
                (post-return (core func $reset))))
  (export "spill" (func $spill))
  (type $fill-t (func (param "port" u16) (result $u32-r)))
  (func $fill (type $fill-t)
    (canon lift (core func $i "fill") (memory $mem) (realloc $realloc)
                (post-return (core func $reset))))
  (export "fill" (func $fill))
  (type $keep-t (func (param "port" u16) (result u32)))
  (func $keep (type $keep-t) (canon lift (core func $i "keep")))
  (export "keep" (func $keep))
)
