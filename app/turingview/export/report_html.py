"""``report.html``: a single self-contained HTML file (figures embedded as PNG data URIs)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from turingview.export.report_model import build_report

_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title.title }}</title>
<style>
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 13px; color: #1a1a1a;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 22px; margin-bottom: .2em; } h2 { font-size: 17px; border-bottom: 1px solid #bbb;
     padding-bottom: .2em; margin-top: 1.8em; }
.sub { color: #555; } .hash { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: 12px; }
caption { text-align: left; font-weight: bold; padding: .3em 0; }
th, td { padding: 3px 8px; border-bottom: 1px solid #ddd; }
th { background: #eef1f5; border-bottom: 1px solid #999; }
td.RIGHT, th.RIGHT { text-align: right; font-variant-numeric: tabular-nums; } td.LEFT, th.LEFT { text-align: left; }
figure { margin: 1em 0; } figure img { max-width: 100%; } figcaption { color: #444; font-size: 12px; }
.summary td:first-child { font-weight: bold; padding-right: 2em; }
footer { margin-top: 3em; color: #666; font-size: 11px; border-top: 1px solid #ccc; padding-top: .5em; }
</style></head><body>
<h1>{{ title.title }}</h1>
<p class="sub">{{ title.subtitle }}{% if title.generated %} &middot; generated {{ title.generated }}{% endif %}</p>
<p>Input SHA-256: <span class="hash">{{ title.hash }}</span></p>
<table class="summary"><caption>Summary</caption>
{% for k, v in title.summary %}<tr><td>{{ k }}</td><td>{{ v }}</td></tr>{% endfor %}
</table>
{% for s in sections %}
<h2>{{ s.title }}</h2>
{% for p in s.paragraphs %}<p>{{ p }}</p>{% endfor %}
{% for t in s.tables %}
<table><caption>{{ t.title }}</caption>
<tr>{% for c in t.columns %}<th class="{{ t.align[loop.index0] }}">{{ c }}</th>{% endfor %}</tr>
{% for row in t.rows %}<tr>{% for cell in row %}<td class="{{ t.align[loop.index0] }}">{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</table>{% if t.note %}<p class="sub">{{ t.note }}</p>{% endif %}
{% endfor %}
{% for src, caption in s.figures %}
<figure><img src="{{ src }}" alt="{{ caption }}"><figcaption>{{ caption }}</figcaption></figure>
{% endfor %}
{% endfor %}
<footer>TuringView {{ version }} &middot; input SHA-256 <span class="hash">{{ title.hash }}</span></footer>
</body></html>
"""


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def write_html(results: dict[str, Any], figures: dict[str, Path], path: Path) -> Path:
    """Render the report to a self-contained HTML file."""
    import jinja2

    title, sections = build_report(results, figures)
    for s in sections:
        s.figures = [(_data_uri(p), caption) for p, caption in s.figures]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    html = env.from_string(_TEMPLATE).render(title=title, sections=sections,
                                             version=results["provenance"]["software"]["turingview"])
    path.write_text(html, encoding="utf-8")
    return path
