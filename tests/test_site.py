"""The public site, built by `scoring publish` and driven in a real browser (Debian's chromium)."""

import functools
import http.server
import io
import json
import re
import shutil
import threading
from datetime import date
from pathlib import Path

import pytest
import segno
from test_registry import write_round, zj_workbook

from scoring.jobs import publish

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
HOSTILE = "<img src=x onerror=alert(1)>"
SITE_URL = "https://pingjia.example.cn/"
TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("site")
    wb = tmp / "workbooks"
    shutil.copytree(ROOT / "workbooks", wb)
    r2 = wb / "zj-skpw" / "2026-2"
    write_round(r2, "2026年度第二批运维服务能力评估结果", "2026-11-23")
    zj_workbook(r2 / "hostile.xlsx", HOSTILE, "5A", application="2026-10-01")
    zj_workbook(r2 / "b.xlsx", "金华青禾环保科技有限公司", "3A", application="2026-10-01")
    odd = wb / "hosting" / "2026 第二批 <b>"  # a round folder name must never become a path as is
    write_round(odd, "2026年度托管服务第二批", "2026-11-20")
    shutil.copy(next((wb / "hosting" / "2026").glob("*.xlsx")), odd / "x.xlsx")
    result = publish(wb, tmp / "public", TODAY, tmp / "registry.sqlite")
    return tmp, tmp / "public", result


@pytest.fixture(scope="module")
def server(built):
    tmp, public, _ = built
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(public))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--disable-quic",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.outside = []
    pg.dialogs = []
    pg.on("request", lambda r: pg.outside.append(r.url) if not r.url.startswith((server, "data:", "blob:")) else None)
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.console = []
    pg.on("console", lambda m: pg.console.append(m.text))
    pg.on("pageerror", lambda e: pg.console.append(str(e)))
    yield pg
    context.close()


def certificates(public):
    return json.loads((public / "data" / "certificates.json").read_text(encoding="utf-8"))


# --- the build --------------------------------------------------------------------------------------


def test_publish_builds_every_page_and_reports(built):
    tmp, public, result = built
    assert public.is_symlink() and (public / "index.html").exists()
    assert result.pages > 50 and result.report.certificates
    for p in (
        "zj-skpw/index.html",
        "zj-skpw/method/index.html",
        "zj-skpw/2026-1/index.html",
        "verify/index.html",
        "certificates/index.html",
        "notices/index.html",
        "data/index.html",
        "feed.xml",
        "data/results.csv",
    ):
        assert (public / p).exists(), p


def test_round_folder_names_never_become_paths(built):
    tmp, public, _ = built
    names = {p.name for p in (public / "hosting").iterdir()}
    assert not any("<" in n or " " in n for n in names) and any(n.startswith("r-") for n in names)


def test_nothing_private_is_published(built):
    tmp, public, _ = built
    text = "".join(
        p.read_text(encoding="utf-8", errors="ignore") for p in public.rglob("*") if p.is_file() and p.suffix in (".html", ".json", ".csv", ".xml")
    )
    for private in ("张三", "李四", "13800000000", "13900000000", "0571-88888888", "ops@example.com", "13546000000", "赵六", "王五"):
        assert private not in text, private


