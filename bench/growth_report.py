#!/usr/bin/env python3
"""Turns the RESULT lines of a bench/run --growth into the section "How cost grows": for each
axis a chart (bench/charts draws the PNGs from the CSV written here) and the table of the
figures behind it, medians over the runs. Writes RESULTS_DIR/growth.csv, the charts into
img/ beside OUT (docs/img/), the section into bench/benchmarks.growth.md (which report.py
appends, so that a full bench/run keeps it) and into OUT in place (bench/section.py). The
section ends with bench/benchmarks.growth.notes.md, written by hand after a run: after
editing it, run this again on the same results directory.

usage: growth_report.py RESULTS_DIR [OUT [CHARTS_BINARY]]
       (RESULTS_DIR: results.tsv, machine.md, command)
"""
import csv
import math
import os
import statistics
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
from results import read_runs, run_header, section_run  # noqa: E402
from section import put_section  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
results_dir, out_path, command, notes_path, section_path = section_run("growth")
charts_bin = sys.argv[3] if len(sys.argv) > 3 else os.path.join(
    os.environ.get("CARGO_TARGET_DIR", os.path.join(HERE, "..", "target")), "release", "sockeye-charts")
img_dir = os.path.join(os.path.dirname(os.path.abspath(out_path)), "img")

PEERS = [("sockeye", "sockeye"), ("socketioxide", "socketioxide"), ("node", "Node socket.io")]

# chart id, axis (scenario prefix), RESULT key, title, x label, y label, per-byte (divide by x)
CHARTS = [
    ("conns-rss", "conns", "server_rss_per_conn_kib", "Idle memory per connection",
     "websocket connections", "server RSS per connection (KiB)", False),
    ("conns-cpu", "conns", "server_us_per_round_trip", "Echo at 2,000/s in all, spread over the connections",
     "websocket connections", "server CPU per echo (µs)", False),
    ("roomsize", "roomsize", "server_us_per_delivery", "Broadcast into one room",
     "receivers in the room", "server CPU per delivered message (µs)", False),
    ("roomsper", "roomsper", "server_us_per_op", "Join and leave, as a socket's rooms grow",
     "rooms per socket", "server CPU per join or leave (µs)", False),
    ("nschurn", "nschurn", "server_us_per_op", "Join and leave, as the namespace fills with rooms",
     "rooms in the namespace", "server CPU per join or leave (µs)", False),
    ("nsbcast", "nsbcast", "server_us_per_delivery", "Broadcast to a room of 10, as the namespace fills",
     "rooms in the namespace", "server CPU per delivered message (µs)", False),
    ("payload", "payload", "server_us_per_round_trip", "Echo by payload size (text and binary)",
     "payload (bytes)", "server CPU per echo (µs)", False),
    ("payload-byte", "payload", "server_us_per_round_trip", "Echo: CPU per payload byte",
     "payload (bytes)", "server CPU per payload byte (ns)", True),
    ("acks", "acks", "server_us_per_round_trip", "Acknowledgements in flight on one socket",
     "acks in flight", "server CPU per ack (µs)", False),
]

runs, _ = read_runs(os.path.join(results_dir, "results.tsv"))  # (scenario, peer) -> [{key: value}]
repeats = max((len(v) for v in runs.values()), default=1)
peers = [(p, name) for p, name in PEERS if any(k[1] == p for k in runs)]


def parse_scenario(scen):
    """'payload-text-32' -> ('payload', 'text', 32); 'conns-1000' -> ('conns', '', 1000)."""
    parts = scen.split("-")
    try:
        x = int(parts[-1])
    except ValueError:
        return None
    return parts[0], "-".join(parts[1:-1]), x


def figure(scen, peer, key):
    """(median, complete): the median over the complete runs, or over all with a mark."""
    kvs = runs.get((scen, peer), [])
    good = [kv for kv in kvs if kv.get("complete") == "1"]
    vals = []
    for kv in good or kvs:
        try:
            vals.append(float(kv[key]))
        except (KeyError, ValueError):
            pass
    if not vals:
        return None, bool(good)
    return statistics.median(vals), bool(good)


def fmt(v):
    if v is None:
        return "–"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def points(axis):
    """[(variant, x, scenario)] of an axis, sorted."""
    out = []
    for scen in {s for s, _ in runs}:
        p = parse_scenario(scen)
        if p and p[0] == axis:
            out.append((p[1], p[2], scen))
    # Text before binary: the first variant of a peer is its solid line.
    return sorted(out, key=lambda p: (p[0] != "text", p[0], p[1]))


