"""What the componentize-js builds of kit/guest/build_js.py and
tests/serve/js/build_js.py share.

componentize-js 0.23 exports exactly wasi:http/incoming-handler@0.2.10, so
its WIT must say 0.2.10; jco ships the wasi WIT at 0.2.12 only. proxy_wit
copies jco's packages into a WIT directory with the version relabelled (the
texts are otherwise those of 0.2.12) and adds a world that includes
wasi:http/proxy@0.2.10; componentize runs componentize-js on it.
"""
import os
import shutil
import subprocess


def proxy_wit(nm, wit, package, world, more=""):
    """Makes the WIT directory wit anew: jco's wasi packages under deps/,
    and world.wit, `package PACKAGE;` with a world WORLD that includes the
    proxy and then the WIT lines in more. Returns wit/deps, for packages the
    world needs besides."""
    builtin = os.path.join(nm, "@bytecodealliance", "jco", "lib", "wit", "builtin", "0.2.12")
    deps = os.path.join(wit, "deps")
    shutil.rmtree(wit, ignore_errors=True)
    os.makedirs(deps)
    for pkg in sorted(os.listdir(builtin)):
        src = os.path.join(builtin, pkg)
        if not os.path.isdir(src):
            continue
        dst = os.path.join(deps, pkg)
        os.makedirs(dst)
        for f in os.listdir(src):
            if f.endswith(".wit"):
                with open(os.path.join(src, f)) as i, open(os.path.join(dst, f), "w") as o:
                    o.write(i.read().replace("@0.2.12", "@0.2.10"))
    with open(os.path.join(wit, "world.wit"), "w") as f:
        f.write(f"package {package};\n\nworld {world} {{\n"
                f"  include wasi:http/proxy@0.2.10;\n{more}}}\n")
    return deps


def componentize(nm, js, wit, world, out):
    """componentize-js on the module js with the world of wit; its exit status."""
    cjs = os.path.join(nm, ".bin", "componentize-js")
    return subprocess.run([cjs, js, "--wit", wit, "-n", world, "-o", out]).returncode
