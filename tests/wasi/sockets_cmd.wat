;; A wasi:cli/command for tests/wasi/sockets_cli_test.py:
;;
;;   wasmhttpd run --allow-connect ... sockets_cmd.wasm HOST PORT MESSAGE
;;
;; resolves HOST with ip-name-lookup, connects to its first IPv4 address on
;; PORT, writes MESSAGE, reads as many bytes back and prints them to stdout.
;; On a failure it prints "error N" (N = stage * 100 + the error-code, as in
;; sockets.wat: 1 resolve-addresses, 2 resolve-next-address, 3
;; create-tcp-socket, 4 start-connect, 5 finish-connect, 6 write, 7 read;
;; 299 when HOST has no IPv4 address) and exits with 1.
(component
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
    (type $own-e (own $e))
    (type $se (variant (case "last-operation-failed" $own-e) (case "closed")))
    (export "stream-error" (type $se-e (eq $se)))
    (export "input-stream" (type $in (sub resource)))
    (export "output-stream" (type $out (sub resource)))
    (type $bin (borrow $in))
    (type $bout (borrow $out))
    (type $bytes (list u8))
    (type $r-read (result $bytes (error $se-e)))
    (type $r-unit (result (error $se-e)))
    (export "[method]input-stream.blocking-read"
      (func (param "self" $bin) (param "len" u64) (result $r-read)))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" $bout) (param "contents" $bytes) (result $r-unit)))))
  (import "wasi:io/streams@0.2.0" (instance $streams (type $streams-t)))
  (alias export $streams "input-stream" (type $input-stream))
  (alias export $streams "output-stream" (type $output-stream))

  (type $env-t (instance
    (type $args (list string))
    (export "get-arguments" (func (result $args)))))
  (import "wasi:cli/environment@0.2.0" (instance $environment (type $env-t)))

  (type $stdout-t (instance
    (alias outer 1 $output-stream (type $o0))
    (export "output-stream" (type $o (eq $o0)))
    (type $own-o (own $o))
    (export "get-stdout" (func (result $own-o)))))
  (import "wasi:cli/stdout@0.2.0" (instance $stdout (type $stdout-t)))

  (type $network-t (instance
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
    (export "ip-socket-address" (type $sa-e (eq $sa)))))
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
    (export "tcp-socket" (type $sock (sub resource)))
    (type $bs (borrow $sock))
    (type $bn (borrow $n))
    (type $own-in (own $in))
    (type $own-out (own $out))
    (type $own-p (own $p))
    (type $r-unit (result (error $ec)))
    (type $pair (tuple $own-in $own-out))
    (type $r-pair (result $pair (error $ec)))
    (export "[method]tcp-socket.start-connect"
      (func (param "self" $bs) (param "network" $bn) (param "remote-address" $sa)
            (result $r-unit)))
    (export "[method]tcp-socket.finish-connect" (func (param "self" $bs) (result $r-pair)))
    (export "[method]tcp-socket.subscribe" (func (param "self" $bs) (result $own-p)))))
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

  (core module $libc
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 16384))
    (func (export "realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
      (global.set $next (i32.add (local.get $p) (local.get $size)))
      (if (i32.gt_u (global.get $next) (i32.const 65536)) (then unreachable))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "memory" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))

  (core func $get-arguments
    (canon lower (func $environment "get-arguments") (memory $mem) (realloc $realloc)))
  (core func $get-stdout (canon lower (func $stdout "get-stdout")))
  (core func $instance-network (canon lower (func $inet "instance-network")))
  (core func $create-tcp (canon lower (func $tcpc "create-tcp-socket") (memory $mem)))
  (core func $start-connect
    (canon lower (func $tcp "[method]tcp-socket.start-connect") (memory $mem)))
  (core func $finish-connect
    (canon lower (func $tcp "[method]tcp-socket.finish-connect") (memory $mem)))
  (core func $tcp-subscribe (canon lower (func $tcp "[method]tcp-socket.subscribe")))
  (core func $block (canon lower (func $poll "[method]pollable.block")))
  (core func $blocking-read
    (canon lower (func $streams "[method]input-stream.blocking-read") (memory $mem)
                 (realloc $realloc)))
  (core func $blocking-write
    (canon lower (func $streams "[method]output-stream.blocking-write-and-flush") (memory $mem)))
  (core func $resolve (canon lower (func $lookup "resolve-addresses") (memory $mem)))
  (core func $next-address
    (canon lower (func $lookup "[method]resolve-address-stream.resolve-next-address")
                 (memory $mem)))
  (core func $resolve-subscribe
    (canon lower (func $lookup "[method]resolve-address-stream.subscribe")))
  (core func $drop-pollable (canon resource.drop $pollable))

  ;; Memory: 0..63 return areas, 64..127 the address found, 128.. text,
  ;; 16384.. the allocator's (arguments, read bytes).
  (core module $m
    (import "env" "memory" (memory 1))
    (import "h" "get-arguments" (func $get-arguments (param i32)))
    (import "h" "get-stdout" (func $get-stdout (result i32)))
    (import "h" "instance-network" (func $instance-network (result i32)))
    (import "h" "create-tcp" (func $create-tcp (param i32 i32)))
    (import "h" "start-connect" (func $start-connect
      (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
    (import "h" "finish-connect" (func $finish-connect (param i32 i32)))
    (import "h" "tcp-subscribe" (func $tcp-subscribe (param i32) (result i32)))
    (import "h" "block" (func $block (param i32)))
    (import "h" "blocking-read" (func $blocking-read (param i32 i64 i32)))
    (import "h" "blocking-write" (func $blocking-write (param i32 i32 i32 i32)))
    (import "h" "resolve" (func $resolve (param i32 i32 i32 i32)))
    (import "h" "next-address" (func $next-address (param i32 i32)))
    (import "h" "resolve-subscribe" (func $resolve-subscribe (param i32) (result i32)))
    (import "h" "drop-pollable" (func $drop-pollable (param i32)))

    (global $stdout (mut i32) (i32.const 0))

    ;; prints "error N\n" and returns 1 (err)
    (func $fail (param $n i32) (result i32)
      (local $p i32)
      (i64.store (i32.const 128) (i64.const 0x20726f727265)) ;; "error "
      (local.set $p (i32.const 142))
      (i32.store8 (local.get $p) (i32.const 10))
      (loop $digits
        (local.set $p (i32.sub (local.get $p) (i32.const 1)))
        (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
        (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
        (br_if $digits (local.get $n)))
      (call $blocking-write (global.get $stdout) (i32.const 128) (i32.const 6) (i32.const 0))
      (call $blocking-write (global.get $stdout) (local.get $p)
                            (i32.sub (i32.const 143) (local.get $p)) (i32.const 0))
      (i32.const 1))

    ;; the decimal number in the string (ptr, len)
    (func $number (param $p i32) (param $n i32) (result i32)
      (local $v i32)
      (block $end
        (loop $digit
          (br_if $end (i32.eqz (local.get $n)))
          (local.set $v (i32.add (i32.mul (local.get $v) (i32.const 10))
                                 (i32.sub (i32.load8_u (local.get $p)) (i32.const 48))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $digit)))
      (local.get $v))

    (func (export "run") (result i32)
      (local $args i32) (local $net i32) (local $st i32) (local $p i32) (local $sock i32)
      (local $in i32) (local $out i32) (local $msg i32) (local $len i32) (local $got i32)
      (local $port i32)
      (global.set $stdout (call $get-stdout))
      (call $get-arguments (i32.const 0))
      (if (i32.lt_u (i32.load (i32.const 4)) (i32.const 4)) (then (return (call $fail (i32.const 0)))))
      ;; arguments: [0] program, [1] host, [2] port, [3] message (ptr, len each)
      (local.set $args (i32.load (i32.const 0)))
      (local.set $port (call $number (i32.load offset=16 (local.get $args))
                                     (i32.load offset=20 (local.get $args))))
      (local.set $msg (i32.load offset=24 (local.get $args)))
      (local.set $len (i32.load offset=28 (local.get $args)))
      (local.set $net (call $instance-network))
      ;; the first IPv4 address of the host
      (call $resolve (local.get $net) (i32.load offset=8 (local.get $args))
                     (i32.load offset=12 (local.get $args)) (i32.const 0))
      (if (i32.load8_u (i32.const 0))
        (then (return (call $fail (i32.add (i32.const 100) (i32.load8_u (i32.const 4)))))))
      (local.set $st (i32.load (i32.const 4)))
      (block $found
        (loop $next
          (call $next-address (local.get $st) (i32.const 0))
          (if (i32.load8_u (i32.const 0))
            (then
              (if (i32.ne (i32.load8_u (i32.const 2)) (i32.const 8))
                (then (return (call $fail (i32.add (i32.const 200) (i32.load8_u (i32.const 2)))))))
              (local.set $p (call $resolve-subscribe (local.get $st)))
              (call $block (local.get $p))
              (call $drop-pollable (local.get $p))
              (br $next)))
          (if (i32.eqz (i32.load8_u (i32.const 2))) (then (return (call $fail (i32.const 299)))))
          (br_if $found (i32.eqz (i32.load8_u (i32.const 4))))
          (br $next)))
      (i32.store (i32.const 64) (i32.load offset=6 align=2 (i32.const 0)))
      (call $create-tcp (i32.const 0) (i32.const 0))
      (if (i32.load8_u (i32.const 0))
        (then (return (call $fail (i32.add (i32.const 300) (i32.load8_u (i32.const 4)))))))
      (local.set $sock (i32.load (i32.const 4)))
      (call $start-connect (local.get $sock) (local.get $net)
        (i32.const 0) (local.get $port)
        (i32.load8_u (i32.const 64)) (i32.load8_u (i32.const 65))
        (i32.load8_u (i32.const 66)) (i32.load8_u (i32.const 67))
        (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
        (i32.const 0))
      (if (i32.load8_u (i32.const 0))
        (then (return (call $fail (i32.add (i32.const 400) (i32.load8_u (i32.const 1)))))))
      (local.set $p (call $tcp-subscribe (local.get $sock)))
      (block $connected
        (loop $wait
          (call $finish-connect (local.get $sock) (i32.const 0))
          (br_if $connected (i32.eqz (i32.load8_u (i32.const 0))))
          (if (i32.ne (i32.load8_u (i32.const 4)) (i32.const 8))
            (then (return (call $fail (i32.add (i32.const 500) (i32.load8_u (i32.const 4)))))))
          (call $block (local.get $p))
          (br $wait)))
      (local.set $in (i32.load (i32.const 4)))
      (local.set $out (i32.load (i32.const 8)))
      (call $blocking-write (local.get $out) (local.get $msg) (local.get $len) (i32.const 0))
      (if (i32.load8_u (i32.const 0)) (then (return (call $fail (i32.const 600)))))
      (block $all
        (loop $more
          (br_if $all (i32.ge_u (local.get $got) (local.get $len)))
          (call $blocking-read (local.get $in) (i64.const 4096) (i32.const 0))
          (if (i32.load8_u (i32.const 0)) (then (return (call $fail (i32.const 700)))))
          (local.set $got (i32.add (local.get $got) (i32.load (i32.const 8))))
          (call $blocking-write (global.get $stdout) (i32.load (i32.const 4)) (i32.load (i32.const 8))
                                (i32.const 0))
          (br $more)))
      (i32.const 0)))

  (core instance $h
    (export "get-arguments" (func $get-arguments))
    (export "get-stdout" (func $get-stdout))
    (export "instance-network" (func $instance-network))
    (export "create-tcp" (func $create-tcp))
    (export "start-connect" (func $start-connect))
    (export "finish-connect" (func $finish-connect))
    (export "tcp-subscribe" (func $tcp-subscribe))
    (export "block" (func $block))
    (export "blocking-read" (func $blocking-read))
    (export "blocking-write" (func $blocking-write))
    (export "resolve" (func $resolve))
    (export "next-address" (func $next-address))
    (export "resolve-subscribe" (func $resolve-subscribe))
    (export "drop-pollable" (func $drop-pollable)))
  (core instance $env (export "memory" (memory $mem)))
  (core instance $i (instantiate $m (with "env" (instance $env)) (with "h" (instance $h))))

  (type $run-r (result))
  (type $run-t (func (result $run-r)))
  (func $run (type $run-t) (canon lift (core func $i "run")))
  (instance $run-inst (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run-inst))
)
