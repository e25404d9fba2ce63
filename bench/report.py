#!/usr/bin/env python3
"""Turns the RESULT lines of a bench/run into docs/benchmarks.md: the targets, then every
scenario's figures for every peer with the ratios sockeye / peer. A scenario run several times
for a peer (bench/run --repeat N) is reported by the median of each figure; the targets also
show the range of the ratio over the runs.

usage: report.py [--previous DOC] results.tsv machine.md "command" head.md [notes.md [piece.md ...]]

The pieces follow the notes as they are, those that exist: the sections other runs write
(bench/run --recovery, bench/storm, bench/soak.js, bench/run --growth, bench/cluster) and
those written by hand (bench/benchmarks.counters.md, .observer.md, .forwarding.md); a full
bench/run measures none of them.

--previous DOC: the document this one replaces. A "## " section of it that no part above
produces (one written into DOC by hand) is kept, after the section it followed, and named on
stderr: it belongs in a piece of its own.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
from results import fmt, read_runs  # noqa: E402
from section import keep_hand_sections  # noqa: E402

# The sections this script writes from the results (their headings vary with the run).
GENERATED_HEADINGS = ("## The run", "## Targets", "## All scenarios")

args = sys.argv[1:]
previous_path = None
if args[:1] == ["--previous"]:
    previous_path, args = args[1], args[2:]
results_path, machine_path, command, head_path = args[0:4]
notes_path = args[4] if len(args) > 4 else None
piece_paths = args[5:]

PEERS = ["sockeye", "socketioxide", "node"]
PEER_NAMES = {"sockeye": "sockeye", "socketioxide": "socketioxide", "node": "Node socket.io"}

# metric -> (label, lower is better)
METRICS = {
    "server_rss_per_conn_kib": ("server RSS per connection (KiB)", True),
    "handshakes_per_s": ("handshakes/s", False),
    "server_us_per_handshake": ("server CPU per handshake (µs)", True),
    "round_trips_per_s": ("round trips/s", False),
    "server_us_per_round_trip": ("server CPU per round trip (µs)", True),
    "deliveries_per_s": ("deliveries/s", False),
    "server_us_per_delivery": ("server CPU per delivery (µs)", True),
    "server_cpu": ("server CPU (cores)", True),
    "p50_us": ("latency p50 (µs)", True),
    "p99_us": ("latency p99 (µs)", True),
    "p999_us": ("latency p99.9 (µs)", True),
    "napi_server_us_per_op": ("server input in its NAPI thread, per op (µs, est.)", True),
}
SCENARIO_METRICS = {
    "idle": ["server_rss_per_conn_kib", "handshakes_per_s", "server_us_per_handshake"],
    "handshake": ["handshakes_per_s", "server_us_per_handshake", "server_cpu"],
    "echo": ["round_trips_per_s", "server_us_per_round_trip", "server_cpu", "p50_us", "p99_us", "p999_us"],
    "ack": ["round_trips_per_s", "server_us_per_round_trip", "server_cpu", "p50_us", "p99_us", "p999_us"],
    "fanout": ["deliveries_per_s", "server_us_per_delivery", "server_cpu", "p50_us", "p99_us", "p999_us"],
}

flat, order = read_runs(results_path)
runs = {}  # scenario -> peer -> [dict per run, in run order]
for (scenario, peer), kvs in flat.items():
    runs.setdefault(scenario, {})[peer] = kvs


def median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def aggregate(kvs):
    """One figure per key: the median of the runs; complete only if every run was."""
    out = {}
    for key in {k for kv in kvs for k in kv}:
        values = [kv[key] for kv in kvs if key in kv]
        if key == "complete":
            out[key] = "1" if len(values) == len(kvs) and all(v == "1" for v in values) else "0"
        elif key == "gen_saturated":
            out[key] = "1" if any(v == "1" for v in values) else "0"
        else:
            try:
                out[key] = repr(median([float(v) for v in values]))
            except ValueError:
                out[key] = values[-1]
    return out


results = {s: {p: aggregate(kvs) for p, kvs in peers.items()} for s, peers in runs.items()}
repeats = max((len(kvs) for peers in runs.values() for kvs in peers.values()), default=1)


# bench/run --netns napi: the server's TCP input runs in a kernel thread, not in the server;
# its CPU per operation (an estimate, see bench/run) gets a row of its own.
if any("napi_server_us_per_op" in kv for s in results.values() for kv in s.values()):
    for keys in SCENARIO_METRICS.values():
        keys.insert(keys.index("server_cpu") if "server_cpu" in keys else len(keys), "napi_server_us_per_op")


def num(scenario, peer, key):
    try:
        return float(results[scenario][peer][key])
    except (KeyError, ValueError):
        return None


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


out = []
with open(head_path) as f:
    out.append(f.read().rstrip() + "\n")

out.append("\n## The run\n")
out.append("```\n" + command + "\n```\n")
with open(machine_path) as f:
    out.append(f.read())

# Targets.
peers_present = [p for p in PEERS if any(p in results[s] for s in results)]
TARGETS = [
    ("idle websocket RSS per connection, 10k connections", "idle-ws", "server_rss_per_conn_kib", "abs<=", 8.0, "KiB"),
    ("idle websocket RSS per connection vs socketioxide", "idle-ws", "server_rss_per_conn_kib", "ratio<=", 0.35, ""),
    ("echo 100x1 32 B: server CPU per round trip vs socketioxide", "echo-ws-100x1-32B", "server_us_per_round_trip", "ratio<=", 0.7, ""),
    ("fan-out to 1000: server CPU per delivery vs socketioxide", "fanout-1000x1-32B", "server_us_per_delivery", "ratio<=", 0.5, ""),
    ("websocket connect: server CPU per handshake vs socketioxide", "handshake-ws", "server_us_per_handshake", "ratio<=", 0.65, ""),
    ("polling handshakes/s vs socketioxide", "handshake-polling", "handshakes_per_s", "ratio>=", 1.3, ""),
]
def ratio_range(scen, key):
    """The lowest and highest ratio sockeye / socketioxide over the runs, paired in order."""
    a = runs.get(scen, {}).get("sockeye", [])
    b = runs.get(scen, {}).get("socketioxide", [])
    rs = []
    for x, y in zip(a, b):
        try:
            rs.append(float(x[key]) / float(y[key]))
        except (KeyError, ValueError, ZeroDivisionError):
            pass
    return (min(rs), max(rs)) if len(rs) > 1 else None


title = "same run" if repeats == 1 else f"same runs, medians of {repeats}"
out.append(f"\n## Targets (sockeye against socketioxide, {title})\n\n")
spread = repeats > 1
out.append(
    "| target | sockeye | socketioxide | measured |"
    + (" range over the runs |" if spread else "")
    + " limit | met |\n|---|---:|---:|---:|"
    + ("---:|" if spread else "")
    + "---:|:---:|\n"
)
for label, scen, key, kind, limit, unit in TARGETS:
    s = num(scen, "sockeye", key)
    x = num(scen, "socketioxide", key)
    if kind == "abs<=":
        measured = s
        ok = s is not None and s <= limit
        m = f"{fmt(s)} {unit}"
        lim = f"≤ {limit:g} {unit}"
    else:
        measured = ratio(s, x)
        ok = measured is not None and (measured <= limit if kind == "ratio<=" else measured >= limit)
        m = f"{measured:.2f}x" if measured is not None else "–"
        lim = ("≤ " if kind == "ratio<=" else "≥ ") + f"{limit:g}x"
    rng = ""
    if spread:
        r = ratio_range(scen, key)
        rng = f" {r[0]:.2f}-{r[1]:.2f}x |" if r and kind != "abs<=" else " |"
    out.append(f"| {label} | {fmt(s)} | {fmt(x)} | {m} |{rng} {lim} | {'yes' if ok else '**no**'} |\n")
incomplete = [
    f"{p} {s}" for s in order for p in results[s] if results[s][p].get("complete") != "1"
]
out.append(
    f"| 100% delivery in every run | | | {len(incomplete)} incomplete |{' |' if spread else ''} 0 | {'yes' if not incomplete else '**no**'} |\n"
)
if incomplete:
    out.append("\nIncomplete runs: " + ", ".join(incomplete) + "\n")

# How much of each CPU target is the kernel's (see the notes: loopback charges the peer's TCP
# input to the sender).
FLOORS = [
    ("echo 100x1 32 B, per round trip", "echo-ws-100x1-32B", "server_us_per_round_trip", 0.7),
    ("fan-out to 1000, per delivery", "fanout-1000x1-32B", "server_us_per_delivery", 0.5),
    ("websocket connect, per handshake", "handshake-ws", "server_us_per_handshake", 0.65),
]
out.append(
    "\n### Kernel and user time behind the CPU targets ("
    + ("this run" if repeats == 1 else f"medians of {repeats} runs")
    + ")\n\n"
)
out.append(
    "Server CPU per operation split by the kernel's share of the server's CPU time "
    "(`server_sys_share`, from `/proc/<pid>/stat`). A target below the peer's kernel time "
    "cannot be met by user-space work alone.\n\n"
)
out.append(
    "| operation | target (µs) | socketioxide: total / kernel / user (µs) "
    "| sockeye: total / kernel / user (µs) |\n|---|---:|---:|---:|\n"
)
for label, scen, key, limit in FLOORS:
    cells = []
    for p in ("socketioxide", "sockeye"):
        t, share = num(scen, p, key), num(scen, p, "server_sys_share")
        if t is None or share is None:
            cells.append("–")
        else:
            cells.append(f"{fmt(t)} / {fmt(t * share)} / {fmt(t * (1 - share))}")
    x = num(scen, "socketioxide", key)
    tgt = fmt(x * limit) if x is not None else "–"
    out.append(f"| {label} | {tgt} ({limit:g}x) | {cells[0]} | {cells[1]} |\n")

# Every scenario.
out.append("\n## All scenarios\n\n")
out.append(
    "Ratios are sockeye / peer: below 1 is better for CPU, memory and latency, above 1 for rates. "
    "`*` marks a run where the generator used more than 90% of its core (the server was not the "
    "only limit), `!` a run that lost messages or connections.\n\n"
)
head = "| scenario | metric | " + " | ".join(PEER_NAMES[p] for p in peers_present)
others = [p for p in peers_present if p != "sockeye"]
head += "".join(f" | sockeye / {PEER_NAMES[p]}" for p in others) + " |\n"
out.append(head)
out.append("|---|---|" + "---:|" * (len(peers_present) + len(others)) + "\n")
for scen in order:
    kind = scen.split("-")[0]
    for i, key in enumerate(SCENARIO_METRICS.get(kind, [])):
        label, _lower = METRICS[key]
        row = f"| {scen if i == 0 else ''} | {label} |"
        for p in peers_present:
            v = num(scen, p, key)
            mark = ""
            r = results[scen].get(p, {})
            if i == 0 and r.get("gen_saturated") == "1":
                mark += "*"
            if i == 0 and r.get("complete") != "1":
                mark += "!"
            row += f" {fmt(v)}{mark} |"
        for p in others:
            rr = ratio(num(scen, "sockeye", key), num(scen, p, key))
            row += f" {rr:.2f} |" if rr is not None else " – |"
        out.append(row + "\n")

if notes_path:
    with open(notes_path) as f:
        out.append("\n" + f.read().rstrip() + "\n")

for piece_path in piece_paths:
    if os.path.exists(piece_path):
        with open(piece_path) as f:
            out.append("\n" + f.read().rstrip() + "\n")

doc = "".join(out)
if previous_path and os.path.exists(previous_path):
    with open(previous_path) as f:
        doc, kept = keep_hand_sections(f.read(), doc, GENERATED_HEADINGS)
    for heading in kept:
        print(
            f"report.py: kept '{heading}' from {previous_path}: no piece holds it "
            "(move it into a bench/benchmarks.*.md piece and add that to bench/run)",
            file=sys.stderr,
        )
sys.stdout.write(doc)
