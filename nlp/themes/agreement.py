"""Agreement between two annotators' theme labels, and merging them with a third's settlements.

The figure reported is the one `dev.jsonl` reports for its own annotators: micro-F1 of one annotator's
(record, theme) pairs against the other's, over the records both labelled. It is symmetric.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

AGREED = "agreed"    # both annotators gave the same set of themes
SETTLED = "settled"  # they differed; a third annotator decided


def agreement(a: Mapping[str, Sequence[str]], b: Mapping[str, Sequence[str]],
              theme_ids: Sequence[str]) -> dict:
    """Micro-F1 between annotators A and B, identical label sets, and per theme (A, B, both, F1)."""
    common = [i for i in a if i in b]
    per: dict[str, dict] = {}
    for t in theme_ids:
        na = sum(t in a[i] for i in common)
        nb = sum(t in b[i] for i in common)
        both = sum(t in a[i] and t in b[i] for i in common)
        per[t] = {"a": na, "b": nb, "both": both,
                  "f1": round(2 * both / (na + nb), 4) if na + nb else None}
    tp = sum(p["both"] for p in per.values())
    na = sum(p["a"] for p in per.values())
    nb = sum(p["b"] for p in per.values())
    return {"records": len(common), "identical": sum(set(a[i]) == set(b[i]) for i in common),
            "micro_f1": round(2 * tp / (na + nb), 4) if na + nb else 1.0, "per_theme": per}


def merge(a: Mapping[str, Sequence[str]], b: Mapping[str, Sequence[str]],
          final: Mapping[str, Sequence[str]]) -> tuple[dict[str, tuple[tuple[str, ...], str]], list[str]]:
    """The label of every record both annotators did: ({id: (themes, AGREED | SETTLED)}, pending ids).

    Where A and B agree that is the label (a third annotator has nothing to settle); where they differ
    the third annotator's (`final`) decides, and a record not settled yet is pending: left out of the
    training data rather than guessed.
    """
    out: dict[str, tuple[tuple[str, ...], str]] = {}
    pending: list[str] = []
    for i in a:
        if i not in b:
            continue
        sa, sb = tuple(sorted(set(a[i]))), tuple(sorted(set(b[i])))
        if sa == sb:
            out[i] = (sa, AGREED)
        elif i in final:
            out[i] = (tuple(sorted(set(final[i]))), SETTLED)
        else:
            pending.append(i)
    return out, pending