rows = []  # the CSV
sections = []
for cid, axis, key, title, xl, yl, per_byte in CHARTS:
    pts = points(axis)
    if not pts:
        continue
    variants = sorted({v for v, _, _ in pts}, key=lambda v: (v != "text", v))
    table = {}  # (variant, x) -> [cell per peer]
    series_pts = {}
    for variant, x, scen in pts:
        cells = []
        for p, _ in peers:
            v, ok = figure(scen, p, key)
            if v is not None and per_byte:
                v = v * 1000 / x
            name = p if not variant else f"{p} {variant}"
            series_pts.setdefault(name, [])
            if v is not None and ok:
                series_pts[name].append((x, v))
            rows.append([cid, title, xl, yl, name, x, f"{v:.6g}" if v is not None and ok else ""])
            cells.append(fmt(v) + ("" if ok or v is None else " !") if (scen, p) in runs else "not run")
        table[(variant, x)] = cells
    md = [f"### {title}\n\n", f"![{title}](img/growth-{cid}.png)\n\n"]
    head = "| " + xl + (" | variant" if variants != [""] else "") + " | "
    head += " | ".join(name for _, name in peers) + " |\n"
    md.append(head)
    md.append("|---:|" + ("---|" if variants != [""] else "") + "---:|" * len(peers) + "\n")
    for variant in variants:
        for (v, x), cells in sorted(table.items(), key=lambda t: t[0][1]):
            if v != variant:
                continue
            md.append(f"| {x:,} |" + (f" {variant} |" if variants != [""] else "") + "".join(f" {c} |" for c in cells) + "\n")
    # How the figure moved from the first point to the last, as a power of the size: 0 is
    # a cost per operation that stays flat (total cost linear in the work), 1 doubles it
    # when the size doubles.
    for variant in variants:
        k_cells = []
        for p, _ in peers:
            s = series_pts.get(p if not variant else f"{p} {variant}", [])
            if len(s) >= 2 and s[0][0] != s[-1][0] and s[0][1] > 0:
                k = math.log(s[-1][1] / s[0][1]) / math.log(s[-1][0] / s[0][0])
                k_cells.append(f"×{s[-1][1] / s[0][1]:.2f} (k = {k:+.2f})")
            else:
                k_cells.append("–")
        md.append(f"| first → last |" + (f" {variant} |" if variants != [""] else "") + "".join(f" {c} |" for c in k_cells) + "\n")
    sections.append("".join(md))

csv_path = os.path.join(results_dir, "growth.csv")
with open(csv_path, "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["chart", "title", "x_label", "y_label", "series", "x", "y"])
    w.writerows(rows)
os.makedirs(img_dir, exist_ok=True)
subprocess.run([charts_bin, csv_path, img_dir], check=True, stdout=subprocess.DEVNULL)

out = ["## How cost grows\n\n"]
out.append(
    "How the server's cost per operation changes as the work grows along one axis at a time, "
    "for every peer: connections, room size, rooms per socket, rooms in the namespace, payload "
    "size and acknowledgements in flight. Same harness as above (a fresh server per point, "
    "pinned to core 0, the generator on core 1, loopback), short measurements at log-spaced "
    "points; the figures are the server's CPU (or memory) divided by the operations the "
    "generator saw completed. A flat line is a cost per operation that does not depend on "
    "the size (total cost linear in the work); a rising one is super-linear growth. "
    "`first → last` gives the factor between the first and the last point and k, the power "
    "of the size it amounts to (cost per operation ∝ size^k). `!` marks a point where some "
    "message or connection was lost (left out of the chart), `–` one without a figure. "
    "These were taken on a shared machine of 2 cores where other builds ran at the same "
    "time: read the shapes, not the third digit.\n\n"
)
out.append(run_header(results_dir, command))
out.append("\n" + ("" if repeats == 1 else f"Medians of {repeats} runs per point. ") +
           "Scenarios (`sockeye-loadgen` arguments in `bench/run`): connections: `echo --rate 2000` "
           "spread over N websocket clients, the idle memory measured a second after they "
           "connected; room size: `fanout` to one room of N; rooms per socket: `churn`, 10 "
           "sockets in the same N rooms leave and join them in turn; rooms in the namespace: "
           "the same churn in one room of 10, and `fanout` to one room of 10, with N-1 more "
           "rooms held by 100 other sockets; payload: `echo` of N bytes on 10 clients, text and "
           "binary; acks: `ack` with N in flight on one socket.\n\n")
out.append("\n".join(sections))
if os.path.exists(notes_path):
    with open(notes_path) as f:
        out.append("\n" + f.read().rstrip() + "\n")
section = "".join(out)
with open(section_path, "w") as f:
    f.write(section)
put_section(out_path, section)
