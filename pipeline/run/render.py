"""Executed notebook -> stakeholder HTML: no input cells, no prompts, no parameters cells, nothing
fetched from the network (the `lac` nbconvert template in pipeline/report/templates)."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

from pipeline.report.html import TEMPLATES, add_contents

REMOVE_TAGS = {"parameters", "injected-parameters", "remove_cell"}


_EXPORTERS = threading.local()
# the opening tag of a cell's content or an output area, which nbconvert gives keyboard focus
_FOCUSABLE = re.compile(
    r'<div(?![^>]*\btabindex=)([^>]*\bclass="(?:[^"]*\s)?'
    r'(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?:\s[^"]*)?"[^>]*)>'
)
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)")


def _exporter():
    """This thread's HTML exporter: building one compiles the templates (0.25 s), so reuse it."""
    exporter = getattr(_EXPORTERS, "html", None)
    if exporter is None:
        from nbconvert import HTMLExporter
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
        from nbconvert.preprocessors import TagRemovePreprocessor
        from traitlets.config import Config

        config = Config()
        config.TagRemovePreprocessor.remove_cell_tags = REMOVE_TAGS
        config.TagRemovePreprocessor.enabled = True

        class Exporter(HTMLExporter):
            """nbconvert's HTML exporter without the schema check after each of its dozen
            preprocessors (the executed notebook was checked when read; none of them changes it
            in a way the schema cares about), and without its closing pass of the whole page
            through BeautifulSoup (0.1 s a page), which gives images without alt text a
            placeholder and output areas keyboard focus: both are done on the text instead."""

            def _validate_preprocessor(self, nbc, preprocessor):
                return None

            def from_notebook_node(self, nb, resources=None, **kw):
                language = nb.metadata.get("language_info", {})
                lexer = language.get("pygments_lexer", language.get("name"))
                resources = self._init_resources(resources)
                self.register_filter(
                    "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
                )
                data_types = WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources
                )
                self.register_filter("filter_data_type", data_types)
                page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
                return _accessible(page), resources

        exporter = Exporter(
            config=config, template_name="lac", extra_template_basedirs=[str(TEMPLATES)]
        )
        exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        _EXPORTERS.html = exporter
    return exporter


def _accessible(page: str) -> str:
    """What nbconvert's HTML exporter adds to a page: keyboard focus on each cell's content and
    output area, and a
    placeholder alt text (with a warning) on an image without one (the reports' have their own)."""
    page = _FOCUSABLE.sub(r'<div\1 tabindex="0">', page)
    missing = len(_IMG_WITHOUT_ALT.findall(page))
    if missing:
        import logging

        logging.getLogger(__name__).warning("Alternative text is missing on %s image(s).", missing)
        page = _IMG_WITHOUT_ALT.sub(
            '<img alt="No description has been provided for this image"', page
        )
    return page


def render_html(executed: Path, title: str, siblings=()) -> str:
    """HTML of an executed notebook: no input cells, no prompts, no parameters cells, nothing
    fetched from the network, links to the index and the month's reports (`siblings`: (file
    stem, title)), and a table of contents built from the level-2 headings."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    nb.metadata["title"] = title
    body, _ = _exporter().from_notebook_node(nb)
    return add_contents(body, siblings)


def notebook_title(notebook: Path) -> str:
    """A notebook's title: its first level-1 markdown heading (else its file name). Read as the
    plain JSON it is: no notebook library (and its schema validators) to import for one line."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else source
            for line in text.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return Path(notebook).stem
