#!/usr/bin/env python3
"""Builds tests/serve/js/counter.js into a component with componentize-js.

    build_js.py NODE_MODULES OUT.wasm

Its WIT, beside OUT, is jco's wasi packages relabelled 0.2.10 and a world
that includes wasi:http/proxy@0.2.10 (tests/guests/js_proxy.py says why).
"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "guests"))
from js_proxy import componentize, proxy_wit  # noqa: E402

nm, out = sys.argv[1:3]
wit = os.path.join(os.path.dirname(os.path.abspath(out)), "counter-js-wit")
proxy_wit(nm, wit, "wasmhttpd:test-js", "js-proxy")
sys.exit(componentize(nm, os.path.join(here, "counter.js"), wit, "js-proxy", out))
