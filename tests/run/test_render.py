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
