"""Markdown as one self-contained HTML page, rendered by markdown-it-py (CommonMark and tables).

Images named by a relative path are inlined as base64 data URIs, so the page travels
as one file; text is escaped by the renderer.
"""

from __future__ import annotations

import base64
from pathlib import Path

STYLE = (
    "body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}"
    "table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;"
    "vertical-align:top}th{background:#f3f3f3}img{max-width:100%}code{background:#f5f5f5;padding:0 2px}"
    "pre{background:#f8f8f8;padding:1em;overflow:auto;font-size:12px}"
)


def to_html(md: str, img_dir: Path, title: str = "fastact accuracy report") -> str:
    """``md`` as an HTML page, PNGs from ``img_dir`` inlined."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(md)
    for tok in tokens:
        for child in tok.children or []:
            src = child.attrGet("src") if child.type == "image" else None
            if src and "://" not in src and not src.startswith("data:"):
                data = base64.b64encode((Path(img_dir) / str(src)).read_bytes()).decode("ascii")
                child.attrSet("src", f"data:image/png;base64,{data}")
    body = parser.renderer.render(tokens, parser.options, {})
    head = f'<head><meta charset="utf-8"><title>{title}</title><style>{STYLE}</style></head>'
    return f"<!DOCTYPE html>\n<html>{head}<body>\n{body}</body></html>\n"
