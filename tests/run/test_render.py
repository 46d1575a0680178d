"""The HTML pass done on the page's text instead of nbconvert's BeautifulSoup pass."""

from pipeline.run.render import _accessible

OUTPUT = (
    '<div class="jp-RenderedHTMLCommon jp-RenderedHTML jp-OutputArea-output" '
    'data-mime-type="text/html">'
)


def test_output_areas_and_cell_content_get_keyboard_focus():
    page = f'<div class="jp-Cell-inputWrapper"><p>x</p></div>{OUTPUT}<p>y</p></div>'
    assert _accessible(page) == (
        '<div class="jp-Cell-inputWrapper" tabindex="0"><p>x</p></div>'
        '<div class="jp-RenderedHTMLCommon jp-RenderedHTML jp-OutputArea-output" '
        'data-mime-type="text/html" tabindex="0"><p>y</p></div>'
    )


def test_other_divs_and_focus_already_given_are_left_alone():
    page = (
        '<div class="jp-OutputArea">a</div>'
        '<div class="jp-OutputArea-output-like">b</div>'
        '<div tabindex="-1" class="jp-OutputArea-output">c</div>'
    )
    assert _accessible(page) == page


def test_an_image_without_alt_text_gets_the_placeholder_and_a_warning(caplog):
    page = '<img src="a.png"><img alt="Bar chart of rates" src="b.png">'
    out = _accessible(page)
    assert out == (
        '<img alt="No description has been provided for this image" src="a.png">'
        '<img alt="Bar chart of rates" src="b.png">'
    )
    assert "missing on 1 image" in caplog.text


def test_the_page_has_the_structure_nbconvert_itself_gives(tmp_path):
    """The exporter's own conversion, then nbconvert's closing pass through BeautifulSoup: the
    same document as the exporter skipping that pass and doing its work on the text."""
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from pipeline.report.html import TEMPLATES
    from pipeline.run.render import _exporter

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\n## A section\n\nSome *words* & a table."),
        nbformat.v4.new_code_cell(
            "x",
            outputs=[
                nbformat.v4.new_output(
                    "execute_result",
                    data={
                        "text/html": "<p>Figure</p><img src='data:image/png;base64,AA=='>",
                        "text/plain": "<HTML>",
                    },
                    execution_count=1,
                )
            ],
        ),
    ]
    ours, _ = _exporter().from_notebook_node(nb)
    stock = HTMLExporter(template_name="lac", extra_template_basedirs=[str(TEMPLATES)])
    stock.exclude_input = stock.exclude_input_prompt = stock.exclude_output_prompt = True
    theirs, _ = stock.from_notebook_node(nb)
    assert str(BeautifulSoup(ours, "html.parser")) == str(BeautifulSoup(theirs, "html.parser"))
    assert 'alt="No description has been provided for this image"' in ours
    assert ours.count('tabindex="0"') == theirs.count('tabindex="0"') >= 2