def test_hostile_text_is_escaped_everywhere(built):
    tmp, public, _ = built
    for p in public.rglob("*"):
        if p.is_file() and p.suffix in (".html", ".xml"):
            assert HOSTILE not in p.read_text(encoding="utf-8"), p
    feed = (public / "feed.xml").read_text(encoding="utf-8")
    assert "&lt;img" not in feed or "<img src=x" not in feed
    index = json.loads((public / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert not any("<img src=x" in d["title"] for d in index["docs"])


def test_no_google_fonts_or_cdn(built):
    tmp, public, _ = built
    html = (public / "index.html").read_text(encoding="utf-8")
    assert "fonts.googleapis" not in html and "fonts.gstatic" not in html
    assert not re.search(r'(src|href)="https?://(?!pingjia\.example\.cn)', html)


def test_feed_is_valid_atom_with_every_notice(built):
    from xml.etree import ElementTree as ET

    tmp, public, _ = built
    root = ET.parse(public / "feed.xml").getroot()
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    notices = json.loads((public / "data" / "notices.json").read_text(encoding="utf-8"))
    assert len(entries) == len(notices) > 0


def test_search_index_finds_any_two_characters_of_a_name(built):
    tmp, public, _ = built
    index = json.loads((public / "search" / "search_index.json").read_text(encoding="utf-8"))
    name = "金华青禾环保科技有限公司"
    org_docs = [d for d in index["docs"] if d["location"].startswith("org/")]
    doc = next(d for d in org_docs if "金华" in d["title"] or "金华" in d["text"])
    tokens = set(re.split(r"[\s\u200b\-]+", doc["text"]))
    for i in range(len(name) - 1):
        assert name[i : i + 2] in tokens, name[i : i + 2]
    assert len(json.dumps(index, ensure_ascii=False).encode()) < 2_000_000


# --- in the browser ------------------------------------------------------------------------------------


def test_verify_a_certificate_by_number(page, server, built):
    tmp, public, _ = built
    cert = next(c for c in certificates(public) if c["scheme"] == "zj-skpw" and c["status"] == "有效")
    page.goto(server + "verify/")
    page.wait_for_selector(".verify[data-ready='1']")
    page.fill(".verify input[name=n]", cert["number"])
    page.click(".verify button")
    row = page.locator(f".verify-result tr[data-number='{cert['number']}']")
    assert row.count() == 1
    assert "有效" in row.inner_text() and cert["org_name"] in row.inner_text()
    page.fill(".verify input[name=n]", "ZJSK-1999-9999")
    page.click(".verify button")
    assert "未查到" in page.locator(".verify-result").inner_text()
    assert page.outside == []


def test_verify_by_qr_target(page, server, built):
    tmp, public, _ = built
    cert = next(c for c in certificates(public) if c["scheme"] == "datong-filing")
    page.goto(server + f"certificates/{cert['number']}/")
    target = page.locator(".qr").get_attribute("data-target")
    assert target == f"{SITE_URL}verify/?n={cert['number']}"
    buf = io.BytesIO()
    segno.make(target, error="m").save(buf, kind="svg", scale=4, border=2, xmldecl=False, svgns=True, title=f"核验 {cert['number']}")
    expected_path = re.search(r' d="([^"]+)"', buf.getvalue().decode())[1]
    src = page.locator(".qr img").get_attribute("src")
    svg = page.request.get(page.url + src).text()
    assert expected_path in svg  # the QR code encodes exactly that address
    assert page.locator(".qr img").evaluate("img => img.complete && img.naturalWidth > 0")
    page.goto(server + target[len(SITE_URL) :])  # the same page, served locally
    page.wait_for_selector(".verify[data-ready='1']")
    row = page.locator(f".verify-result tr[data-number='{cert['number']}']")
    assert row.count() == 1 and "有效" in row.inner_text()


def search(page, text):
    """Query Material's search: it reads the box on keyup, and CJK text is inserted without key
    events, so set the text and then press a key that changes nothing."""
    page.click(".md-search__input")
    for _ in range(10):
        page.fill(".md-search__input", text)
        page.keyboard.press("End")
        try:
            page.wait_for_function(
                """t => document.querySelector('.md-search__input').value === t &&
                       document.querySelectorAll('.md-search-result__item').length > 0""",
                arg=text,
                timeout=3000,
            )
            page.wait_for_timeout(300)
            if page.locator(".md-search-result__item").count():
                return
        except Exception:
            continue
    page.screenshot(path=str(ROOT / "build" / "search-failure.png"))
    raise AssertionError(f"no search result for {text!r}; console: {page.console[-5:]}; box: {page.locator('.md-search').inner_text()[:200]!r}")


def test_find_an_organisation_by_a_chinese_fragment(page, server):
    page.goto(server)
    page.wait_for_load_state("networkidle")
    search(page, "青禾")
    hrefs = [a.get_attribute("href") for a in page.locator(".md-search-result__item a").all()]
    assert any("org/" in (h or "") for h in hrefs), (hrefs, page.locator(".md-search-result").inner_text()[:300])
    search(page, "禾环")  # a fragment across jieba's word boundary
    texts = page.locator(".md-search-result").inner_text()
    assert "青禾" in texts


def test_filter_and_sort_a_listing(page, server):
    page.goto(server + "zj-skpw/")
    rows = page.locator("table[data-listing] tbody tr")
    total = rows.count()
    page.select_option(".filters select[name=grade]", "5A")
    visible = [r for r in rows.all() if r.is_visible()]
    assert 0 < len(visible) < total and all(r.get_attribute("data-grade") == "5A" for r in visible)
    assert f"显示 {len(visible)} / {total}" in page.locator(".filters .count").inner_text()
    page.select_option(".filters select[name=grade]", "")
    page.click("button[data-sort=score]")
    scores = [float(r.get_attribute("data-score") or -1) for r in rows.all()]
    assert scores == sorted(scores, reverse=True)


def test_notice_period_countdown_at_a_fixed_today(page, server):
    page.goto(server + "zj-skpw/2026-2/")
    text = page.locator(".period").inner_text()
    assert "2026-11-23 至 2026-11-27" in text and "还剩 3 个工作日" in text  # 25, 26, 27 November


def test_a_hostile_name_shows_as_text_and_runs_nothing(page, server, built):
    tmp, public, _ = built
    code = next(r["credit_code"] for r in json.loads((public / "data" / "results.json").read_text(encoding="utf-8")) if r["org_name"] == HOSTILE)
    page.goto(server + f"org/{code}/")
    page.wait_for_timeout(300)
    assert page.locator("h1").inner_text() == HOSTILE
    assert page.locator("img[src=x]").count() == 0 and page.dialogs == []
    assert HOSTILE in page.title()
    page.goto(server + "zj-skpw/2026-2/")
    assert page.locator("img[src=x]").count() == 0 and page.dialogs == []


def test_no_request_leaves_the_site_and_screenshots(page, server, browser, built):
    out = ROOT / "build" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    tmp, public, _ = built
    cert = certificates(public)[0]["number"]
    pages = ["", "zj-skpw/", "zj-skpw/2026-1/", "zj-skpw/method/", "certificates/", f"certificates/{cert}/", "verify/", "data/", "notices/"]
    for width, height, tag in ((1280, 900, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        for path in pages:
            page.goto(server + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / f"{tag}-{path.strip('/').replace('/', '_') or 'home'}.png"))
    assert page.outside == [] and page.dialogs == []
