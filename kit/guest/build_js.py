#!/usr/bin/env python3
"""Builds kit/guest/kit.js into a component with componentize-js.

    build_js.py NODE_MODULES WIT_DIR serverless|stateful OUT.wasm

componentize-js 0.23 exports exactly wasi:http/incoming-handler@0.2.10, so
its WIT must say 0.2.10; jco ships the wasi WIT at 0.2.12 only. This copies
jco's packages into a WIT directory beside OUT with the version relabelled
(as tests/serve/js/build_js.py does), adds the project's lifecycle
interface (WIT_DIR/lifecycle.wit) as a dependency, and a world: the proxy
alone, or the proxy plus `export wasmhttpd:http/lifecycle`. The module
given to componentize-js is kit.js with a tail naming the world and, for
stateful, exporting its init.
"""
import os
import shutil
import subprocess
import sys

nm, wit_dir, world, out = sys.argv[1:5]
if world not in ("serverless", "stateful"):
    sys.exit("build_js.py: the world is serverless or stateful")
here = os.path.dirname(os.path.abspath(__file__))
base = os.path.splitext(os.path.abspath(out))[0]
builtin = os.path.join(nm, "@bytecodealliance", "jco", "lib", "wit", "builtin", "0.2.12")
wit = base + "-wit"
shutil.rmtree(wit, ignore_errors=True)
os.makedirs(os.path.join(wit, "deps"))
for pkg in sorted(os.listdir(builtin)):
    src = os.path.join(builtin, pkg)
    if not os.path.isdir(src):
        continue
    dst = os.path.join(wit, "deps", pkg)
    os.makedirs(dst)
    for f in os.listdir(src):
        if f.endswith(".wit"):
            with open(os.path.join(src, f)) as i, open(os.path.join(dst, f), "w") as o:
                o.write(i.read().replace("@0.2.12", "@0.2.10"))
os.makedirs(os.path.join(wit, "deps", "wasmhttpd-http"))
shutil.copy(os.path.join(wit_dir, "lifecycle.wit"),
            os.path.join(wit, "deps", "wasmhttpd-http", "lifecycle.wit"))
export = "  export wasmhttpd:http/lifecycle@0.1.0;\n" if world == "stateful" else ""
with open(os.path.join(wit, "world.wit"), "w") as f:
    f.write("package wasmhttpd:kit-js;\n\nworld kit {\n"
            "  include wasi:http/proxy@0.2.10;\n" + export + "}\n")

js = base + ".js"
with open(os.path.join(here, "kit.js")) as i, open(js, "w") as o:
    o.write(i.read())
    o.write(f"\nconst WORLD = '{world}-proxy';\n")
    if world == "stateful":
        o.write("export const lifecycle = { init };\n")
cjs = os.path.join(nm, ".bin", "componentize-js")
r = subprocess.run([cjs, js, "--wit", wit, "-n", "kit", "-o", out])
sys.exit(r.returncode)
