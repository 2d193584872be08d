"""Report charts as PNG bytes (matplotlib, Agg backend, no pyplot state) and data URIs for HTML.

Labels are data (unit names, theme titles): mathtext is off, so a `$...$` in a name is drawn as
typed and never parsed (it used to make the weekly report fail)."""
from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Callable, Sequence
from functools import wraps

import matplotlib

matplotlib.use("Agg")
from matplotlib.colors import BoundaryNorm, ListedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

LITERAL = {"text.parse_math": False, "text.usetex": False}


def literal_text(fn: Callable[..., bytes]) -> Callable[..., bytes]:
    """Build and save the figure with mathtext off: every label is drawn literally."""
    @wraps(fn)
    def run(*args, **kwargs) -> bytes:
        with matplotlib.rc_context(LITERAL):
            return fn(*args, **kwargs)
    return run


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return buf.getvalue()


def count_scale(vmax: int) -> tuple[ListedColormap, BoundaryNorm, list[int]]:
    """A colour scale for counts: 0 is white, one colour per integer up to vmax, integer ticks."""
    vmax = max(1, int(vmax))
    n = min(vmax, 9)
    base = matplotlib.colormaps["YlGnBu"]
    colours = ["#ffffff"] + [base(0.2 + 0.8 * i / max(n - 1, 1)) for i in range(n)]
    if vmax <= 9:
        bounds = [-0.5 + i for i in range(vmax + 2)]
    else:  # bins of equal width over 1..vmax
        step = (vmax - 0.5) / n
        bounds = [-0.5, 0.5] + [0.5 + step * (i + 1) for i in range(n)]
    ticks = list(range(0, vmax + 1)) if vmax <= 10 else sorted({0, *range(0, vmax + 1, max(1, vmax // 5)), vmax})
    return ListedColormap(colours), BoundaryNorm(bounds, len(colours)), ticks


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@literal_text
def heatmap_png(counts: Sequence[Sequence[int]], rows: Sequence[str], cols: Sequence[str], title: str) -> bytes:
    """Units (rows) x themes (columns) article counts; the scale starts at 0 (white, so gaps stand
    out) with integer ticks."""
    nr, nc = max(len(rows), 1), max(len(cols), 1)
    fig = Figure(figsize=(2.5 + 0.55 * nc, 1.2 + 0.28 * nr))
    ax = fig.add_subplot()
    data = [list(r) for r in counts] if counts else [[0] * nc]
    vmax = max(1, max((max(r) for r in data if r), default=1))
    cmap, norm, ticks = count_scale(vmax)
    im = ax.imshow(data, aspect="auto", cmap=cmap, norm=norm, interpolation="nearest")
    labels = [textwrap.shorten(c, 60, placeholder="…") for c in cols]
    labels = ["\n".join(textwrap.wrap(c, 28)) for c in labels]
    ax.set_xticks(range(len(cols)), labels=labels, rotation=60, ha="right", rotation_mode="anchor", fontsize=7)
    ax.set_yticks(range(len(rows)), labels=list(rows), fontsize=8)
    for i, r in enumerate(data):
        for j, v in enumerate(r):
            if v:
                ax.text(j, i, str(v), ha="center", va="center", fontsize=7,
                        color="white" if vmax >= 3 and v > 0.6 * vmax else "black")  # readable on light cells
    ax.set_title(title, fontsize=10)
    bar = fig.colorbar(im, ax=ax, shrink=0.6, label="Số bài", ticks=ticks)
    bar.ax.set_yticklabels([str(t) for t in ticks])
    return _png(fig)


@literal_text
def bar_png(values: dict[str, int], title: str, ylabel: str) -> bytes:
    """A bar per label (status counts, articles per month), integer axis, the value over each bar."""
    fig = Figure(figsize=(8, 3.6))
    ax = fig.add_subplot()
    labels, ys = list(values), [int(v) for v in values.values()]
    x = list(range(len(labels)))
    bars = ax.bar(x, ys, color="#2a7f62")
    ax.bar_label(bars, labels=[f"{v:,}".replace(",", ".") for v in ys], fontsize=8)
    ax.set_xticks(x, labels=["\n".join(textwrap.wrap(lb, 18)) for lb in labels], fontsize=8,
                  rotation=0 if len(labels) <= 6 else 45, ha="center" if len(labels) <= 6 else "right")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(ys + [1]) * 1.15)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


@literal_text
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
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _png(fig)
