"""The public site, built by `scoring publish` and driven in a real browser (Debian's chromium)."""

import functools
import http.server
import io
import json
import re
import shutil
import sqlite3
import threading
from datetime import date
from pathlib import Path

import pytest
import segno
from helpers import ROOT, write_round, zj_workbook

from scoring.jobs import publish

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
    with pytest.MonkeyPatch.context() as mp:  # search bundles of eight organisations: the browser merges several
        mp.setattr("scoring.publish.search.SEARCH_CHUNK", 8)
        result = publish(wb, tmp / "public", TODAY, tmp / "registry.sqlite")
        zj = [c for c in certificates(tmp / "public") if c["scheme"] == "zj-skpw" and c["status"] == "有效"]
        (wb / "zj-skpw" / "actions.csv").write_text(  # one certificate revoked, so its card has a date and a decision
            f"date,credit_code,action,detail,document_no\n2026-11-20,{zj[-1]['credit_code']},撤销,数据弄虚作假,浙环监协〔2026〕31号\n",
            encoding="utf-8",
        )
        publish(wb, tmp / "public", TODAY, tmp / "registry.sqlite")
    return tmp, tmp / "public", result  # the first run's report: the one that issued the certificates


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
    assert (public / "pagefind" / "main" / "pagefind.js").is_file()


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


@pytest.mark.slow
def test_verify_a_certificate_by_number(page, server, built):
    tmp, public, _ = built
    cert = next(c for c in certificates(public) if c["scheme"] == "zj-skpw" and c["status"] == "有效")
    page.goto(server + "verify/")
    page.wait_for_selector(".verify[data-ready='1']")
    pasted = "\u200b " + cert["number"].lower().replace("ZJSK", "ｚｊｓｋ").replace("-", "－") + " "  # as copied from a chat
    page.fill(".verify input[name=n]", pasted)
    page.click(".verify-form button")
    card = page.locator(f".verify-result .verify-card[data-number='{cert['number']}']")
    assert card.count() == 1
    assert card.locator(".verify-status").inner_text() == "有效"  # the status first
    assert card.locator(".verify-facts dd").first.evaluate("e => getComputedStyle(e).fontWeight") == "400"  # only the status stands out
    assert f"有效期至 {cert['expires']}" in card.inner_text() and cert["org_name"] in card.inner_text()
    for width in (1280, 390):  # the status is seen without scrolling sideways
        page.set_viewport_size({"width": width, "height": 800})
        box = card.locator(".verify-status").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.fill(".verify input[name=n]", "ZJSK-1999-9999")
    page.click(".verify-form button")
    assert "未查到" in page.locator(".verify-result").inner_text()
    assert page.outside == []


@pytest.mark.slow
def test_a_revoked_certificate_says_since_when_and_by_which_decision(page, server, built):
    tmp, public, _ = built
    status = {s["number"]: s for s in json.loads((public / "data" / "certificate-status.json").read_text(encoding="utf-8"))}
    ended = [c for c in certificates(public) if c["status"] in ("已撤销", "已换发", "已注销") and status[c["number"]]["document_no"]]
    assert ended, "the bundled actions end some certificates"
    cert = ended[0]
    page.goto(server + f"verify/?n={cert['number']}")
    page.wait_for_selector(".verify[data-ready='1']")
    card = page.locator(f".verify-card[data-number='{cert['number']}']")
    since = status[cert["number"]]
    assert card.locator(".verify-status").inner_text() == cert["status"]
    assert f"自 {since['status_since']} 起（{since['document_no']}）" in card.locator(".verify-since").inner_text()


