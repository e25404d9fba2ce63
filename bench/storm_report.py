#!/usr/bin/env python3
"""Turns the RESULT lines of a bench/storm run into the section "Reconnect storm": for each
storm, every peer's figures (medians over the runs) and the spread over the runs. A storm that
this run did not measure keeps its subsection (with its own run's command and machine lines)
from the previous bench/benchmarks.storm.md. Writes it to bench/benchmarks.storm.md (which report.py appends, so that a
full bench/run keeps it) and into OUT in place (bench/section.py). The section ends with
bench/benchmarks.storm.notes.md, written by hand after a run: after editing it, run this
again on the same results directory.

usage: storm_report.py RESULTS_DIR [OUT]   (RESULTS_DIR: results.tsv, machine.md, command)
"""
import os
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
from results import read_runs, section_run  # noqa: E402
from section import put_section  # noqa: E402

results_dir, out_path, command, notes_path, section_path = section_run("storm")
PEERS = ["sockeye", "socketioxide", "node"]
NAMES = {"sockeye": "sockeye", "socketioxide": "socketioxide", "node": "Node socket.io"}
# key, label, scale
ROWS = [
    ("receivers", "receivers", 1),
    ("rooms", "rooms (receivers spread evenly)", 1),
    ("rate", "broadcasts per second (to the rooms in turn)", 1),
    ("broadcasts", "broadcasts sent", 1),
    ("back", "receivers back (within 120 s of the drop)", 1),
    ("back_all_s", "time from the drop until all are back (s)", 1),
    ("back_p50_s", "half are back after (s)", 1),
    ("recovered", "sessions recovered", 1),
    ("fresh", "fresh sessions", 1),
    ("reconnect_failures", "reconnection attempts that failed", 1),
    ("clients_whole_pct", "receivers that got every broadcast exactly once (%)", 1),
    ("expected_total", "deliveries due", 1),
    ("missing", "deliveries missing", 1),
    ("duplicates", "duplicate deliveries", 1),
    ("server_rss_before_kib", "server RSS before the drop (MiB)", 1 / 1024),
    ("server_peak_rss_kib", "server peak RSS (MiB)", 1 / 1024),
    ("server_cpu_s", "server CPU until all are back (s)", 1),
    ("server_cpu", "server CPU until all are back (cores)", 1),
    ("restart_listening_ms", "restart: until the new process listens (ms)", 1),
    ("listen_overflows", "connections dropped at a full accept queue (kernel ListenOverflows)", 1),
    ("load1", "load average (1 min) at the start of the run", 1),
]
INTRO = {
    "storm-recovery": (
        "### With connection state recovery: every connection dropped at once\n\n"
        "The servers have recovery on. Receivers join rooms; one more client broadcasts "
        "to the rooms in turn at a steady rate (see the table), for 3 s (every room has had a broadcast, so every receiver has an offset to send back); then the generator drops "
        "every receiver's connection in one turn (the server sees each transport close under "
        "it, as a network failure shows it; the broadcasting client stays). Each receiver "
        "reconnects after socket.io-client's backoff (`reconnectionDelay` 1000 ms, "
        "`reconnectionDelayMax` 5000, `randomizationFactor` 0.5) with the pid and last offset "
        "it saw, as socket.io-client does, and should get its session back (same id, still in "
        "its room) with the broadcasts it missed. A receiver that gets a fresh session instead "
        "joins its room again, as an application would; what it missed is counted missing. "
        "The stream goes on for 2 s after all are back. Server RSS is sampled every 100 ms "
        "from the drop until all are back; its CPU is over the same span.\n\n"
    ),
    "storm-restart": (
        "### Without recovery: the server killed and restarted\n\n"
        "No recovery. Once the receivers are in their rooms and the stream has run 3 s, the "
        "server is killed (SIGKILL) and started again on the same port; every receiver "
        "reconnects with the same backoff, gets a fresh session and joins its room again "
        "(what was broadcast meanwhile is missing by design; the broadcasting client is "
        "dropped too and reconnects after 1 s, so the delivery rows only say how many "
        "receivers had joined again when it resumed). A reconnection attempt fails "
        "when the port is closed or when the server refuses or drops the handshake: no "
        "handshake should be refused for lack of resources. The new process is measured: its "
        "peak RSS (`VmHWM`) and its CPU time from its start until all receivers are back.\n\n"
    ),
}

