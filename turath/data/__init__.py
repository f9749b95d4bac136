"""Real public data shipped with Turath for its demo, tests and benchmarks (see README.md here)."""

from pathlib import Path

HERE = Path(__file__).resolve().parent
WORLD_HERITAGE_XLS = HERE / "world-heritage" / "whc-sites-2019.xls"
WORLD_HERITAGE_CSV = HERE / "world-heritage" / "whc-sites-2019.csv"
UNESCO_THESAURUS = HERE / "unesco-thesaurus" / "unesco-thesaurus.ttl"
LINKED_ART_SCHEMAS = HERE / "linked-art-schema"
DEMO_TEXTURES = HERE / "demo-textures"  # CC0 photographs of surfaces: texture for the demo's drawn objects
