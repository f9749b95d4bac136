from turath_engine import normalize, script_of, tokens
from turath_engine.text import LexicalIndex, embedder


def test_arabic_normalisation():
    assert normalize("أإآٱ") == "اااا"
    assert normalize("مصطفى") == "مصطفي"
    assert normalize("جرّة فخاريّة") == "جره فخاريه"  # shadda stripped, ta marbuta -> ha
    assert normalize("مـــخـطوط") == "مخطوط"  # tatweel
    assert normalize("إبريق") == normalize("ابريق")
    assert normalize("١٢٣") == "123"


def test_latin_folding():
    assert normalize("Épée DÉCORÉE") == "epee decoree"
    assert normalize("Œuvre") == "oeuvre"
    assert tokens("Les amphores romaines") == ["amphore", "romaine"]


def test_tokens_strip_stopwords_and_article():
    assert tokens("الجرة والإبريق") == ["جره", "ابريق"]


def test_script_detection():
    assert script_of("ابريق نحاسي") == "arabic"
    assert script_of("copper ewer") == "latin"
    assert script_of("青铜鼎") == "other"
    assert script_of("  ...  ") == "none"


def test_bm25_prefers_matching_doc():
    ix = LexicalIndex()
    ix.add(1, tokens("bronze oil lamp with a lion handle"))
    ix.add(2, tokens("painted ceramic bowl"))
    s = ix.score(tokens("lion lamp"))
    assert set(s) == {1} and s[1][0] > 0.9


def test_embeddings_cross_lingual():
    emb = embedder()
    assert emb.available, emb.error
    docs = emb.passages(["a bronze oil lamp decorated with a lion", "a painted ceramic bowl with blue flowers"])
    q = emb.query("مصباح زيت برونزي عليه أسد")
    assert docs.shape == (2, 384)
    assert float(docs[0] @ q) > float(docs[1] @ q)


def test_embedding_reads_the_gist_and_the_lexical_index_the_whole_text(tmp_path):
    """A long record is embedded from its gist (cheaper, and the model truncates anyway) while its
    every word stays findable lexically."""
    from turath_engine import Engine

    with Engine.create(str(tmp_path / "idx")) as eng:
        # The whole text never says what the object is; only the gist does.
        eng.add_text("lamp:text", "Objet n° 4471. " + "Inventaire ancien, marque à l'encre sous la base. " * 20,
                     lang="fr", embed_text="a bronze oil lamp decorated with a lion")
        eng.add_text("bowl:text", "Coupe en céramique peinte de fleurs bleues.", lang="fr")
        semantic = eng.query(text="lampe à huile en bronze avec un lion", top=2, include_below_threshold=True)
        assert semantic.candidates[0].key == "lamp"
        assert semantic.candidates[0].evidence["text"]["matched_terms"] == []  # found by meaning alone
        lexical = eng.query(text="inventaire 4471 encre", top=2, include_below_threshold=True)
        assert lexical.candidates[0].key == "lamp"
        assert "4471" in lexical.candidates[0].evidence["text"]["matched_terms"]