@pytest.mark.slow
def test_bulk_verification_gives_a_table_and_a_csv(page, server, built):
    tmp, public, _ = built
    certs = certificates(public)
    wanted = [certs[0]["number"], certs[1]["credit_code"].lower(), "ZJSK-1999-9999"] + [certs[2]["number"]] * 600
    page.goto(server + "verify/")
    page.wait_for_selector(".verify[data-ready='1']")
    page.click(".verify-bulk summary")
    page.fill(".bulk-form textarea", "\n".join(wanted))
    page.click(".bulk-form button")
    rows = page.locator(".bulk-table tr")
    assert rows.count() == 1 + 500  # at most 500 checked, and it says so
    assert "超过 500 条的部分未核验" in page.locator(".bulk-count").inner_text()
    first, second, missing = (rows.nth(i).inner_text() for i in (1, 2, 3))
    assert certs[0]["number"] in first and certs[0]["status"] in first
    assert certs[1]["credit_code"] in second and "未查到" in missing
    with page.expect_download() as info:
        page.click(".bulk-csv")
    text = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("输入,证书/备案编号") and len(lines) == 501 and certs[0]["number"] in lines[1]
    assert page.outside == []


@pytest.mark.slow
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
    card = page.locator(f".verify-result .verify-card[data-number='{cert['number']}']")
    assert card.count() == 1 and card.locator(".verify-status").inner_text() == "有效"


def search(page, text) -> list[tuple[str, str, str]]:
    """Search from the header's box as a visitor does: (title, link, summary) of each result."""
    page.fill(".site-search input", text)
    page.press(".site-search input", "Enter")
    page.wait_for_selector(".search-results[data-done='1']", timeout=15000)
    return [
        (h.locator("a").inner_text(), h.locator("a").get_attribute("href") or "", h.locator(".search-summary").inner_text())
        for h in page.locator(".search-hit").all()
    ]


@pytest.mark.slow
def test_find_an_organisation_by_any_two_characters_of_its_name(page, server):
    name = "金华青禾环保科技有限公司"
    page.goto(server)
    for i in range(len(name) - 1):  # every fragment, also across word boundaries (禾环, 技有)
        page.goto(server)
        hits = search(page, name[i : i + 2])
        assert any(t == name and "org/" in h for t, h, _ in hits), (name[i : i + 2], hits[:3])
    title, _, summary = next(hit for hit in hits if hit[0] == name)
    assert "\u200b" not in title and summary.startswith("统一社会信用代码")  # clean: no fragment list, no U+200B
    page.goto(server + "search/?q=ＺＪＳＫ")  # full-width letters, pasted
    page.wait_for_selector(".search-results[data-done='1']")
    assert page.locator(".search-hit").count() > 0
    assert page.outside == []


@pytest.mark.slow
def test_search_merges_the_hub_pages_and_every_organisations_bundle(page, server, built):
    """The index is bundles (hub pages; organisations by registration order, eight per bundle
    here): an organisation of the first bundle, one of the last and a notice are all found."""
    tmp, public, _ = built
    bundles = json.loads((public / "pagefind" / "bundles.json").read_text(encoding="utf-8"))
    assert len(bundles) >= 3 and all((public / "pagefind" / b / "pagefind-entry.json").is_file() for b in bundles)
    con = sqlite3.connect(tmp / "registry.sqlite")
    codes = [c for (c,) in con.execute("SELECT credit_code FROM organisations ORDER BY rowid")]
    con.close()
    for code in (codes[0], codes[-1]):
        page.goto(server)
        assert any(f"org/{code}/" in link for _, link, _ in search(page, code)), code
    page.goto(server)
    assert any("notices/" in link for _, link, _ in search(page, "第二批运维服务能力评估结果"))


@pytest.mark.slow
def test_search_downloads_only_what_it_needs(page, server, built):
    """No search index on ordinary pages; the search page fetches Pagefind's chunks, not the whole index."""
    tmp, public, _ = built
    sizes: dict[str, int] = {}
    page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body())) if r.ok and "/pagefind/" in r.url else None)
    page.goto(server + "zj-skpw/")
    page.wait_for_load_state("networkidle")
    assert sizes == {} and not (public / "search" / "search_index.json").exists()
    search(page, "青禾")
    chunks = sum(1 for u in sizes if u.endswith(".pf_index"))
    total = sum(p.stat().st_size for p in public.glob("pagefind/*/index/*.pf_index"))
    assert 1 <= chunks and sum(n for u, n in sizes.items() if u.endswith(".pf_index")) <= total


