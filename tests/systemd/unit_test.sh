#!/bin/sh
# The systemd unit as installed (`cmake --install --prefix` into a
# temporary prefix): ExecStart names the installed binary, the settings the
# service relies on are there, `systemd-analyze verify` accepts it without
# a word (its Documentation=man:wasmhttpd(1) is looked up in the installed
# manual), and `systemd-analyze security` rates its sandbox below 3.0
# ("OK" on systemd's scale of 0 to 10).
#   unit_test.sh BUILD_DIR SYSTEMD_ANALYZE
set -eu
build=$1 analyze=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "cmake --install --prefix failed"; }
unit=$tmp/prefix/lib/systemd/system/wasmhttpd.service
[ -f "$unit" ] || fail "no lib/systemd/system/wasmhttpd.service installed"
grep -q "^ExecStart=$tmp/prefix/bin/wasmhttpd serve " "$unit" ||
  fail "ExecStart does not name the installed binary: $(grep ExecStart= "$unit")"
for setting in Type=notify NotifyAccess=main KillSignal=SIGTERM DynamicUser=yes ProtectSystem=strict \
               NoNewPrivileges=yes 'LimitNOFILE=[0-9]'; do
  grep -q "^$setting" "$unit" || fail "the unit lacks $setting"
done

MANPATH=$tmp/prefix/share/man "$analyze" verify "$unit" >"$tmp/verify.out" 2>&1 ||
  { cat "$tmp/verify.out"; fail "systemd-analyze verify exited $?"; }
[ ! -s "$tmp/verify.out" ] || { cat "$tmp/verify.out"; fail "systemd-analyze verify complained"; }

"$analyze" security --offline=true "$unit" >"$tmp/security.out" 2>&1 || true
level=$(sed -n 's/.*Overall exposure level for wasmhttpd.service: \([0-9.]*\).*/\1/p' "$tmp/security.out")
[ -n "$level" ] || { cat "$tmp/security.out"; fail "systemd-analyze security gave no exposure level"; }
awk -v l="$level" 'BEGIN { exit !(l < 3.0) }' || fail "exposure level $level, 3.0 or more"
echo "ok: unit installed with ExecStart of the prefix; verify silent; exposure level $level"
