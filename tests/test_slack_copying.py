"""/checksite --asin over Slack: the copying section reaches the channel through the real app in
HTTP mode (the fake Web API records it), with the copycat page and Amazon on the fixture web."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

pytest.register_assert_rewrite("tests.slack_fake")

from tests.fixtures.copying import site  # noqa: E402
from tests.fixtures.sites.server import Web, serve  # noqa: E402
from tests.slack_fake import SlackRig  # noqa: E402

pytest_plugins = ["tests.slack_fake"]


@pytest.fixture
def web() -> Iterator[Web]:
    with serve() as running:
        site.install(running)
        yield running


@pytest.fixture
def rig(start_slack: Callable[..., SlackRig], web: Web) -> SlackRig:
    return start_slack(allow_private_networks=True, allowed_ports=frozenset({web.port}),
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
