"""MkDocs hooks for the generated site.

Pages whose front matter says `prebuilt: true` are written by our Jinja2 templates as finished,
escaped HTML: Markdown would only parse it again, at a cost larger than the rest of the page. The
hook hands their HTML straight to the theme (titles come from front matter; search still indexes
the content).
"""

_stash: dict[str, str] = {}


def on_page_markdown(markdown, page, config, files):
    if page.meta.get("prebuilt"):
        _stash[page.file.src_uri] = markdown
        return ""
    return markdown


def on_page_content(html, page, config, files):
    if page.meta.get("prebuilt"):
        return _stash.pop(page.file.src_uri)
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
