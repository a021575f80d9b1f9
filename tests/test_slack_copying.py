"""/checksite --asin over Slack: the copying section reaches the channel through the real app in
HTTP mode (the fake Web API records it), with the copycat page and Amazon on the fixture web."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.register_assert_rewrite("tests.slack_fake")

from tests.fixtures.copying import site  # noqa: E402
from tests.fixtures.copying.pictures import encode, photo  # noqa: E402
from tests.fixtures.sites.server import Web, serve  # noqa: E402
from tests.slack_fake import FakeSlack, SlackRig  # noqa: E402

pytest_plugins = ["tests.slack_fake"]


@pytest.fixture
def web() -> Iterator[Web]:
    with serve() as running:
        site.install(running)
        yield running


@pytest.fixture
def rig(start_slack: Callable[..., SlackRig], fake_slack: FakeSlack, web: Web) -> SlackRig:
    slack_port = int(fake_slack.url.rsplit(":", 1)[1])
    return start_slack(allow_private_networks=True, allowed_ports=frozenset({80, 443, web.port, slack_port}),
                       wayback_url=web.base, rdap_url=f"{web.base}/rdap",
                       amazon_url=f"{web.base}/amazon/{{marketplace}}/dp/{{asin}}", lookup_timeout=20.0)


def test_copying_section_in_slack(rig: SlackRig, web: Web) -> None:
    rig.command("/checksite", f"{web.base}{site.COPYCAT_PAGE} --asin B0SELLERIM")
    updated = rig.fake.wait_for("chat.update", timeout=60)[0]
    text = json.dumps(updated.params["blocks"], ensure_ascii=False)
    assert "Copying:" in text
    assert "3 of the 4 product photos compared on their page match your photos" in text
    assert "edited copy" in text
    uploads = rig.fake.wait_for("upload", 2, timeout=60)
    html = next(u.raw for u in uploads if b"<html" in u.raw[:2000].lower())
    assert b"Proof of copying" in html and b"data:image/jpeg;base64," in html


def test_photos_attached_in_slack_are_the_sellers(rig: SlackRig, web: Web) -> None:
    fake = rig.fake
    fake.private_files["/files-pri/T0SG-F0PHOTO01/lamp-main.jpg"] = encode(photo(1))
    web.files["/elsewhere/lamp.jpg"] = (encode(photo(1)), "image/jpeg")
    files = [
        {"id": "F0PHOTO01", "name": "lamp main.jpg", "filetype": "jpg", "mimetype": "image/jpeg",
         "url_private_download": f"{fake.url}/files-pri/T0SG-F0PHOTO01/lamp-main.jpg"},
        # Not on Slack's file host: never downloaded, so the bot token never goes there.
        {"id": "F0PHOTO02", "name": "other.jpg", "filetype": "jpg", "mimetype": "image/jpeg",
         "url_private_download": f"{web.base}/elsewhere/lamp.jpg"},
        {"id": "F0NOTES03", "name": "notes.pdf", "filetype": "pdf", "mimetype": "application/pdf",
         "url_private_download": f"{fake.url}/files-pri/T0SG-F0NOTES03/notes.pdf"},
    ]
    rig.event({"type": "message", "subtype": "file_share", "channel_type": "im", "user": "UALICE",
               "channel": "DALICE", "text": f"/checksite <{web.base}{site.COPYCAT_PAGE}>",
               "ts": "1700009100.000100", "files": files})
    updated = fake.wait_for("chat.update", timeout=60)[0]
    text = json.dumps(updated.params["blocks"], ensure_ascii=False)
    assert "the photos you supplied: 00-lamp_main.jpg" in text
    assert "1 of the 4 product photos compared on their page match your photos" in text
    downloads = fake.of("file_download")
    assert [d.path for d in downloads] == ["/files-pri/T0SG-F0PHOTO01/lamp-main.jpg"]
    headers = {k.lower(): v for k, v in downloads[0].headers.items()}
    assert headers["authorization"] == "Bearer xoxb-test"
    assert not any("/elsewhere/" in hit for hit in web.hits)


def test_a_saved_page_dropped_in_the_dm_is_read_offline(rig: SlackRig, web: Web) -> None:
    """A saved copy of the copycat's page sent alone: downloaded with the bot token, read like
    `sellerguard checksite --html` (the address comes from the file), nothing fetched from it."""
    fake = rig.fake
    saved = Path(__file__).parent / "fixtures" / "saved" / "sandy-throw-chrome.html"
    fake.private_files["/files-pri/T0SG-F0SAVED01/sandy-throw.html"] = saved.read_bytes()
    files = [{"id": "F0SAVED01", "name": "sandy-throw.html", "filetype": "html", "mimetype": "text/html",
              "url_private_download": f"{fake.url}/files-pri/T0SG-F0SAVED01/sandy-throw.html"}]
    hits = len(web.hits)
    rig.event({"type": "message", "subtype": "file_share", "channel_type": "im", "user": "UALICE",
               "channel": "DALICE", "text": "", "ts": "1700009200.000100", "files": files})
    posted = fake.wait_for("chat.postMessage", timeout=60)[-1]
    text = json.dumps(posted.params, ensure_ascii=False)
    assert "copycat-shop.com" in text and "2016-04-21" in text
    assert [d.path for d in fake.of("file_download")] == ["/files-pri/T0SG-F0SAVED01/sandy-throw.html"]
    assert len(web.hits) == hits  # read offline: the copycat's site is never asked