@pytest.mark.slow
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


@pytest.mark.slow
def test_notice_period_countdown_at_a_fixed_today(page, server):
    page.goto(server + "zj-skpw/2026-2/")
    text = page.locator(".period").inner_text()
    assert "2026-11-23 至 2026-11-27" in text and "还剩 3 个工作日" in text  # 25, 26, 27 November


@pytest.mark.slow
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


@pytest.mark.slow
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


# --- the public site, issue 14: verify first, phone first, accessible, embeddable ----------------------

AXE = ROOT / ".cache" / "axe-core" / "axe.min.js"  # fetched by scripts/setup test (npm pack axe-core)


def page_types(public) -> list[str]:
    """One page of every kind the site has."""
    cert = certificates(public)[0]["number"]
    notices = sorted(p.parent.name for p in (public / "notices").glob("*/index.html"))
    org = next(p.parent.name for p in (public / "org").glob("*/index.html"))
    kinds: dict[str, str] = {}
    for n in notices:
        kinds.setdefault(n.split("-")[3], n)  # one notice of each kind (gongshi, gonggao, …)
    return (
        ["", "zj-skpw/", "zj-skpw/2026-1/", "zj-skpw/method/", "datong-filing/", "xuzhou-service/", "certificates/", f"certificates/{cert}/"]
        + ["verify/", "data/", "notices/", f"org/{org}/", "about/"]
        + [f"notices/{n}/" for n in kinds.values()]
    )


@pytest.mark.slow
def test_every_page_type_fits_a_phone_and_has_no_serious_accessibility_violation(page, server, built):
    if not AXE.exists():
        pytest.skip("axe-core not fetched (scripts/setup test fetches it with npm)")
    tmp, public, _ = built
    out = ROOT / "build" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    found = {}
    for width, height, tag in ((390, 844, "phone"), (1280, 900, "desktop")):
        page.set_viewport_size({"width": width, "height": height})
        for path in page_types(public):
            page.goto(server + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / f"{tag}-{path.strip('/').replace('/', '_') or 'home'}.png"), full_page=True)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, (path, width, wide)  # tables scroll in their own box
            if tag == "phone":
                page.add_script_tag(path=str(AXE))
                result = page.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})")
                bad = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"] if v["impact"] in ("serious", "critical")]
                if bad:
                    found[path] = bad
    assert found == {}
    assert page.outside == []


@pytest.mark.slow
def test_the_verify_box_is_reached_in_three_tab_presses(page, server):
    page.goto(server + "verify/")
    page.wait_for_selector(".verify[data-ready='1']")
    for _ in range(3):  # as the page opens (the box has autofocus), then up to three Tab presses
        if page.evaluate("document.activeElement && document.activeElement.id") == "verify-n":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement && document.activeElement.id") == "verify-n"
    assert page.locator("label[for=verify-n]").count() == 1


