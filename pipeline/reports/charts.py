"""Report charts as PNG bytes (matplotlib, Agg backend, no pyplot state) and data URIs for HTML."""
from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return buf.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def heatmap_png(counts: Sequence[Sequence[int]], rows: Sequence[str], cols: Sequence[str], title: str) -> bytes:
    """Units (rows) x themes (columns) article counts; zero cells stay white so gaps stand out."""
    nr, nc = max(len(rows), 1), max(len(cols), 1)
    fig = Figure(figsize=(2.5 + 0.55 * nc, 1.2 + 0.28 * nr))
    ax = fig.add_subplot()
    data = [list(r) for r in counts] if counts else [[0] * nc]
    cmap = matplotlib.colormaps["YlGnBu"].with_extremes(under="white")  # zero cells stay white
    im = ax.imshow(data, aspect="auto", cmap=cmap, vmin=0.5, vmax=max(1, max(max(r) for r in data)),
                   interpolation="nearest")
    labels = [textwrap.shorten(c, 60, placeholder="…") for c in cols]
    labels = ["\n".join(textwrap.wrap(c, 28)) for c in labels]
    ax.set_xticks(range(len(cols)), labels=labels, rotation=60, ha="right", rotation_mode="anchor", fontsize=7)
    ax.set_yticks(range(len(rows)), labels=list(rows), fontsize=8)
    for i, r in enumerate(data):
        for j, v in enumerate(r):
            if v:
                ax.text(j, i, str(v), ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 * max(1, max(max(x) for x in data)) else "black")
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, shrink=0.6, label="Số bài")
    return _png(fig)


def trend_png(weeks: Sequence[str], series: dict[str, Sequence[int]], total: Sequence[int], title: str) -> bytes:
    """Articles per week over the last weeks: the total and each theme with any article."""
    fig = Figure(figsize=(10, 4.5))
    ax = fig.add_subplot()
    x = list(range(len(weeks)))
    ax.plot(x, list(total), color="black", linewidth=2.5, marker="o", label="Tổng số bài")
    for name, ys in series.items():
        if any(ys):
            ax.plot(x, list(ys), linewidth=1.2, marker=".", label=name)
    ax.set_xticks(x, labels=list(weeks), rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("Số bài")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _png(fig)
