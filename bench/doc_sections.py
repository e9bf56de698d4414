"""Sections of docs/benchmarks.md that other scripts than bench/run_bench.py write.

run_bench.py renders the whole file; bench/images_bench.py writes one section
of it, between two marker comments. Each script replaces only what it owns:
images_bench.py splices its block into the file, and run_bench.py carries the
blocks it finds over into the file it renders, so that running either one
does not erase the other's results.
"""

import json
import os

# Section name -> the script that writes it.
OWNERS = {"images": "bench/images_bench.py", "stats": "bench/stats_bench.py", "ops": "bench/ops_bench.py",
          "torch": "bench/torch_bench.py", "ui": "bench/ui_bench.py", "postgres": "bench/pg_bench.py",
          "pg_scaleout": "bench/pg_scaleout_bench.py"}
# Where a section goes when the file has none yet: before this heading.
DEFAULT_BEFORE = "## Micro-benchmarks"


def begin_marker(name: str) -> str:
    return f"<!-- begin {name}: written by {OWNERS[name]}; re-run it rather than editing this section -->"


def end_marker(name: str) -> str:
    return f"<!-- end {name} -->"


def extract(text: str, name: str):
    """The block of section `name` (both markers included), or None."""
    start = text.find(begin_marker(name))
    if start < 0:
        return None
    end = text.find(end_marker(name), start)
    if end < 0:
        return None
    return text[start:end + len(end_marker(name))]


def splice(text: str, name: str, block: str) -> str:
    """`text` with section `name` replaced by `block` (which holds the markers);
    a new section goes before DEFAULT_BEFORE, or at the end."""
    old = extract(text, name)
    if old is not None:
        return text.replace(old, block, 1)
    at = text.find("\n" + DEFAULT_BEFORE + "\n")
    if at < 0:
        return text.rstrip("\n") + "\n\n" + block + "\n"
    return text[:at + 1] + block + "\n\n" + text[at + 1:]


def write_section(path: str, name: str, block: str) -> None:
    """Replaces (or adds) section `name` of the file at `path` with `block`."""
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(splice(text, name, block))


def save(results: dict, work: str, name: str, out, render, log) -> None:
    """Writes `results` to WORK/NAME-results.json and, when `out` names a
    file, section `name` of it from render(results)."""
    with open(os.path.join(work, f"{name}-results.json"), "w") as f:
        json.dump(results, f, indent=2)
    if out:
        write_section(out, name, render(results))
        log(f"wrote the {name} section of {out}")


def carry_over(old_text: str, new_text: str) -> str:
    """`new_text` (rendered by run_bench.py) with every other script's section of `old_text`."""
    for name in OWNERS:
        block = extract(old_text, name)
        if block is not None:
            new_text = splice(new_text, name, block)
    return new_text


def write_keeping_sections(path: str, markdown: str) -> None:
    """Writes run_bench.py's `markdown` to `path`, keeping the sections other scripts wrote there."""
    try:
        with open(path) as f:
            markdown = carry_over(f.read(), markdown)
    except FileNotFoundError:
        pass
    with open(path, "w") as f:
        f.write(markdown)
