"""Small SVG charts made at build time (no JavaScript, no external library)."""

from __future__ import annotations

from html import escape  # quotes too: titles go into attributes

__all__ = ["bar_chart", "histogram"]

W, H, PAD = 560, 240, 36


def bar_chart(title: str, labels: list[str], values: list[int]) -> str:
    top = max(values + [1])
    n = max(len(values), 1)
    bw = (W - 2 * PAD) / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{W / 2}" y="18" text-anchor="middle" font-size="14">{escape(title)}</text>',
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#888"/>',
    ]
    for i, (label, v) in enumerate(zip(labels, values)):
        h = (H - 2 * PAD - 10) * v / top
        x = PAD + i * bw + bw * 0.15
        y = H - PAD - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw * 0.7:.1f}" height="{h:.1f}" fill="#009485"><title>{escape(label)}：{v}</title></rect>'
        )
        parts.append(f'<text x="{x + bw * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="12">{v}</text>')
        parts.append(f'<text x="{x + bw * 0.35:.1f}" y="{H - PAD + 16}" text-anchor="middle" font-size="12">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(title: str, totals: list[float], low: int = 0, high: int = 110, step: int = 10) -> str:
    edges = list(range(low, high, step))
    counts = [0] * len(edges)
    for t in totals:
        i = min(max(int((t - low) // step), 0), len(edges) - 1)
        counts[i] += 1
    labels = [f"{e}–" for e in edges]
    return bar_chart(title, labels, counts)
