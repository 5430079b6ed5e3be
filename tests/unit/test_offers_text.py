"""The words the SQLite search index keeps and the FTS5 queries made of what people type."""

from market.offers import text


def test_words_are_folded_to_lower_case_without_accents():
    assert text.words("Élevé au Pays Basque, œufs frais !") == [
        "eleve", "au", "pays", "basque", "œufs", "frais"]


def test_stems_leave_out_each_languages_stop_words():
    assert text.stems("Des paniers de légumes", "french") == ["pani", "legum"]
    # As in PostgreSQL's list, "les" is not a French stop word.
    assert text.stems("les", "french") == ["le"]
    assert text.stems("The baskets of vegetables", "english") == ["basket", "veget"]


def test_an_offer_is_indexed_in_both_languages():
    assert text.indexed("Menuiseries en bois") == {"french": "menuiser bois",
                                                   "english": "menuiseri en boi"}


def test_a_query_asks_for_every_word_in_french_or_in_english():
    assert text.fts_query("paniers légumes") == (
        'french : ("pani" AND "legum") OR english : ("panier" AND "legum")')


def test_fts5_syntax_in_a_query_is_only_words():
    # Quotes, operators, column filters, prefixes and NEAR become quoted plain words.
    assert text.fts_query('bois" OR title:* NEAR(a b) -x ^y') == (
        'french : ("bois" AND "or" AND "titl" AND "near" AND "b" AND "x") OR '
        'english : ("boi" AND "titl" AND "near" AND "b" AND "x" AND "y")')


def test_a_query_of_stop_words_or_punctuation_searches_nothing():
    assert text.fts_query("¡¿!?…") is None and text.fts_query("") is None
    # Stop words of one language are still words of the other.
    assert text.fts_query("de la du") == 'english : ("de" AND "la" AND "du")'


def test_long_queries_are_cut_to_the_words_searched():
    query = text.fts_query(" ".join(f"mot{n}" for n in range(50)))
    assert query.count(" AND ") == 2 * (text.MAX_WORDS - 1)


def test_the_stemmer_is_snowball_in_c():
    # PyStemmer is a dependency: the pure Python fallback is 200 times slower to index.
    assert type(text._stemmer("french")).__module__ == "Stemmer"