@pytest.mark.slow
def test_listings_filter_by_province_and_city_and_order_results_by_rank(page, server, built):
    tmp, public, _ = built
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone the result is seen without scrolling
    page.goto(server + "zj-skpw/")
    badge = page.locator("table[data-listing] tbody tr .grade-badge").first.bounding_box()
    assert badge and badge["x"] + badge["width"] <= 390
    page.set_viewport_size({"width": 1280, "height": 900})
    box = page.locator(".filters").first
    assert box.locator("select[name=grade] option").all_inner_texts()[1:] == ["5A", "4A", "3A", "2A", "不合格"]
    rows = page.locator("table[data-listing] tbody tr")
    total = rows.count()
    provinces = box.locator("select[name=province] option").all_inner_texts()[1:]
    assert "浙江省" in provinces
    box.locator("select[name=province]").select_option("浙江省")
    shown = [r for r in rows.all() if r.is_visible()]
    assert 0 < len(shown) <= total and all(r.get_attribute("data-province") == "浙江省" for r in shown)
    cities = [o for o in box.locator("select[name=city] option").all()[1:] if not o.get_attribute("hidden") and o.evaluate("o => !o.hidden")]
    city = cities[0].inner_text()
    box.locator("select[name=city]").select_option(city)
    assert all(r.get_attribute("data-city") == city for r in rows.all() if r.is_visible())
    box.locator("select[name=province]").select_option("")
    box.locator("select[name=city]").select_option("")
    box.locator("button[data-sort=rank]").click()
    ranks = [int(r.get_attribute("data-rank")) for r in rows.all()]
    assert ranks == sorted(ranks)  # best first
    page.goto(server + "datong-filing/")
    assert page.locator("button[data-sort=score]").count() == 0  # filings have no scores
    assert page.locator(".filters select[name=grade] option").all_inner_texts()[1:] == ["准予备案", "不予备案"]
    page.goto(server + "xuzhou-service/")
    assert page.locator("table[data-listing] .grade-badge", has_text="基本要求").count() > 0
    results = json.loads((public / "data" / "results.json").read_text(encoding="utf-8"))
    assert {type(r["eligible"]) for r in results if r["scheme"] == "xuzhou-service"} == {bool}
    assert {r["eligible"] for r in results if r["scheme"] != "xuzhou-service"} == {None}


@pytest.mark.slow
def test_each_certificate_has_a_record_a_badge_and_a_snippet(page, server, built):
    tmp, public, _ = built
    cert = next(c for c in certificates(public) if c["status"] == "有效")
    record = json.loads((public / "certificates" / f"{cert['number']}.json").read_text(encoding="utf-8"))
    assert {k: record[k] for k in cert} == cert and record["organisation"]["credit_code"] == cert["credit_code"]
    assert record["verify_url"] == f"{SITE_URL}verify/?n={cert['number']}"
    badge = (public / "certificates" / f"{cert['number']}.svg").read_text(encoding="utf-8")
    assert "有效" in badge and "#1b7f3b" in badge and badge.startswith("<svg")
    page.goto(server + f"certificates/{cert['number']}/")
    assert page.locator("img.badge").evaluate("img => img.complete && img.naturalWidth > 0")
    snippet = page.locator("#embed-code").input_value()
    assert snippet.startswith(f'<a href="{SITE_URL}verify/?n={cert["number"]}"><img src="{SITE_URL}certificates/{cert["number"]}.svg"')
    hostile = next((c for c in certificates(public) if c["org_name"] == HOSTILE), None)
    if hostile:  # a name is data in the embedder's page too
        page.goto(server + f"certificates/{hostile['number']}/")
        assert "&lt;img src=x" in page.locator("#embed-code").input_value()


def test_feeds_say_who_what_and_until_when_and_each_scheme_has_one(built):
    from xml.etree import ElementTree as ET

    tmp, public, _ = built
    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.parse(public / "zj-skpw" / "feed.xml").getroot()
    entries = root.findall(f"{atom}entry")
    notices = [n for n in json.loads((public / "data" / "notices.json").read_text(encoding="utf-8")) if n["scheme"] == "zj-skpw"]
    assert len(entries) == len(notices) > 0
    gonggao = next(e for e in entries if e.find(f"{atom}category").get("term") == "公告")
    summary = gonggao.find(f"{atom}summary").text
    cert = next(c for c in certificates(public) if c["scheme"] == "zj-skpw")
    assert any(c["org_name"] in summary for c in certificates(public)) and "有效期至" in summary and cert["grade"] in summary


