#!/usr/bin/env bash
# Builds the benchmarks' peers that come from crates.io, into a cache folder
# the benchmarks read (not part of the test command; scripts/install-deps.sh
# installs the Debian and npm peers):
#   wasmtime   wasmtime-cli, pinned, built --locked from crates.io; its
#              `wasmtime serve` is bench/serve/run.sh's wasmtime rows
#
#   scripts/install-bench-peers.sh
#   PEERS=/some/cache scripts/install-bench-peers.sh   # elsewhere (the
#                                                      # benchmarks take PEERS too)
#   CARGO_BUILD_JOBS=1 nice -n 19 scripts/install-bench-peers.sh   # on a busy machine
#
# Building wasmtime takes long: some 360 crates (one busy core at nice 19
# had done about 100 of them after 20 minutes), and a few GB of disk for
# cargo's target directory, a temporary one that goes when the build ends;
# set CARGO_TARGET_DIR to keep it, so that a build cut short goes on where
# it stopped. Needs cargo (rustup) with a Rust at least as new as the
# version's rust-version (48.0.8: 1.95; 50.0 needs 1.97).
set -euo pipefail
cd "$(dirname "$0")/.."
WASMTIME=48.0.8
PEERS=${PEERS:-$PWD/bench/.peers}

cargo=$(command -v cargo || true)
[ -n "$cargo" ] || [ ! -x "$HOME/.cargo/bin/cargo" ] || cargo=$HOME/.cargo/bin/cargo
if [ -z "$cargo" ]; then
  echo "install-bench-peers: cargo not found (install Rust with rustup)" >&2
  exit 2
fi

have=$("$PEERS/bin/wasmtime" --version 2>/dev/null || true)
if [[ "$have" == "wasmtime $WASMTIME "* ]]; then
  echo "install-bench-peers: $have already in $PEERS/bin"
else
  mkdir -p "$PEERS"
  "$cargo" install wasmtime-cli --version "=$WASMTIME" --locked --root "$PEERS"
  echo "install-bench-peers: $("$PEERS/bin/wasmtime" --version) in $PEERS/bin"
fi
