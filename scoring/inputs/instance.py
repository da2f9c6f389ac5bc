"""An issuing body's own folder: `scoring.toml`, its workbooks, registry, site and office.

Every command run inside an instance (the folder holding `scoring.toml`, or any folder below it)
or given `--config FILE` reads it; command-line options override it. Paths in the file are
relative to its folder. Outside any instance the commands keep their plain defaults relative to
the working folder (`workbooks`, `public`, `registry.sqlite`), so scripts written for those keep
working. `init_instance` writes a new instance: the file, a workbooks skeleton with an example
round per scheme, a calendar template and a short 使用说明.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..fields import bad_character, visible
from ..rubric import load_rubric, scheme_ids
from ..tomlsafe import loads as toml_loads
from .applications import header_for
from .files import InputFileError, read_small_file

__all__ = ["Instance", "InstanceError", "find_instance", "load_instance", "init_instance", "CONFIG_NAME", "PATH_KEYS"]

CONFIG_NAME = "scoring.toml"
PATH_KEYS = {"workbooks": "workbooks", "out": "public", "db": "registry.sqlite", "office": "office", "logs": "logs", "overrides": "overrides"}
SITE_KEYS = ("title", "site_url", "issuer", "address", "phone", "email", "icp")
PLACEHOLDER_URL = "https://pingjia.example.org/"
MAX_CONFIG_BYTES = 256 * 1024  # scoring.toml is about 1 KB
MAX_SITE_TITLE = 100  # the header's one line
# printed as it is by MkDocs Material's own templates (<title>, the header, the navigation): a title
# may hold nothing that opens a tag or ends an attribute (an & only ever shows as text there)
MARKUP = '<>"'
# http(s), a host name (中文域名 too), an optional port and a path: nothing that ends an HTML
# attribute or a line (a `">` in site_url broke out of every page's canonical link), no query or
# fragment (page paths are appended to it)
SITE_URL = re.compile(r"https?://\w(?:[\w.-]{0,251}\w)?(?::[0-9]{1,5})?(?:/[^\s\"'<>\\`{}|^?#&]*)?")


class InstanceError(ValueError):
    """scoring.toml is missing something or holds something wrong (the message is Chinese)."""


@dataclass(frozen=True)
class Instance:
    root: Path  # the folder of scoring.toml
    schemes: tuple[str, ...]
    site: dict[str, str] = field(default_factory=dict)  # title, site_url, issuer, address, phone, email, icp
    paths: dict[str, Path] = field(default_factory=dict)  # absolute

    def path(self, key: str) -> Path:
        return self.paths[key]

    @property
    def issuer(self) -> dict[str, str]:
        """The issuer's public particulars, for the footer, notices and certificates."""
        return {k: self.site.get(k, "") for k in ("issuer", "address", "phone", "email", "icp")}


def find_instance(config: Path | None = None, start: Path | None = None) -> Instance | None:
    """`config` when given, else the nearest scoring.toml in `start` (default: the working folder)
    or a folder above it; None outside any instance."""
    if config is not None:
        return load_instance(config)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return load_instance(folder / CONFIG_NAME)
    return None


def load_instance(path: Path) -> Instance:
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise InstanceError(f"找不到配置文件 {path}")
    try:
        # a folder, a pipe (which would block) or a file far beyond any real configuration is refused unread
        raw = toml_loads(read_small_file(path, MAX_CONFIG_BYTES).decode("utf-8-sig"))  # Notepad saves UTF-8 with a BOM
    except InputFileError as exc:
        raise InstanceError(f"{path}：{exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{path} 格式有误：{exc}") from None
    known = set(scheme_ids())
    schemes = raw.get("schemes", sorted(known))
    if not isinstance(schemes, list) or not schemes or any(s not in known for s in schemes):
        raise InstanceError(f"{path}：schemes 应为以下评估类别中的一个或多个：{'、'.join(sorted(known))}")
    site = raw.get("site", {})
    if not isinstance(site, dict) or any(not isinstance(site.get(k, ""), str) for k in SITE_KEYS):
        raise InstanceError(f"{path}：[site] 中的 {'、'.join(SITE_KEYS)} 应为文字")
    check_site_settings(site, path)
    paths_raw = raw.get("paths", {})
    if not isinstance(paths_raw, dict) or any(not isinstance(v, str) for v in paths_raw.values()):
        raise InstanceError(f"{path}：[paths] 中的路径应为文字")
    unknown = set(paths_raw) - set(PATH_KEYS)
    if unknown:
        raise InstanceError(f"{path}：[paths] 中有未知的项 {'、'.join(sorted(unknown))}（可用：{'、'.join(PATH_KEYS)}）")
    root = path.resolve().parent
    # absolute, not resolved: `out` is a symbolic link to the current build and must stay the link
    paths = {k: Path(os.path.abspath(root / paths_raw.get(k, default))) for k, default in PATH_KEYS.items()}
    if paths["office"] == paths["out"] or paths["out"] in paths["office"].parents:
        raise InstanceError(f"{path}：office 目录不能放在网站输出目录 out 之内（office 中的文件不公开）")
    return Instance(root, tuple(schemes), {k: str(site.get(k, "")).strip() for k in SITE_KEYS}, paths)


