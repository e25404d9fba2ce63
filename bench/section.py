"""Puts a section of its own into docs/benchmarks.md in place: the pieces that runs other
than a full bench/run write (bench/run --recovery, bench/storm) replace their previous text,
from their heading to the next heading of the same level, or go in before the cluster section
(always the last), or at the end.
"""

CLUSTER_HEADING = "## Cluster (Redis adapter)"


def put_section(doc_path, section):
    heading = section.splitlines()[0]
    try:
        with open(doc_path) as f:
            doc = f.read()
    except FileNotFoundError:
        doc = ""
    body = section.rstrip() + "\n"
    at = doc.find("\n" + heading + "\n")
    if at >= 0:
        end = doc.find("\n## ", at + 1)
        rest = doc[end:] if end >= 0 else ""
        doc = doc[:at] + "\n" + body + rest
    else:
        at = doc.find("\n" + CLUSTER_HEADING + "\n")
        if at >= 0:
            doc = doc[:at] + "\n" + body + doc[at:]
        else:
            doc = doc.rstrip() + "\n\n" + body
    with open(doc_path, "w") as f:
        f.write(doc)
