"""MkDocs hooks for the generated site.

Pages whose front matter says `prebuilt: true` are written by our Jinja2 templates as finished,
escaped HTML: Markdown would only parse it again, at a cost larger than the rest of the page. The
hook hands their HTML straight to the theme (titles come from front matter; search still indexes
the content). Other pages may mark finished HTML blocks the same way (`<!--raw-->…<!--/raw-->`).
"""

import re

_stash: dict[str, str] = {}
_raw: dict[str, list[str]] = {}
# Finished HTML inside a Markdown page (a listing's table of thousands of rows) between these
# markers is set aside before Markdown and put back after: Python-Markdown would only scan it.
RAW = re.compile(r"<!--raw-->\n?(.*?)\n?<!--/raw-->", re.S)


def _token(i: int) -> str:
    return f"RAWBLOCK{i}X"


def on_page_markdown(markdown, page, config, files):
    if page.meta.get("prebuilt"):
        _stash[page.file.src_uri] = markdown
        return ""
    blocks: list[str] = []

    def keep(m):
        blocks.append(m[1])
        return f"\n\n{_token(len(blocks) - 1)}\n\n"

    markdown = RAW.sub(keep, markdown)
    if blocks:
        _raw[page.file.src_uri] = blocks
    return markdown


def on_page_content(html, page, config, files):
    if page.meta.get("prebuilt"):
        return _stash.pop(page.file.src_uri)
    for i, block in enumerate(_raw.pop(page.file.src_uri, [])):
        html = html.replace(f"<p>{_token(i)}</p>", block, 1)
    return html


def on_post_page(output, page, config):
    """Pagefind indexes what the page marks: the article of every page that is not excluded from
    search, never the tables marked `data-search-exclude` (listings, histories, notice tables)."""
    search = page.meta.get("search") or {}
    if not search.get("exclude"):
        output = output.replace(
            '<article class="md-content__inner md-typeset">', '<article class="md-content__inner md-typeset" data-pagefind-body>', 1
        )
    return output.replace("data-search-exclude", "data-search-exclude data-pagefind-ignore")