def check_site_settings(site: dict, where: Path) -> None:
    """[site]'s values as the site prints them: each one line of visible characters; the title
    without markup and not over MAX_SITE_TITLE; site_url an http(s) address (SITE_URL)."""
    for key in SITE_KEYS:
        value = str(site.get(key, ""))
        why = bad_character(value, one_line=True)
        control = next((c for c in value if 0x7F <= ord(c) <= 0x9F), None)  # DEL and C1: XML allows them, TOML strings do not
        if why is None and control is not None:
            why = f"含有不可显示的控制字符（U+{ord(control):04X}）"
        if why is not None:
            raise InstanceError(f"{where}：[site] 中的 {key} {why}")
    title = str(site.get("title", "")).strip()
    if len(title) > MAX_SITE_TITLE or any(c in MARKUP for c in title):
        raise InstanceError(f"{where}：[site] 中的 title 应为一行、不超过 {MAX_SITE_TITLE} 个字符的网站名称，且不含 {' '.join(MARKUP)} 这些符号")
    url = str(site.get("site_url", ""))
    if url and not SITE_URL.fullmatch(url):
        raise InstanceError(f"{where}：site_url 应为网站地址，如 https://pingjia.example.org/，实际为“{visible(url)}”")


def _toml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def init_instance(folder: Path, schemes: list[str], title: str = "", issuer: str = "", site_url: str = "", today: date | None = None) -> list[Path]:
    """Create an instance in `folder` (which must not hold a scoring.toml yet); returns what was
    written. The example rounds are dated today, to be edited before real use."""
    folder = Path(folder)
    if (folder / CONFIG_NAME).exists():
        raise InstanceError(f"{folder / CONFIG_NAME} 已存在；不会覆盖已有的配置")
    today = today or date.today()
    check_site_settings({"title": title, "issuer": issuer, "site_url": site_url}, folder / CONFIG_NAME)  # nothing written when wrong
    issuer = issuer or "（发证单位名称）"
    title = title or f"{issuer} 运维服务机构能力评估结果公示"
    check_site_settings({"title": title}, folder / CONFIG_NAME)  # the title made from a long issuer
    written: list[Path] = []

    def write(rel: str, text: str) -> None:
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)

    write(
        CONFIG_NAME,
        f"""# 本机构的评估系统配置（scoring.toml）。本目录下运行的每个 scoring 命令都读取本文件；命令行参数优先。
schemes = [{", ".join(_toml_text(s) for s in schemes)}]   # 本机构开展的评估类别

[site]
title = {_toml_text(title)}
site_url = {_toml_text(site_url or PLACEHOLDER_URL)}   # 网站正式地址：二维码、订阅和规范链接都用它
issuer = {_toml_text(issuer)}                # 发证单位名称：证书、公告和每页页脚
address = ""                                  # 发证单位的公开联系方式，显示在每页页脚和公示页（异议受理）
phone = ""
email = ""
icp = ""                                      # ICP 备案号（可选），如 浙ICP备xxxxxxxx号

[paths]                                       # 相对于本文件所在目录
workbooks = "workbooks"
out = "public"
db = "registry.sqlite"
office = "office"
logs = "logs"
overrides = "overrides"                       # 可选：覆盖网站模板、样式和标志（overrides/theme、overrides/templates、overrides/assets）
""",
    )
    for scheme in schemes:
        rubric = load_rubric(scheme)
        key = f"{today.year}-1"
        write(
            f"workbooks/{scheme}/{key}/round.toml",
            f"""# 一个评估批次。把本批次填好的评估表（.xlsx）放在本目录；公示开始日期到了，夜间任务会自动公示、公告、发证。
title = "{today.year}年度第一批{rubric.short_title}结果"
notice_date = {today.isoformat()}   # 公示（或公布）开始日期：请改为实际日期
""",
        )
        if rubric.office.stages:  # applications in progress: the office dashboard tracks each stage's deadline
            write(f"workbooks/{scheme}/{key}/applications.csv", "\ufeff" + ",".join(header_for(rubric)) + "\n")
    write(
        "workbooks/calendar.toml",
        """# 工作日调整（可选）。公示期按国务院公布的节假日和调休安排计算工作日；
# chinesecalendar 尚未收录的年份（或有地方性调整时），在此写明当年的节假日和调休上班日：
# [2027]
# holidays = [2027-01-01, 2027-02-16]   # 放假的日子
# workdays = [2027-02-07]               # 调休上班的周末
""",
    )
    for keep in ("office/.keep", "logs/.keep", "overrides/README.md"):
        write(keep, "" if keep.endswith(".keep") else OVERRIDES_README)
    write("使用说明.md", USAGE.format(schemes="、".join(load_rubric(s).title for s in schemes)))
    return written


