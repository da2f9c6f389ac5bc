"""An issuing body's deployment, as the README tells it: build the wheel, install it in a fresh
virtual environment in an empty folder (the source tree not importable), `scoring init`, fill one
workbook, publish, and look at what a visitor gets: their own domain in QR codes, feed and
canonical links, the issuer in the footer, no trace of the placeholder domain."""

import json
import re
import site
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT

pytestmark = pytest.mark.slow  # a wheel built and installed in a fresh virtual environment

SITE_URL = "https://pingjia.zjhjjc.org.cn/"
ISSUER = "浙江省环境监测协会"


def qr_text(svg: Path) -> str:
    """Decode a segno SVG QR code: draw its one path (M/m moves, h runs of dark modules) into a
    bitmap and read it with zxing-cpp."""
    import zxingcpp

    root = ET.parse(svg).getroot()
    path = next(e for e in root.iter() if e.tag.endswith("path"))
    scale = re.search(r"scale\((\d+)\)", path.get("transform", ""))
    assert scale is not None
    size = int(float(root.get("width", "0"))) // int(scale[1])
    grid = np.full((size, size), 255, dtype=np.uint8)
    x = y = 0.0
    for op, a, b in re.findall(r"([MmHh])(-?[\d.]+)(?:\s+(-?[\d.]+))?", path.get("d", "")):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            n = float(a)
            grid[int(y), int(x) : int(x + n)] = 0
            x += n
    image = np.kron(grid, np.ones((8, 8), dtype=np.uint8))  # 8 px a module
    (found,) = zxingcpp.read_barcodes(image)
    return found.text


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deploy")
    dist = tmp / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)], check=True, timeout=600)
    (wheel,) = dist.glob("scoring-*.whl")
    # a fresh venv whose dependencies come from this environment's site-packages (a plain path in a
    # .pth: no .pth of this environment runs there, so no editable install of the checkout leaks in);
    # `scoring` itself comes only from the wheel
    subprocess.run([sys.executable, "-m", "venv", str(tmp / "venv")], check=True, timeout=300)
    py, scoring = tmp / "venv" / "bin" / "python", tmp / "venv" / "bin" / "scoring"
    own = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True)
    (Path(own.stdout.strip()) / "_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check", str(wheel)], check=True, timeout=300)
    home = tmp / "srv"
    home.mkdir()

    def run(*args, cwd=home, check=True):
        return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, check=check)

    where = run(py, "-c", "import scoring; print(scoring.__file__)").stdout
    assert str(tmp / "venv") in where and str(ROOT) not in where  # the wheel, not the checkout
    run(scoring, "init", "zjxh", "--scheme", "zj-skpw", "--title", f"{ISSUER} 运维服务能力评估结果公示", "--issuer", ISSUER, "--site-url", SITE_URL)
    inst = home / "zjxh"
    toml = (inst / "scoring.toml").read_text(encoding="utf-8")
    toml = toml.replace('address = ""', 'address = "杭州市西湖区某路 1 号"').replace('phone = ""', 'phone = "0571-00000000"')
    toml = toml.replace('icp = ""', 'icp = "浙ICP备00000000号"')
    (inst / "scoring.toml").write_text(toml, encoding="utf-8")
    run(scoring, "template", "zj-skpw", "-o", "空白评估表.xlsx", cwd=inst)
    fill = (
        "import random\n"
        "from scoring.samples import random_entry\n"
        "from scoring.excel.fill import fill_template\n"
        "v, t = random_entry('zj-skpw', random.Random(4), 1.0)\n"
        "v.update({f'mat_app_{i:02d}': '是' for i in range(1, 13)}, basic_1='是', basic_2='是', basic_3='是', basic_4='是')\n"
        "fill_template('zj-skpw', v, next(__import__('pathlib').Path('workbooks/zj-skpw').iterdir()) / '某运维公司.xlsx', t)\n"
    )
    run(py, "-c", fill, cwd=inst)
    assert run(scoring, "check", "workbooks", cwd=inst).returncode == 0
    published = run(scoring, "publish", "--today", "2026-12-31", cwd=inst)
    assert "已发布" in published.stdout
    return inst, run, scoring


