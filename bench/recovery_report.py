#!/usr/bin/env python3
"""Turns the RESULT lines of a bench/run --recovery into the section "Connection state
recovery: what it costs": each scenario's figures for sockeye and Node without and with
recovery, and the ratios with / without. Writes it to bench/benchmarks.recovery.md (which
report.py appends, so that a full bench/run keeps it) and into OUT in place (bench/section.py).
A scenario run several times for a peer is reported by the median of each figure. The section
ends with bench/benchmarks.recovery.notes.md, written by hand after a run: after editing it,
run this again on the same results directory.

usage: recovery_report.py RESULTS_DIR [OUT]   (RESULTS_DIR: results.tsv, machine.md, command)
"""
import os
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
from results import fmt, read_runs, run_header, section_run  # noqa: E402
from section import put_section  # noqa: E402

results_dir, out_path, command, notes_path, section_path = section_run("recovery")

# (column, peer label in results.tsv)
COLUMNS = [
    ("sockeye", "sockeye"),
    ("sockeye + recovery", "sockeye-recovery"),
    ("Node socket.io", "node"),
    ("Node + recovery", "node-recovery"),
]
METRICS = {
    "idle": [
        ("server_rss_per_conn_kib", "server RSS per connection (KiB)"),
        ("server_us_per_handshake", "server CPU per handshake (µs)"),
    ],
    "echo": [
        ("server_us_per_round_trip", "server CPU per round trip (µs)"),
        ("round_trips_per_s", "round trips/s"),
        ("p50_us", "latency p50 (µs)"),
        ("p99_us", "latency p99 (µs)"),
    ],
    "fanout": [
        ("server_us_per_delivery", "server CPU per delivery (µs)"),
        ("deliveries_per_s", "deliveries/s"),
        ("server_cpu", "server CPU (cores)"),
        ("p50_us", "latency p50 (µs)"),
        ("p99_us", "latency p99 (µs)"),
    ],
}

runs, order = read_runs(os.path.join(results_dir, "results.tsv"))  # (scenario, peer) -> [{key: value}]
repeats = max((len(v) for v in runs.values()), default=1)
peers = [(c, p) for c, p in COLUMNS if any(k[1] == p for k in runs)]


def num(scen, peer, key):
    vals = []
    for kv in runs.get((scen, peer), []):
        try:
            vals.append(float(kv[key]))
        except (KeyError, ValueError):
            pass
    return statistics.median(vals) if vals else None


def complete(scen, peer):
    kvs = runs.get((scen, peer), [])
    return bool(kvs) and all(kv.get("complete") == "1" for kv in kvs)


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b not in (None, 0) else "–"


out = ["## Connection state recovery: what it costs\n\n"]
out.append(
    "What `connectionStateRecovery` adds to a server that has it on: every event it emits "
    "(not volatile, without an ack) is kept in a log and carries its offset as an extra last "
    "argument, and every socket has a private id. The generator reads the offsets (`--recovery`: "
    "an event without one counts as malformed and makes the run incomplete). Same scenarios "
    "and harness as above (server on core 0, generator on core 1); `NAME + recovery` is the "
    "server started with `RECOVERY=1` (sockeye's `ConnectionStateRecovery::default()`, "
    "Node's `connectionStateRecovery: {}`). socketioxide has no connection state recovery "
    "(its `SocketIoBuilder` has no such option) and is left out.\n\n"
)
out.append(run_header(results_dir, command))
out.append(
    "\n"
    + ("" if repeats == 1 else f"Medians of {repeats} runs. ")
    + "`!` marks a run that lost messages or connections, or read an event without an offset.\n\n"
)
head = "| scenario | metric | " + " | ".join(c for c, _ in peers)
head += " | sockeye: with / without | Node: with / without | with recovery: sockeye / Node |\n"
out.append(head)
out.append("|---|---|" + "---:|" * (len(peers) + 3) + "\n")
for scen in order:
    kind = scen.split("-")[0]
    for i, (key, label) in enumerate(METRICS.get(kind, [])):
        row = f"| {scen if i == 0 else ''} | {label} |"
        for _, p in peers:
            mark = "!" if i == 0 and (scen, p) in runs and not complete(scen, p) else ""
            row += f" {fmt(num(scen, p, key))}{mark} |"
        row += f" {ratio(num(scen, 'sockeye-recovery', key), num(scen, 'sockeye', key))} |"
        row += f" {ratio(num(scen, 'node-recovery', key), num(scen, 'node', key))} |"
        row += f" {ratio(num(scen, 'sockeye-recovery', key), num(scen, 'node-recovery', key))} |"
        out.append(row + "\n")
if os.path.exists(notes_path):
    with open(notes_path) as f:
        out.append("\n" + f.read().rstrip() + "\n")
section = "".join(out)
with open(section_path, "w") as f:
    f.write(section)
put_section(out_path, section)
