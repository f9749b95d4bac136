"""Atom for alert feeds, with user text as text.

Django's Atom1Feed writes the description as `<summary type="html">`, escaped once for XML: a feed
reader unescapes it and renders it as HTML, so a `<script>` typed into a report's place would run in
the reader. Alert bodies are plain text (lines of facts), so they are declared `type="text"`.
"""

from django.utils.feedgenerator import Atom1Feed


class PlainTextAtom1Feed(Atom1Feed):
    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item.get("description") is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})
