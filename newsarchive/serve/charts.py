"""Articles per day as a server-rendered SVG bar chart: no script, no external file, any browser."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

WIDTH, HEIGHT = 900, 180
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 40, 24, 10


def _nice_max(n: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50... that is at least n (the chart's top line)."""
    value = 1
    while True:
        for m in (1, 2, 5):
            if m * value >= n:
                return m * value
        value *= 10


def per_day_svg(counts: dict[date, int], start: date, end: date, label: str = "articles") -> str:
    """An SVG (a string of markup with everything escaped) of one bar per day from `start` to `end`,
    the days without articles left empty (never drawn as if they had some)."""
    days = (end - start).days + 1
    if days <= 0:
        days, end = 1, start
    plot_w, plot_h = WIDTH - PAD_LEFT - 6, HEIGHT - PAD_BOTTOM - PAD_TOP
    top = _nice_max(max(counts.values(), default=0))
    bar = plot_w / days
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-label="{escape(label)} per day from {start} to {end}">']
    for frac in (0, 0.5, 1):
        y = PAD_TOP + plot_h * (1 - frac)
        parts.append(f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - 6}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{round(top * frac)}</text>')
    for i in range(days):
        d = start + timedelta(days=i)
        n = counts.get(d, 0)
        if n:
            h = plot_h * n / top
            x = PAD_LEFT + i * bar
            parts.append(f'<rect class="bar" x="{x:.2f}" y="{PAD_TOP + plot_h - h:.2f}" width="{max(bar - 0.6, 0.6):.2f}" '
                         f'height="{h:.2f}"><title>{d.isoformat()}: {n} {escape(label)}</title></rect>')
    # month ticks (or year ticks on long ranges)
    step_year = days > 800
    d = start
    last_label_x = -100.0
    while d <= end:
        if (d.day == 1 and (not step_year or d.month == 1)) or d == start:
            x = PAD_LEFT + (d - start).days * bar
            parts.append(f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{PAD_TOP + plot_h}" y2="{PAD_TOP + plot_h + 4}"/>')
            if x - last_label_x > 48:
                text = d.strftime("%Y") if step_year else d.strftime("%Y-%m")
                parts.append(f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 6}">{text}</text>')
                last_label_x = x
        d += timedelta(days=1)
    parts.append("</svg>")
    return "".join(parts)