OVERRIDES_README = """# 网站外观覆盖（可选）

- `overrides/theme/`：覆盖 MkDocs Material 主题模板（如 `partials/logo.html`、`main.html`），与 Material 的 custom_dir 用法相同；
- `overrides/templates/`：覆盖页面模板（如 `home.md.j2`、`notice.md.j2`），同名文件优先；
- `overrides/assets/`：额外的样式与图片，如 `overrides/assets/css/site.css` 会替换默认样式，`overrides/assets/logo.png` 为标志。

不需要时可删除本目录。升级 scoring 不会改动这里的文件。
"""

USAGE = """# 使用说明

本目录是一个评估机构的工作目录（评估类别：{schemes}）。

1. 编辑 `scoring.toml`：网站名称、正式网址 `site_url`、发证单位及其公开联系方式、ICP 备案号。
2. 生成空白评估表：`scoring template <类别> -o 评估表.xlsx`，发给评估人员在 Excel 或 WPS 中填写。
3. 把填好的评估表放到 `workbooks/<类别>/<批次>/`，在 `round.toml` 中写明批次名称和公示开始日期。
4. 检查：`scoring check workbooks`（加 `--annotate 批注` 生成标出问题的副本，退回修改）。
5. 发布：`scoring publish`；预览：`scoring serve`，浏览器打开 http://127.0.0.1:8000/ 。
6. 每晚自动发布：见 README 的“部署”一节（cron 调用虚拟环境中 scoring 的绝对路径，日志在 `logs/`）。

证书的降级、撤销、注销、变更和退回，写在 `workbooks/<类别>/actions.csv` 中（或用 `scoring template actions -o 操作表.xlsx`
生成操作表，保存为 `workbooks/<类别>/actions.xlsx`），夜间任务自动执行并公告，同时在 `office/通知书/` 生成通知书。

办公文件（不公开）在 `office/`：证书与备案的打印文件（PDF，留有盖章位置，二维码指向网站核验页）、每个机构每批次的
评估报告或结果告知书、降级/撤销通知书、公示异议答复模板。用浏览器打开 `office/index.html`（工作台）查看申请进度、
逾期和 3 个工作日内到期的事项；命令行：`scoring office due`。申请进度写在各批次目录的 `applications.csv` 中
（第一行是列名：统一社会信用代码、单位名称、各阶段名称、终止、备注；各阶段填写到达的日期）；尚未确定公示日期的批次，
`round.toml` 中只写 title 即可。
`registry.sqlite`（登记库）和 `office/` 需要每日备份；网站目录 `public/` 可随时重新生成。
"""
