"""Charts as inline SVG text: report.html draws with these and needs no plotting library,
no script and no network.

Each function takes plain numbers and labels and returns one ``<svg>`` element; every text
that comes from a run (titles, class names, feature names) is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
FONT = 'font-family="system-ui, sans-serif" font-size="11"'
INK, MUTED, ACCENT, GOOD, BAD = "#222", "#888", "#2b6cb0", "#2f855a", "#c53030"


@dataclass(frozen=True)
class Frame:
    """A plot area inside an SVG: data coordinates → pixels."""

    left: float
    top: float
    width: float
    height: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def x(self, value: float) -> float:
        low, high = self.x_range
        return self.left + (value - low) / (high - low) * self.width

    def y(self, value: float) -> float:
        low, high = self.y_range
        return self.top + self.height - (value - low) / (high - low) * self.height


def padded_range(values: Sequence[float], share: float = 0.05) -> tuple[float, float]:
    """The values' range with a margin; a single value gets a range around it."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    low, high = min(finite), max(finite)
    if high == low:
        spread = abs(low) * 0.1 or 1.0
        return low - spread, high + spread
    margin = (high - low) * share
    return low - margin, high + margin


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values between low and high for axis labels."""
    step = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(step)) if step > 0 else 1.0
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= step)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 12) for i in range(int((high - first) / step + 1e-9) + 1)]


def label(value: float) -> str:
    return f"{value:.4g}"


def _svg(height: float, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" '
            f'height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" {FONT}>'
            f"<title>{escape(title)}</title>" + "".join(body) + "</svg>")


def _axes(frame: Frame, x_title: str, y_title: str) -> list[str]:
    parts = [f'<rect x="{frame.left}" y="{frame.top}" width="{frame.width}" height="{frame.height}" '
             f'fill="none" stroke="{MUTED}" stroke-width="0.5"/>']
    for value in ticks(*frame.x_range):
        x = frame.x(value)
        parts.append(f'<line x1="{x:.1f}" y1="{frame.top + frame.height}" x2="{x:.1f}" '
                     f'y2="{frame.top + frame.height + 4}" stroke="{MUTED}"/>'
                     f'<text x="{x:.1f}" y="{frame.top + frame.height + 15}" text-anchor="middle" '
                     f'fill="{INK}">{label(value)}</text>')
    for value in ticks(*frame.y_range):
        y = frame.y(value)
        parts.append(f'<line x1="{frame.left - 4}" y1="{y:.1f}" x2="{frame.left + frame.width}" '
                     f'y2="{y:.1f}" stroke="#eee"/>'
                     f'<text x="{frame.left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'fill="{INK}">{label(value)}</text>')
    parts.append(f'<text x="{frame.left + frame.width / 2}" y="{frame.top + frame.height + 32}" '
                 f'text-anchor="middle" fill="{INK}">{escape(x_title)}</text>')
    parts.append(f'<text transform="translate(14 {frame.top + frame.height / 2}) rotate(-90)" '
                 f'text-anchor="middle" fill="{INK}">{escape(y_title)}</text>')
    return parts


def line_chart(points: Sequence[tuple[float, float]], steps: Sequence[tuple[float, float]],
               x_title: str, y_title: str, title: str) -> str:
    """Dots at ``points`` and a step line through ``steps`` (a best-so-far curve)."""
    xs = [x for x, _ in [*points, *steps]]
    ys = [y for _, y in [*points, *steps]]
    frame = Frame(70, 10, WIDTH - 90, 200, (0.0, padded_range(xs)[1]), padded_range(ys))
    parts = _axes(frame, x_title, y_title)
    if steps:
        path = [f"M{frame.x(steps[0][0]):.1f},{frame.y(steps[0][1]):.1f}"]
        for x, y in steps[1:]:
            path.append(f"H{frame.x(x):.1f}V{frame.y(y):.1f}")
        path.append(f"H{frame.x(frame.x_range[1]):.1f}")
        parts.append(f'<path d="{"".join(path)}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    parts += [f'<circle cx="{frame.x(x):.1f}" cy="{frame.y(y):.1f}" r="3.5" fill="{GOOD}" '
              f'fill-opacity="0.8"/>' for x, y in points]
    return _svg(frame.top + frame.height + 42, parts, title)


def bar_chart(bars: Sequence[tuple[str, float]], title: str, value_title: str,
              highlight: int | None = None) -> str:
    """Horizontal bars, one a row, labelled; ``highlight``: the index drawn in the accent."""
    name_width, row = 230, 20
    values = [v for _, v in bars]
    low = min(0.0, *values) if values else 0.0
    high = max(0.0, *values) if values else 1.0
    frame = Frame(name_width, 6, WIDTH - name_width - 70, row * max(1, len(bars)),
                  (low, high if high > low else low + 1.0), (0.0, 1.0))
    parts = []
    for number, (name, value) in enumerate(bars):
        y = frame.top + number * row
        start, end = sorted((frame.x(0.0), frame.x(value)))
        colour = ACCENT if number == highlight else "#90a4c0"
        shown = name if len(name) <= 36 else name[:35] + "…"
        parts.append(f'<text x="{name_width - 6}" y="{y + 14}" text-anchor="end" fill="{INK}">'
                     f"{escape(shown)}</text>"
                     f'<rect x="{start:.1f}" y="{y + 3}" width="{max(1.0, end - start):.1f}" '
                     f'height="{row - 6}" fill="{colour}"/>'
                     f'<text x="{end + 4:.1f}" y="{y + 14}" fill="{INK}">{label(value)}</text>')
    bottom = frame.top + frame.height
    parts.append(f'<text x="{frame.left + frame.width / 2}" y="{bottom + 16}" text-anchor="middle" '
                 f'fill="{MUTED}">{escape(value_title)}</text>')
    return _svg(bottom + 24, parts, title)


def scatter(points: Sequence[tuple[float, float]], x_title: str, y_title: str, title: str,
            reference: Sequence[tuple[float, float]] = (), zero_line: bool = False,
            connect: bool = False) -> str:
    """Points; ``reference``: a dashed line through these points (a diagonal, say);
    ``zero_line``: a horizontal line at y = 0; ``connect``: few points, joined in order and
    drawn large (a curve rather than a cloud)."""
    xs = [x for x, _ in [*points, *reference]]
    ys = [y for _, y in [*points, *reference]] + ([0.0] if zero_line else [])
    frame = Frame(70, 10, WIDTH - 90, 240, padded_range(xs), padded_range(ys))
    parts = _axes(frame, x_title, y_title)
    if zero_line:
        parts.append(f'<line x1="{frame.left}" y1="{frame.y(0):.1f}" x2="{frame.left + frame.width}" '
                     f'y2="{frame.y(0):.1f}" stroke="{BAD}" stroke-dasharray="4 3"/>')
    if len(reference) > 1:
        line = " ".join(f"{frame.x(x):.1f},{frame.y(y):.1f}" for x, y in reference)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{MUTED}" stroke-dasharray="4 3"/>')
    if connect and len(points) > 1:
        line = " ".join(f"{frame.x(x):.1f},{frame.y(y):.1f}" for x, y in points)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    radius, opacity = (4, 1.0) if connect else (2, 0.45)
    parts += [f'<circle cx="{frame.x(x):.1f}" cy="{frame.y(y):.1f}" r="{radius}" fill="{ACCENT}" '
              f'fill-opacity="{opacity}"/>' for x, y in points]
    return _svg(frame.top + frame.height + 42, parts, title)


def heatmap(matrix: Sequence[Sequence[float]], rows: Sequence[str], columns: Sequence[str],
            title: str, row_title: str, column_title: str) -> str:
    """A table of counts as shaded cells, each labelled with its count."""
    name_width, top, cell = 150, 100, max(18.0, min(44.0, (WIDTH - 160) / max(1, len(columns))))
    peak = max((v for line in matrix for v in line), default=0.0) or 1.0
    parts = [f'<text x="{name_width + cell * len(columns) / 2}" y="12" text-anchor="middle" '
             f'fill="{INK}">{escape(column_title)}</text>']
    for j, name in enumerate(columns):
        x = name_width + j * cell + cell / 2
        parts.append(f'<text transform="translate({x:.1f} {top - 6}) rotate(-60)" fill="{INK}">'
                     f"{escape(name[:18])}</text>")
    for i, (name, line) in enumerate(zip(rows, matrix, strict=True)):
        y = top + i * cell
        parts.append(f'<text x="{name_width - 6}" y="{y + cell / 2 + 4:.1f}" text-anchor="end" '
                     f'fill="{INK}">{escape(name[:22])}</text>')
        for j, value in enumerate(line):
            shade = value / peak
            text = INK if shade < 0.6 else "#fff"
            parts.append(f'<rect x="{name_width + j * cell:.1f}" y="{y:.1f}" width="{cell:.1f}" '
                         f'height="{cell:.1f}" fill="{ACCENT}" fill-opacity="{0.05 + 0.95 * shade:.2f}" '
                         f'stroke="#fff"/><text x="{name_width + j * cell + cell / 2:.1f}" '
                         f'y="{y + cell / 2 + 4:.1f}" text-anchor="middle" fill="{text}">'
                         f"{value:.0f}</text>")
    bottom = top + cell * len(rows)
    parts.append(f'<text transform="translate(12 {top + cell * len(rows) / 2:.1f}) rotate(-90)" '
                 f'text-anchor="middle" fill="{INK}">{escape(row_title)}</text>')
    return _svg(bottom + 10, parts, title)


@dataclass(frozen=True)
class TreeNode:
    """One attempt in the tree: its depth below the root, a label, and how it ended."""

    depth: int
    text: str
    state: str  # "valid", "probe", "failed", "best"


def tree(nodes: Sequence[TreeNode], title: str) -> str:
    """Rows in depth-first order, each indented by its depth, joined to its parent (the
    nearest row above it one level up) by an elbow line."""
    row, indent = 22, 22
    colours = {"valid": GOOD, "probe": MUTED, "failed": BAD, "best": ACCENT}
    parts = []
    last_at_depth: dict[int, int] = {}
    for number, node in enumerate(nodes):
        x, y = 12 + node.depth * indent, 12 + number * row
        parent = last_at_depth.get(node.depth - 1)
        if parent is not None:
            px, py = 12 + (node.depth - 1) * indent, 12 + parent * row
            parts.append(f'<path d="M{px},{py + 5}V{y}H{x - 5}" fill="none" stroke="{MUTED}"/>')
        last_at_depth[node.depth] = number
        radius = 6 if node.state == "best" else 4.5
        parts.append(f'<circle cx="{x}" cy="{y}" r="{radius}" fill="{colours[node.state]}"/>'
                     f'<text x="{x + 10}" y="{y + 4}" fill="{INK}">{escape(node.text)}</text>')
    return _svg(12 + len(nodes) * row, parts, title)
