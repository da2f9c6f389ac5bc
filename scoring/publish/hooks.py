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
