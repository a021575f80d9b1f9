"""The pictures a shop page shows are the ones the copy check reads: lazy-loaded attributes,
srcset lists, `<picture>` sources, `<noscript>` fallbacks, Shopify `{width}` templates and JSON-LD
`@graph` products, never a `data:` placeholder or an unfilled template; bounded on hostile pages."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from chatbot.evidence import listing, pictures, platform_api
from chatbot.evidence.page import parse_html

PAGES = Path(__file__).parent / "fixtures" / "copying" / "pages"
BASE = "https://s.example/products/lamp"
LAMP = "https://s.example/wp-content/uploads/2022/03/lamp-800x800.jpg"
BLANK = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
CDN = "https://cdn.shopify.com/s/files/1/0555/8821/products"


def _urls(markup: str, base: str = BASE) -> list[str]:
    return [image.url for image in listing.shop_listing(markup, base).images]


@pytest.mark.parametrize(("markup", "expected"), [
    # A lazy srcset behind a placeholder srcset.
    (f'<img srcset="data:image/gif;base64,R0lGOD" data-srcset="{LAMP} 800w">', [LAMP]),
    (f'<img src="{BLANK}" data-src="{LAMP}">', [LAMP]),
    (f'<img src="{BLANK}" data-lazy-src="{LAMP}">', [LAMP]),
    (f'<img src="{BLANK}" data-original="{LAMP}">', [LAMP]),
    (f'<img src="/s/lamp-300x300.jpg" data-zoom-image="{LAMP}">', [LAMP]),
    (f'<img src="{BLANK}" data-lazy-srcset="/a/lamp-300x300.jpg 300w, {LAMP} 800w">', [LAMP]),
    # <picture>: the <source> offers the photo, the <img> a placeholder.
    (f'<picture><source type="image/webp" srcset="{LAMP} 1x"><img src="{BLANK}"></picture>', [LAMP]),
    (f'<picture><source data-srcset="{LAMP}"><img src="{BLANK}"></picture>', [LAMP]),
    # A <video>'s <source> is not a picture.
    ('<video><source src="https://s.example/clip.mp4" srcset="https://s.example/clip.jpg"></video>', []),
    # srcset lists: density and width descriptors (largest first), none, and a bare comma.
    ("<img srcset='https://s.example/lamp.jpg 1x, https://s.example/lamp@2x.jpg 2x'>",
     ["https://s.example/lamp@2x.jpg"]),
    ("<img srcset='https://s.example/lamp-400x400.jpg 400w, https://s.example/lamp-1600x1600.jpg 1600w, "
     "https://s.example/lamp-800x800.jpg 800w'>", ["https://s.example/lamp-1600x1600.jpg"]),
    ("<img srcset='https://s.example/a.jpg,https://s.example/b.jpg'>",
     ["https://s.example/a.jpg", "https://s.example/b.jpg"]),
    ("<img srcset='a.jpg,b.jpg'>", ["https://s.example/products/a.jpg", "https://s.example/products/b.jpg"]),
    ("<img srcset='https://s.example/a.jpg, https://s.example/b.jpg'>",
     ["https://s.example/a.jpg", "https://s.example/b.jpg"]),
    # A comma inside one URL (an image CDN's transformations) does not split it.
    ("<img srcset='https://img.example/w_800,h_800/lamp.jpg 800w'>", ["https://img.example/w_800,h_800/lamp.jpg"]),
    # <noscript> fallback of a lazy image whose script never ran.
    (f'<div><img class="lazyload" src="{BLANK}"><noscript><img src="{LAMP}"></noscript></div>', [LAMP]),
    # Protocol-relative URLs take the page's scheme.
    ('<img src="//cdn.shopify.com/s/files/1/0555/8821/products/lamp.jpg?v=1650000000">',
     [f"{CDN}/lamp.jpg?v=1650000000"]),
    # Shopify {width} templates: the largest width the theme serves, else a real default width.
    (f'<img data-src="//cdn.shopify.com/s/files/1/0555/8821/products/lamp_{{width}}x.jpg?v=1650000000" '
     f'data-widths="[180, 360, 1080, 720]" src="{BLANK}">', [f"{CDN}/lamp_1080x.jpg?v=1650000000"]),
    ('<img data-src="//cdn.shopify.com/s/files/1/0555/8821/products/lamp_{width}x.jpg?v=1650000000">',
     [f"{CDN}/lamp_{pictures.DEFAULT_WIDTH}x.jpg?v=1650000000"]),
    ('<img data-src="//cdn.shopify.com/s/files/1/0555/8821/products/lamp_%7Bwidth%7Dx.jpg?v=1650000000" '
     'data-widths="[540]">', [f"{CDN}/lamp_540x.jpg?v=1650000000"]),
    # Templates nobody fills, and placeholders, are never pictures.
    ('<meta property="og:image" content="https://s.example/lamp_{width}x.jpg">', []),
    (f'<img src="{BLANK}">', []),
    ('<img src="data:image/svg+xml,%3Csvg%20xmlns=%27http://www.w3.org/2000/svg%27%3E%3C/svg%3E">', []),
    (f'<img srcset="{BLANK} 1x">', []),
    # JSON-LD: a Product in @graph, an image referenced by @id, a variant of a ProductGroup.
    ('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
     '{"@type": "BreadcrumbList"}, {"@type": "Product", "image": "' + LAMP + '"}]}</script>', [LAMP]),
    ('<script type="application/ld+json">{"@graph": [{"@type": "Product", "image": {"@id": "#primary"}},'
     '{"@type": "ImageObject", "@id": "#primary", "contentUrl": "' + LAMP + '"}]}</script>', [LAMP]),
    ('<script type="application/ld+json">{"@type": "ProductGroup", "hasVariant": [{"@type": "Product", '
     '"image": ["' + LAMP + '"]}]}</script>', [LAMP]),
    # An organisation's logo in @graph is not the product's picture.
    ('<script type="application/ld+json">{"@graph": [{"@type": "Organization", "image": '
     '"https://s.example/brand-photo.jpg"}]}</script>', []),
])
def test_every_picture_the_page_shows_is_read(markup: str, expected: list[str]) -> None:
    assert _urls(markup) == expected


def test_a_lazy_element_is_not_read_for_its_placeholder() -> None:
    # A spinner in src while data-src holds the photo: the script replaces it, we read the photo.
    markup = f'<img src="/assets/loader.gif" data-src="{LAMP}"><img src="https://s.example/plain.jpg">'
    assert _urls(markup) == [LAMP, "https://s.example/plain.jpg"]


def test_a_dawn_product_page() -> None:
    found = listing.shop_listing((PAGES / "dawn-lamp.html").read_bytes(),
                                 "https://moonvale-home.example/products/crescent-lamp")
    assert [image.url for image in found.images] == [
        "https://moonvale-home.example/cdn/shop/files/crescent-warm.jpg?v=1683000100&width=1920",
        "https://moonvale-home.example/cdn/shop/files/crescent-front.jpg?v=1683000000&width=1946",
        "https://cdn.shopify.com/s/files/1/0712/4410/files/crescent-side@2x.webp?v=1683000050",
    ]  # the logo, the favicon and the payment badge are not product photos
    assert found.images[2].uploaded_detail == "Shopify CDN ?v=1683000050"


def test_a_lazysizes_shopify_product_page() -> None:
    found = listing.shop_listing((PAGES / "debut-lamp.html").read_bytes(), "https://saltmere.example/products/tp")
    assert [image.url for image in found.images] == [
        "http://cdn.shopify.com/s/files/1/0555/8821/products/tidepool-front_1200x1200.jpg?v=1650000000",
        f"{CDN}/tidepool-back_2048x.jpg?v=1650000200",  # its <noscript> copy is the same photo
        f"{CDN}/tidepool-base_{pictures.DEFAULT_WIDTH}x.jpg?v=1650000300",
        f"{CDN}/tidepool-night.jpg?v=1650000400",
        f"{CDN}/tidepool-scale_2048x.jpg?v=1650000500",
    ]


def test_a_woocommerce_product_page_with_lazy_loading() -> None:
    found = listing.shop_listing((PAGES / "woo-lamp.html").read_bytes(),
                                 "https://fernhollow.example/product/rattan-lamp/")
    uploads = "https://fernhollow.example/wp-content/uploads"
    assert [image.url for image in found.images] == [
        f"{uploads}/2022/04/rattan-lamp-lit.jpg",  # JSON-LD Product in @graph
        f"{uploads}/2022/03/rattan-lamp-front.jpg",  # Yoast's #primaryimage, then the gallery's original
        f"{uploads}/2022/03/rattan-lamp-detail-600x600.jpg",  # data-lazy-src
        f"{uploads}/2022/03/rattan-lamp-room-600x600.jpg",  # <noscript> only
        f"{uploads}/2022/03/rattan-lamp-bulb-300x300.jpg",  # srcset without descriptors
        f"{uploads}/2022/03/rattan-lamp-cord-300x300.jpg",
    ]
    assert {str(image.uploaded) for image in found.images} == {"2022-04-01", "2022-03-01"}


@pytest.mark.parametrize(("value", "expected"), [
    ("a.jpg 1x, b.jpg 2x", [("a.jpg", 0, 1.0), ("b.jpg", 0, 2.0)]),
    ("a.jpg 480w,b.jpg 960w", [("a.jpg", 480, 1.0), ("b.jpg", 960, 1.0)]),
    ("a.jpg,b.jpg", [("a.jpg", 0, 1.0), ("b.jpg", 0, 1.0)]),
    ("a.jpg?v=1,b.jpg?v=2 2x", [("a.jpg?v=1", 0, 1.0), ("b.jpg?v=2", 0, 2.0)]),
    ("  , a.jpg ,, ", [("a.jpg", 0, 1.0)]),
    ("https://i.example/x.jpg?crop=1,2 2x", [("https://i.example/x.jpg?crop=1,2", 0, 2.0)]),
    ("data:image/gif;base64,R0lGOD 1x, a.jpg 2x",
     [("data:image/gif;base64,R0lGOD", 0, 1.0), ("a.jpg", 0, 2.0)]),
    ("a.jpg 100w 200h", [("a.jpg", 0, 1.0)]),
    ("", []),
])
def test_srcset_candidates(value: str, expected: list[tuple[str, int, float]]) -> None:
    assert [(c.url, c.width, c.density) for c in pictures.srcset_candidates(value)] == expected


def test_store_api_srcsets_use_the_same_reader() -> None:
    image = {"src": "https://s.example/wp-content/uploads/2021/05/a.jpg",
             "srcset": "https://s.example/wp-content/uploads/2021/04/a-300x300.jpg,"
                       "https://s.example/wp-content/uploads/2021/03/a-600x600.jpg"}
    assert list(platform_api._store_image_urls(image))[-2:] == [
        "https://s.example/wp-content/uploads/2021/04/a-300x300.jpg",
        "https://s.example/wp-content/uploads/2021/03/a-600x600.jpg"]


def test_work_is_bounded_on_hostile_markup() -> None:
    commas = "<img srcset='" + "a.jpg," * 200_000 + "'>"
    lists = "".join(f"<img data-srcset='{' '.join(['x.jpg'] * 50)}' srcset='{'p.jpg 1x,' * 500}'>"
                    for _ in range(5_000))
    templates = "".join(f"<img data-src='/p{i}_{{width}}x.jpg' data-widths='[{'1,' * 5000}]'>"
                        for i in range(3_000))
    for markup in (commas, lists, templates):
        started = time.perf_counter()
        found = listing.shop_listing(markup, BASE)
        assert time.perf_counter() - started < 5
        assert found.images_seen <= listing.MAX_IMAGES_SEEN
    root = parse_html(commas)
    assert root is not None
    assert len(pictures.element_pictures(root.find(".//img"))) <= pictures.MAX_CANDIDATES
