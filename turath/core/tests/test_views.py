"""Core pages: the error pages never show internals, and the template helpers keep filters and text direction."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from turath.core import multilingual
from turath.core.views import server_error


def test_server_error_page_is_friendly_and_needs_no_database():
    request = RequestFactory().get("/objects/")
    request.request_id = "3f1c-req"
    with translation.override("ar"):
        response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert 'dir="rtl"' in html and "3f1c-req" in html and "Traceback" not in html


@pytest.mark.django_db
def test_healthz(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["index"]["state"] == "ready"  # an empty register: nothing to index


def test_url_with_keeps_filters_and_resets_the_page():
    request = RequestFactory().get("/objects/", {"q": "مخطوط", "material": ["3", "7"], "page": "4"})
    template = Template("{% load turath %}{% url_with page=2 %}|{% url_with order='-updated' %}|"
                        "{% url_without 'material' '3' %}")
    with_page, with_order, without = template.render(Context({"request": request})).split("|")
    assert "page=2" in with_page and "material=3" in with_page and "material=7" in with_page
    assert "page=" not in with_order and "order=-updated" in with_order
    assert "material=3" not in without and "material=7" in without and "page" not in without


def test_mltext_marks_language_fallback_machine_translation_and_escapes():
    value = multilingual.make("<b>مخطوط</b>", "ar", {"en": {"text": "Manuscript <i>", "machine": True}})
    template = Template("{% load turath %}{% mltext value %}")
    with translation.override("fr"):
        html = template.render(Context({"value": value}))
    assert '<span class="text" lang="ar" dir="rtl">&lt;b&gt;مخطوط&lt;/b&gt;</span>' in html
    assert "affiché en arabe — pas de version en français" in html
    with translation.override("en"):
        html = template.render(Context({"value": value}))
    assert 'lang="en" dir="ltr">Manuscript &lt;i&gt;' in html
    assert "machine translation — may be inaccurate" in html
    assert "Original (Arabic)" in html and "&lt;b&gt;مخطوط" in html
