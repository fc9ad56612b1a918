#!/usr/bin/env python3
"""The manual page against the program: every command `wasmhttpd --help`
lists is described under COMMANDS, and every option a command's --help
prints is listed in a subsection of OPTIONS whose title names that command
("Options of serve", "Outbound HTTP options (serve, run)"), and the other
way round: every option listed in such a subsection is printed by the
--help of each command the title names. Its title line must name the
version `wasmhttpd --version` prints, and the page must render with groff
and man without a warning.

  man_test.py --wasmhttpd BIN --man man/wasmhttpd.1 --groff GROFF --man-cmd MAN
"""
import argparse
import os
import re
import subprocess
import sys

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def help_text(binary, *args):
    r = subprocess.run([binary, *args], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"`wasmhttpd {' '.join(args)}` exited {r.returncode}: {r.stderr.strip()}")
    return r.stdout


# An option in the help's option column: a line that starts, after
# indentation, with a dash; the column ends at two spaces. Usage lines name
# options too ("run [OPTIONS] --invoke NAME").
OPT = re.compile(r"(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)")


def help_options(text):
    opts = set()
    for line in text.splitlines():
        m = re.match(r"^\s+(?:wasmhttpd )?(-.*?)(\s{2,}|$)", line)
        if m:
            opts.update(OPT.findall(m.group(1)))
        elif re.match(r"^(usage:|\s+)\s*wasmhttpd [a-z]", line):
            opts.update(o for o in OPT.findall(line) if o.startswith("--"))
    return opts


def roff_to_text(s):
    """The text of a roff line: font changes dropped, escaped dashes made
    plain, so that options compare as printed."""
    s = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", s)
    s = s.replace("\\-", "-").replace("\\(aq", "'").replace("\\e", "\\")
    s = re.sub(r"\\\|", "", s)
    return s


def man_sections(path):
    """{(section, subsection): text} of the page, comments dropped."""
    out = {}
    sh = ss = ""
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if line.startswith('.\\"'):
            continue
        m = re.match(r'^\.(SH|SS)\s+"?(.*?)"?$', line)
        if m:
            if m.group(1) == "SH":
                sh, ss = roff_to_text(m.group(2)), ""
            else:
                ss = roff_to_text(m.group(2))
            continue
        out.setdefault((sh, ss), []).append(roff_to_text(line))
    return {k: "\n".join(v) for k, v in out.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wasmhttpd", required=True)
    ap.add_argument("--man", required=True)
    ap.add_argument("--groff", required=True)
    ap.add_argument("--man-cmd", required=True)
    a = ap.parse_args()

    top = help_text(a.wasmhttpd, "--help")
    commands = []
    in_list = False
    for line in top.splitlines():
        if line == "commands:":
            in_list = True
            continue
        m = re.match(r"^  ([a-z][a-z-]*) ", line)
        if in_list and not m:
            break
        if in_list and m.group(1) not in commands:
            commands.append(m.group(1))
    if len(commands) < 5:
        fail(f"`wasmhttpd --help` lists only {commands}: the list was not understood")

    # The page's title line names the version the program reports.
    version = help_text(a.wasmhttpd, "--version").strip()
    th = [line for line in open(a.man, encoding="utf-8") if line.startswith(".TH ")]
    if not th or f'"{version}"' not in th[0]:
        fail(f"the manual's .TH line {th[:1]} does not name '{version}' (wasmhttpd --version)")

    sections = man_sections(a.man)
    options = {k[1]: v for k, v in sections.items() if k[0] == "OPTIONS" and k[1]}

    # Which commands a subsection title names: "Options of serve",
    # "Outbound HTTP options (serve, run)", "General options (wasmhttpd)".
    def named(title):
        words = set(re.findall(r"[a-z][a-z-]*", title))
        return {c for c in commands + ["wasmhttpd"] if c in words}

    cmd_texts = {"wasmhttpd": top}
    for c in commands:
        cmd_texts[c] = help_text(a.wasmhttpd, c, "--help")

    # Every command has an entry under COMMANDS.
    cmd_section = sections.get(("COMMANDS", ""), "")
    for c in commands:
        if not re.search(rf"^\.(TP\n)?\.BI? \"?{re.escape(c)}[ \"]", cmd_section, re.M) and \
           not re.search(rf"^\.BI \"{re.escape(c)} ", cmd_section, re.M):
            fail(f"command {c} has no entry under COMMANDS")

    for c, text in cmd_texts.items():
        opts = help_options(text)
        if c != "wasmhttpd" and "--help" not in opts:
            fail(f"`wasmhttpd {c} --help` prints no --help line: its options were not understood")
        mine = [t for t in options if c in named(t)]
        if not mine:
            fail(f"no subsection of OPTIONS names {c}")
            continue
        body = "\n".join(options[t] for t in mine)
        listed = set(OPT.findall(body))
        for o in sorted(opts):
            if o not in listed:
                fail(f"{c}: option {o} (in its --help) is not in the manual's "
                     f"{' or '.join(repr(t) for t in mine)}")
    # The other way: what a subsection lists, each command it names prints.
    for title, body in options.items():
        listed = {o for o in OPT.findall(body)
                  if re.search(rf"^\.(B|BI|BR)\s+{re.escape(o)}\b", body, re.M)}
        for c in named(title):
            have = help_options(cmd_texts[c])
            for o in sorted(listed - have):
                fail(f"the manual lists {o} under {title!r}, but `{c} --help` does not print it")

    # Rendering: no warning from groff (all warnings on) nor from man.
    r = subprocess.run([a.groff, "-man", "-Tutf8", "-ww", "-z", a.man], capture_output=True,
                       text=True)
    if r.returncode != 0 or r.stderr.strip():
        fail(f"groff -man -Tutf8 -ww: exit {r.returncode}: {r.stderr.strip()}")
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MANPAGER="cat", PAGER="cat")
    r = subprocess.run([a.man_cmd, "--warnings", "-l", a.man], capture_output=True, text=True,
                       env=env)
    if r.returncode != 0 or r.stderr.strip():
        fail(f"man --warnings -l: exit {r.returncode}: {r.stderr.strip()}")
    elif "wasmhttpd serve" not in r.stdout or "EXIT STATUS" not in r.stdout:
        fail("man -l rendered a page without its synopsis or EXIT STATUS")

    checked = sum(len(help_options(t)) for t in cmd_texts.values())
    if failures:
        print(f"{len(failures)} problems")
        return 1
    print(f"ok: {len(commands)} commands, {checked} options of their --help, all in the manual; "
          "renders without warnings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