@pytest.mark.slow
def test_notices_name_the_issuer_and_the_validity(page, server, built):
    tmp, public, _ = built
    page.goto(server + "notices/")
    link = page.locator("a", has_text="公告").filter(has_text="刷卡排污").first
    link.click()
    text = page.locator("article").inner_text()
    assert "有效期至" in text and "发布单位：浙江省环境监测协会" in text


@pytest.mark.slow
def test_a_notice_prints_on_a4_without_navigation_with_its_address(page, server, built):
    tmp, public, _ = built
    notice = sorted((public / "notices").glob("*gongshi*/index.html"))[0].parent.name
    page.goto(server + f"notices/{notice}/")
    page.emulate_media(media="print")
    assert not page.locator(".md-header").is_visible() and not page.locator(".md-sidebar--primary").is_visible()
    footer = page.locator(".print-footer")
    assert footer.is_visible() and page.url in footer.inner_text() and "打印日期" in footer.inner_text()
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    size = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert size and (round(float(size[1])), round(float(size[2]))) == (595, 842)  # A4 in points


def test_open_data_has_a_data_package_and_excel_copies(built):
    from openpyxl import load_workbook

    tmp, public, _ = built
    package = json.loads((public / "data" / "datapackage.json").read_text(encoding="utf-8"))
    paths = {r["path"] for r in package["resources"]}
    assert {"certificates.csv", "certificates.xlsx", "results.xlsx", "notices.xlsx", "datapackage.json"} - paths == {"datapackage.json"}
    assert all((public / "data" / p).is_file() for p in paths)
    assert all(f["title"] and f["description"] is not None for r in package["resources"] for f in r["schema"]["fields"])
    assert package["licenses"] and package["updateFrequency"]
    ws = load_workbook(public / "data" / "certificates.xlsx").active
    assert [c.value for c in ws[1]][:2] == ["证书/备案编号", "评估方案"] and ws.max_row == 1 + len(certificates(public))


def test_an_organisation_is_named_from_its_own_round_not_from_the_night_it_was_read(built):
    tmp, public, _ = built
    cert = next(c for c in certificates(public) if c["scheme"] == "zj-skpw")
    page = (public / "org" / cert["credit_code"] / "index.html").read_text(encoding="utf-8")
    since = re.search(r"名称与地址（自 (\d{4}-\d\d-\d\d)）", page)
    assert since and since[1] <= cert["issued"]


def test_detail_pages_are_the_sites_own_shell_with_their_content(built):
    """Organisation and certificate pages are assembled from a shell MkDocs built: the theme's
    header and footer, the page's own title, canonical address and body; organisation pages are
    searched, certificate pages are not (as their front matter says); no shell is left behind."""
    tmp, public, _ = built
    site = public.resolve()
    assert not list(site.glob("*/_shell")) and "_shell" not in (site / "sitemap.xml").read_text(encoding="utf-8")
    orgs, certs = sorted(site.glob("org/*/index.html")), sorted(site.glob("certificates/*/index.html"))
    assert orgs and certs
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    for page in orgs + certs:
        text = page.read_text(encoding="utf-8")
        url = f"{SITE_URL}{page.parent.relative_to(site)}/"
        assert f'<link rel="canonical" href="{url}">' in text and f"<loc>{url}</loc>" in sitemap
        assert "@@SHELL" not in text and text.count("<h1") == 1 and '<header class="md-header' in text and 'class="md-copyright"' in text
        assert ("data-pagefind-body" in text) == (page in orgs)
    hostile = next(p for p in orgs if "&lt;img" in p.read_text(encoding="utf-8"))
    assert "<img src=x" not in hostile.read_text(encoding="utf-8")  # the title and the body stay escaped
    sizes = [p.stat().st_size for p in orgs + certs]
    assert sum(sizes) / len(sizes) < 9000  # no navigation, the theme's indentation compacted
