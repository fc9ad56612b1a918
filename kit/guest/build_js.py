#!/usr/bin/env python3
"""Builds kit/guest/kit.js into a component with componentize-js.

    build_js.py NODE_MODULES WIT_DIR serverless|stateful OUT.wasm

The WIT, beside OUT, is jco's wasi packages relabelled 0.2.10 (as
tests/serve/js/build_js.py makes it; tests/guests/js_proxy.py says why),
the project's lifecycle interface (WIT_DIR/lifecycle.wit) as a dependency,
and a world: the proxy alone, or the proxy plus `export
wasmhttpd:http/lifecycle`. The module given to componentize-js is kit.js
with a tail naming the world and, for stateful, exporting its init.
"""
import os
import shutil
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tests", "guests"))
from js_proxy import componentize, proxy_wit  # noqa: E402

nm, wit_dir, world, out = sys.argv[1:5]
if world not in ("serverless", "stateful"):
    sys.exit("build_js.py: the world is serverless or stateful")
base = os.path.splitext(os.path.abspath(out))[0]
wit = base + "-wit"
export = "  export wasmhttpd:http/lifecycle@0.1.0;\n" if world == "stateful" else ""
deps = proxy_wit(nm, wit, "wasmhttpd:kit-js", "kit", export)
os.makedirs(os.path.join(deps, "wasmhttpd-http"))
shutil.copy(os.path.join(wit_dir, "lifecycle.wit"),
            os.path.join(deps, "wasmhttpd-http", "lifecycle.wit"))

js = base + ".js"
with open(os.path.join(here, "kit.js")) as i, open(js, "w") as o:
    o.write(i.read())
    o.write(f"\nconst WORLD = '{world}-proxy';\n")
    if world == "stateful":
        o.write("export const lifecycle = { init };\n")
sys.exit(componentize(nm, js, wit, "kit", out))
