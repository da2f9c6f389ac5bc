"""QR codes that open a certificate's verification: drawn by segno (no file, no network), the one
place that says how (error level M, scale 4, a 2-module border) for the site and the office."""

from __future__ import annotations

import io

__all__ = ["draw_qr", "qr_codes"]


def draw_qr(url: str, title: str | None = None, xmldecl: bool = True) -> str:
    """The QR code of `url` as SVG text (`title`: its accessible name)."""
    import segno  # only a night that draws codes pays for the import

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=4, border=2, xmldecl=xmldecl, svgns=True, title=title)
    return buf.getvalue().decode()


def _draw(job: tuple[str, str]) -> str:
    url, number = job
    return draw_qr(url, f"核验 {number}")


def qr_codes(cached: dict[str, str], urls: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """number -> QR code (SVG) of its verification address, from `cached` (url -> SVG) where drawn
    before, else drawn now (in parallel when many); and the ones drawn now (url -> SVG)."""
    missing = [(url, number) for number, url in urls.items() if url not in cached]
    if len(missing) >= 64:
        from ..workers import worker_pool

        with worker_pool() as pool:
            drawn = list(pool.map(_draw, missing, chunksize=32))
    else:
        drawn = [_draw(job) for job in missing]
    made = {url: svg for (url, _), svg in zip(missing, drawn)}
    return {number: made.get(url) or cached[url] for number, url in urls.items()}, made
