#!/usr/bin/env python3
"""Search at scale, as a visitor on a slow phone meets it: Material's search plugin (the whole
index, fetched by a worker on every page) against Pagefind (a chunked index fetched as the words
need it), on the same N-organisation site, in the same run.

A visitor opens the home page and searches for two characters of an organisation's name. Measured
in Debian's chromium with Lighthouse's mobile profile (150 ms round trip, 1.6 Mbit/s down, CPU
slowed 4×): bytes downloaded from opening the page until the first result shows, and the time.

    python scripts/bench_search.py [--orgs 10000] [--query 青禾]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_publish import ROOT, publish_command, samples  # noqa: E402

PROFILE = {"latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 0.75e6 / 8, "offline": False}
CPU_SLOWDOWN = 4


def build(src: Path, work: Path, material: bool) -> Path:
    if os.environ.get("BENCH_REUSE") and (work / "site" / "index.html").is_file():
        return work / "site"  # BENCH_REUSE=1: keep a site built by an earlier run
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = dict(os.environ, SCORING_MATERIAL_SEARCH="1" if material else "0")
    subprocess.run(publish_command(src, work), cwd=work, env=env, check=True, capture_output=True)
    return work / "site"


def serve(site: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/", httpd


def measure(browser, base: str, query: str, material: bool) -> tuple[int, float]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", PROFILE)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    sizes: list[int] = []
    page.on("requestfinished", lambda r: sizes.append(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]))
    start = time.perf_counter()
    page.goto(base, wait_until="domcontentloaded")
    if material:
        page.click("label[for=__search]")  # on a phone the box opens from the header's magnifier
        page.fill(".md-search__input", query)
        page.keyboard.press("End")
        while not page.locator(".md-search-result__item").count():
            page.keyboard.press("End")  # Material reads the box on keyup; CJK input sends none
            page.wait_for_timeout(200)
    else:
        page.fill(".site-search input", query)
        page.press(".site-search input", "Enter")
        page.wait_for_selector(".search-hit", timeout=600_000)
    seconds = time.perf_counter() - start
    page.wait_for_timeout(300)  # responses already on their way count too
    context.close()
    return sum(sizes), seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orgs", type=int, default=10000)
    ap.add_argument("--query", default="青禾")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    src = samples(args.orgs)
    sites = {name: build(src, ROOT / "bench-tmp" / f"search-{name}-{args.orgs}", name == "material") for name in ("material", "pagefind")}
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; {args.orgs} organisations; query {args.query!r}"
    )
    print(f"profile: {PROFILE['latency']} ms RTT, {PROFILE['downloadThroughput'] * 8 / 1e6:.1f} Mbit/s down, CPU ×{CPU_SLOWDOWN}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for name, site in sites.items():
            base, httpd = serve(site)
            index = site / ("search/search_index.json" if name == "material" else "pagefind")
            on_disk = index.stat().st_size if index.is_file() else sum(f.stat().st_size for f in index.rglob("*") if f.is_file())
            bytes_, seconds = measure(browser, base, args.query, name == "material")
            print(
                f"{name}: index on disk {on_disk / 1e6:.2f} MB; downloaded before the first result {bytes_ / 1e6:.2f} MB; time to first result {seconds:.1f} s"
            )
            httpd.shutdown()
        browser.close()


if __name__ == "__main__":
    main()
