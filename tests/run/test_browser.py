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
    assert len(report_links) >= 3
    for n, link in enumerate(report_links[:3]):  # the newest month's three reports
        result = _open(browser, Path(urlparse(link).path), tmp_path / f"report{n}.png")
        _assert_local(result, rendered_outputs)
        tiles = browser.find_elements("css selector", ".tile")
        assert tiles and all(t.is_displayed() for t in tiles), f"{link}: tiles not visible"
        assert all(t.size["width"] > 100 and t.size["height"] > 40 for t in tiles)
        assert browser.find_element("css selector", "h1").is_displayed()