def test_the_wheel_alone_publishes_the_instance_with_its_own_domain(instance):
    inst, _, _ = instance
    site = inst / "public"
    assert site.is_symlink() and (site / "index.html").is_file()
    assert (inst / "registry.sqlite").is_file() and not (site / "registry.sqlite").exists()
    (cert,) = json.loads((site / "data" / "certificates.json").read_text(encoding="utf-8"))
    svg = site / "certificates" / f"{cert['number']}.qr.svg"
    assert qr_text(svg) == f"{SITE_URL}verify/?n={cert['number']}"  # what a phone camera reads
    feed = ET.parse(site / "feed.xml").getroot()
    links = [e.get("href") for e in feed.iter() if e.tag.endswith("link")] + [e.text for e in feed.iter() if e.tag.endswith("id")]
    assert links and all(link.startswith(SITE_URL) for link in links)
    pages = [p for p in site.rglob("*.html")]
    canonical = [re.search(r'<link rel="canonical" href="([^"]+)"', p.read_text(encoding="utf-8")) for p in pages]
    assert all(m and m[1].startswith(SITE_URL) for m, p in zip(canonical, pages) if p.name != "404.html")
    text = "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*") if p.is_file() and p.suffix in (".html", ".xml", ".json", ".svg")
    )
    assert "example.cn" not in text and "example.org" not in text  # no placeholder domain anywhere


def test_the_wheel_alone_writes_the_office_outside_the_site(instance):
    inst, run, scoring = instance
    office = inst / "office"
    (pdf,) = office.glob("证书/zj-skpw/*.pdf")  # the templates travel in the wheel too
    assert pdf.read_bytes().startswith(b"%PDF-") and (office / "index.html").is_file()
    assert list(office.glob("评估报告/zj-skpw/*/*.pdf")) and list(office.glob("异议答复/zj-skpw/*/*.pdf"))
    assert not [p for p in (inst / "public").resolve().rglob("*") if p.suffix == ".pdf" or p.name == ".manifest.json"]
    due = run(scoring, "office", "due", "--today", "2026-12-31", cwd=inst)
    assert due.returncode == 0 and "没有逾期" in due.stdout  # scoring init's applications.csv is only a header


def test_every_page_names_the_issuer_and_the_404_is_chinese(instance):
    inst, _, _ = instance
    site = inst / "public"
    for page in [site / "index.html", *sorted(site.glob("notices/*/index.html"))]:
        footer = page.read_text(encoding="utf-8").split('class="md-copyright"', 1)[1]
        assert ISSUER in footer and "0571-00000000" in footer and "浙ICP备00000000号" in footer, page
    gongshi = next(p for p in site.glob("notices/*gongshi*/index.html"))
    assert f"向{ISSUER}提出" in gongshi.read_text(encoding="utf-8") and "杭州市西湖区某路 1 号" in gongshi.read_text(encoding="utf-8")
    (cert_page,) = [p for p in site.glob("certificates/*/index.html")]
    assert f"<td>{ISSUER}</td>" in cert_page.read_text(encoding="utf-8")
    missing = (site / "404.html").read_text(encoding="utf-8")
    assert "页面不存在" in missing and "Not found" not in missing


def test_commands_read_the_instance_and_overrides_apply(instance):
    inst, run, scoring = instance
    listing = run(scoring, "registry", "certificates", "--today", "2026-12-31", cwd=inst / "workbooks")  # found from a subfolder
    assert "ZJSK-2026-0001" in listing.stdout
    (inst / "overrides" / "assets" / "css").mkdir(parents=True)
    (inst / "overrides" / "assets" / "css" / "site.css").write_text(".md-header { background: #8a1c1c; }\n", encoding="utf-8")
    (inst / "overrides" / "templates").mkdir()
    home = (Path(ROOT) / "templates" / "home.md.j2").read_text(encoding="utf-8")
    (inst / "overrides" / "templates" / "home.md.j2").write_text(home + "\n本机构自定义的首页说明。\n", encoding="utf-8")
    assert "已发布" in run(scoring, "publish", "--today", "2026-12-31", cwd=inst).stdout  # overrides change the site
    site = inst / "public"
    assert "#8a1c1c" in (site / "assets" / "css" / "site.css").read_text(encoding="utf-8")
    assert "本机构自定义的首页说明" in (site / "index.html").read_text(encoding="utf-8")
    nightly = run(scoring, "nightly", "--today", "2026-12-31", cwd=inst)
    assert nightly.returncode == 0 and (inst / "logs" / "nightly-publish.log").is_file()
    (inst / "scoring.toml").write_text("schemes = [\n", encoding="utf-8")  # a broken setting: said, nothing run
    broken = run(scoring, "publish", cwd=inst, check=False)
    assert broken.returncode == 1 and broken.stderr.startswith("错误：") and "scoring.toml" in broken.stderr
