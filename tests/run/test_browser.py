"""Real browser: the index and a report open in headless Chromium with the network off.

Checks that every link resolves, no request leaves the machine, the console has no errors, and the
headline content is visible; saves screenshots in the test's temp folder. Needs Debian's `chromium`
and `chromium-driver` (`.ci/run` installs them); set REQUIRE_BROWSER=1 to fail rather than skip
when they are missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("chromium / chromedriver not installed")
        pytest.skip("chromium / chromedriver not installed")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1200,900",
        "--allow-file-access-from-files",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    # network off: the page may only read local files
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    yield driver
    driver.quit()


def _requests(driver) -> list[str]:
    import json

    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _open(driver, path: Path, shot: Path) -> dict:
    driver.get(path.as_uri())
    driver.save_screenshot(str(shot))
    console = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    links = [a.get_attribute("href") for a in driver.find_elements("css selector", "a[href]")]
    return {"console": console, "requests": _requests(driver), "links": links}


def _assert_local(result, base: Path):
    remote = [
        u for u in result["requests"] if urlparse(u).scheme not in {"file", "data", "about", "blob"}
    ]
    assert remote == [], f"requests leaving the machine: {remote[:5]}"
    assert result["console"] == [], result["console"][:3]
    for href in result["links"]:
        parsed = urlparse(href)
        if parsed.scheme == "file":
            assert Path(parsed.path).exists(), f"broken link {href}"
        else:
            assert parsed.scheme in {"", "mailto"} or href.startswith("#") or "#" in href, href


def test_index_and_report_in_headless_chromium(browser, rendered_outputs, tmp_path):
    index = rendered_outputs / "index.html"
    result = _open(browser, index, tmp_path / "index.png")
    _assert_local(result, rendered_outputs)
    assert (tmp_path / "index.png").stat().st_size > 1000
    report_links = [h for h in result["links"] if h.endswith(".html")]
    assert report_links, "the index links no report"
    assert not any("/restricted/" in h for h in result["links"]), "restricted outputs are linked"
    assert len(report_links) >= 4
    assert "04_corporate_parenting_scorecard" in report_links[0], "the scorecard is not first"
    for n, link in enumerate(report_links[:4]):  # the newest month's four reports
        result = _open(browser, Path(urlparse(link).path), tmp_path / f"report{n}.png")
        _assert_local(result, rendered_outputs)
        tiles = browser.find_elements("css selector", ".tile")
        assert tiles and all(t.is_displayed() for t in tiles), f"{link}: tiles not visible"
        assert all(t.size["width"] > 100 and t.size["height"] > 40 for t in tiles)
        assert browser.find_element("css selector", "h1").is_displayed()


def _newest_reports(root: Path) -> list[Path]:
    months = sorted(p for p in root.iterdir() if p.is_dir() and p.name[:4].isdigit())
    return sorted(months[-1].glob("*.html"))


def test_pages_fit_a_390px_phone_without_horizontal_scroll(browser, rendered_outputs, tmp_path):
    browser.set_window_size(390, 844)
    try:
        for page in [rendered_outputs / "index.html", *_newest_reports(rendered_outputs)]:
            browser.get(page.as_uri())
            browser.save_screenshot(str(tmp_path / f"phone-{page.stem}.png"))
            inner = browser.execute_script("return window.innerWidth")
            wide = browser.execute_script("return document.documentElement.scrollWidth")
            assert wide <= inner, f"{page.name}: {wide}px wide on a {inner}px screen"
            for img in browser.find_elements("css selector", "figure img"):
                assert img.size["width"] <= inner, f"{page.name}: a chart is wider than the screen"
    finally:
        browser.set_window_size(1200, 900)


def test_index_and_reports_print_on_a4_with_header_and_page_numbers(
    browser, rendered_outputs, tmp_path
):
    import base64
    import io

    pypdf = pytest.importorskip("pypdf")
    for page in [rendered_outputs / "index.html", *_newest_reports(rendered_outputs)]:
        browser.get(page.as_uri())
        pdf = browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})
        data = base64.b64decode(pdf["data"])
        (tmp_path / f"{page.stem}.pdf").write_bytes(data)
        reader = pypdf.PdfReader(io.BytesIO(data))
        assert len(reader.pages) >= 1
        for n, sheet in enumerate(reader.pages, start=1):
            width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
            assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2, f"{page.name}: not A4"
            text = sheet.extract_text()
            assert f"Page {n} of {len(reader.pages)}" in text, f"{page.name} p{n}: no page number"
            assert "OFFICIAL" in text, f"{page.name} p{n}: no protective marking"
            header = "looked-after children reports" if page.stem == "index" else "January 2017"
            assert header in text, f"{page.name} p{n}: no running header"