runs, order = read_runs(os.path.join(results_dir, "results.tsv"))
repeats = max((len(v) for v in runs.values()), default=1)


def values(scen, peer, key):
    out = []
    for kv in runs.get((scen, peer), []):
        try:
            out.append(float(kv[key]))
        except (KeyError, ValueError):
            pass
    return out


RANGED = {"back", "back_all_s", "reconnect_failures", "clients_whole_pct", "missing",
          "server_peak_rss_kib", "server_cpu_s"}


def fmt(v):
    if v is None:
        return "–"
    if v == int(v) and abs(v) < 1e15:
        return f"{int(v):,}"
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def previous_blocks():
    """The subsections of the previous section, by heading."""
    try:
        with open(section_path) as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    blocks = {}
    for block in text.split("\n### ")[1:]:
        blocks["### " + block.splitlines()[0]] = "### " + block.rstrip() + "\n"
    return blocks


previous = previous_blocks()
out = ["## Reconnect storm\n\n"]
out.append(
    "What happens when every client of a server loses its connection at the same moment and "
    "comes back (issue #16). A benchmark, not a test: nothing here passes or fails. The "
    "generator is `sockeye-loadgen storm` (one client implementation for every peer; see "
    "`bench/loadgen/src/storm.rs`), driven by `bench/storm`.\n\n"
)
with open(os.path.join(results_dir, "machine.md")) as f:
    machine = f.read()
for scen in list(INTRO) + [s for s in order if s not in INTRO]:
    intro = INTRO.get(scen, f"### {scen}\n\n")
    if scen not in order:
        kept = previous.get(intro.splitlines()[0])
        if kept:
            out.append("\n" + kept)
        continue
    peers = [p for p in PEERS if (scen, p) in runs]
    out.append("\n" + intro)
    out.append("```\n" + command + "\n```\n" + machine + "\n")
    if repeats > 1:
        out.append(f"Medians of {repeats} runs (peers alternating); the range is over the runs.\n\n")
    out.append("| | " + " | ".join(NAMES[p] for p in peers) + " |\n")
    out.append("|---|" + "---:|" * len(peers) + "\n")
    for key, label, scale in ROWS:
        if not any(values(scen, p, key) for p in peers):
            continue
        row = f"| {label} |"
        for p in peers:
            v = values(scen, p, key)
            cell = fmt(statistics.median(v) * scale) if v else "–"
            if len(v) > 1 and key in RANGED and min(v) != max(v):
                cell += f" ({fmt(min(v) * scale)}-{fmt(max(v) * scale)})"
            row += f" {cell} |"
        out.append(row + "\n")
    unfinished = [
        f"{NAMES[p]} ({sum(kv.get('complete') != '1' for kv in runs[(scen, p)])} of {len(runs[(scen, p)])})"
        for p in peers
        if any(kv.get("complete") != "1" for kv in runs[(scen, p)])
    ]
    if unfinished:
        out.append(
            "\nRuns that did not finish (a receiver never came back, or unreadable events): "
            + ", ".join(unfinished)
            + ".\n"
        )
    errors = sorted({kv["first_error"] for p in peers for kv in runs[(scen, p)] if "first_error" in kv})
    if errors:
        out.append(
            "\nFirst failed reconnection attempts, as the generator saw them: "
            + "; ".join(f"`{e}`" for e in errors[:4])
            + ".\n"
        )
if os.path.exists(notes_path):
    with open(notes_path) as f:
        out.append("\n" + f.read().rstrip() + "\n")
section = "".join(out)
with open(section_path, "w") as f:
    f.write(section)
put_section(out_path, section)
