"""What the report scripts share: reading the RESULT lines a benchmark run collected.

results.tsv holds one line per run of a scenario against a peer, `peer<TAB>scenario<TAB>RESULT
key=value ...` (a value may be quoted when it holds spaces, as first_error="..." does).
"""
import os
import shlex
import sys


def read_runs(path):
    """(scenario, peer) -> [{key: value}, one per run, in run order], and the scenarios in the
    order they first appear. Lines that are not three tab-separated fields are skipped."""
    runs = {}
    order = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t", 2)
            if len(parts) != 3:
                continue
            peer, scen, result = parts
            try:
                tokens = shlex.split(result)
            except ValueError:
                tokens = result.split()
            kv = dict(tok.split("=", 1) for tok in tokens[1:] if "=" in tok)
            runs.setdefault((scen, peer), []).append(kv)
            if scen not in order:
                order.append(scen)
    return runs, order


def fmt(v):
    """A figure as the tables show it: thousands grouped from 100, one decimal from 10, two
    below; `–` for none."""
    if v is None:
        return "–"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def section_run(name):
    """What a section's report script reads first: RESULTS_DIR and OUT from its command line
    (OUT defaults to docs/benchmarks.md), the run's command, and the section's files in
    bench/: benchmarks.NAME.notes.md (by hand) and benchmarks.NAME.md (written)."""
    here = os.path.dirname(os.path.abspath(__file__))
    results_dir = sys.argv[1]
    out_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "docs", "benchmarks.md")
    with open(os.path.join(results_dir, "command")) as f:
        command = f.read().strip()
    notes_path = os.path.join(here, f"benchmarks.{name}.notes.md")
    section_path = os.path.join(here, f"benchmarks.{name}.md")
    return results_dir, out_path, command, notes_path, section_path


def run_header(results_dir, command):
    """The run's command as a code block, then its machine lines (machine.md)."""
    with open(os.path.join(results_dir, "machine.md")) as f:
        return "```\n" + command + "\n```\n" + f.read()
