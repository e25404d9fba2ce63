"""The sections of docs/benchmarks.md.

put_section: a piece that a run other than a full bench/run writes (bench/run --recovery,
bench/storm, ...) replaces its previous text in place, from its heading to the next heading of
the same level, or goes in before the cluster section (only the forwarding figures follow it),
or at the end.

keep_hand_sections: what a full bench/run uses so that a section written into the document by
hand survives the document being assembled again.

Its examples run with `python3 -m doctest bench/section.py` (scripts/test does).
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


def split_sections(doc):
    """[(heading, text)]: the text before the first "## " heading (heading None), then each
    "## " section up to the next one; headings inside ``` blocks do not count."""
    sections, heading, lines, fenced = [], None, [], False
    for line in doc.splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            sections.append((heading, "".join(lines)))
            heading, lines = line.rstrip("\n"), []
        lines.append(line)
    sections.append((heading, "".join(lines)))
    return sections


def keep_hand_sections(previous, doc, generated):
    r"""Returns doc with every "## " section of previous that doc lacks put back after the
    section it followed there, and the headings so kept. Headings starting with one of
    generated are doc's own (their wording changes from run to run): never kept, but they
    place what follows them.

    >>> old = "# T\n\n## The run (1)\n\nx\n\n## By hand\n\nh\n\n## Notes\n\nn\n"
    >>> new = "# T\n\n## The run (2)\n\ny\n\n## Notes\n\nn\n"
    >>> doc, kept = keep_hand_sections(old, new, ("## The run",))
    >>> print(doc, end="")
    # T
    <BLANKLINE>
    ## The run (2)
    <BLANKLINE>
    y
    <BLANKLINE>
    ## By hand
    <BLANKLINE>
    h
    <BLANKLINE>
    ## Notes
    <BLANKLINE>
    n
    >>> kept
    ['## By hand']
    >>> keep_hand_sections(new, new, ("## The run",)) == (new, [])
    True
    """

    def key(heading):
        return next((g for g in generated if heading.startswith(g)), heading)

    result = split_sections(doc)
    kept, at = [], 0
    for heading, text in split_sections(previous):
        if heading is None:
            continue
        found = [i for i, (h, _) in enumerate(result) if h is not None and key(h) == key(heading)]
        if found:
            at = found[0]
        elif key(heading) == heading:
            at += 1
            result.insert(at, (heading, text))
            kept.append(heading)
    if not kept:
        return doc, kept
    # One blank line between sections, as the pieces are joined.
    parts = [text.rstrip("\n") + "\n" for _, text in result]
    return parts[0] + "".join("\n" + p for p in parts[1:]), kept
