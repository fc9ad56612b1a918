#!/usr/bin/env python3
"""Builds tests/serve/js/counter.js into a component with componentize-js.

    build_js.py NODE_MODULES OUT.wasm

componentize-js 0.23 exports exactly wasi:http/incoming-handler@0.2.10, so
its WIT must say 0.2.10; jco ships the wasi WIT at 0.2.12 only. This copies
jco's packages into a WIT directory beside OUT with the version relabelled
(the texts are otherwise those of 0.2.12), adds a world that includes
wasi:http/proxy@0.2.10, and runs componentize-js on it.
"""
import os
import shutil
import subprocess
import sys

nm, out = sys.argv[1:3]
here = os.path.dirname(os.path.abspath(__file__))
builtin = os.path.join(nm, "@bytecodealliance", "jco", "lib", "wit", "builtin", "0.2.12")
wit = os.path.join(os.path.dirname(os.path.abspath(out)), "counter-js-wit")
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
with open(os.path.join(wit, "world.wit"), "w") as f:
    f.write("package wasmhttpd:test-js;\n\nworld js-proxy {\n"
            "  include wasi:http/proxy@0.2.10;\n}\n")
cjs = os.path.join(nm, ".bin", "componentize-js")
r = subprocess.run([cjs, os.path.join(here, "counter.js"), "--wit", wit, "-n", "js-proxy",
                    "-o", out])
sys.exit(r.returncode)
