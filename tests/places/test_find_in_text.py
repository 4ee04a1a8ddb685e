"""Places named in free text, for search."""

from __future__ import annotations

from app.places import find_in_text


def found(text: str) -> list[tuple[str, str, str | None, str | None]]:
    return [(m.kind, m.text, m.place.neighborhood, m.place.borough) for m in find_in_text(text)]


def test_a_neighborhood_in_a_query_whatever_its_case():
    assert found("piano lessons for my 8 year old in park slope under $80") == [
        ("neighborhood", "park slope", "Park Slope", "Brooklyn")
    ]


def test_every_kind_in_the_order_written():
    assert found("guitar near 11222, or anywhere in the Bronx, or Astoria") == [
        ("zip", "11222", "Greenpoint", "Brooklyn"),
        ("borough", "the Bronx", None, "Bronx"),
        ("neighborhood", "Astoria", "Astoria", "Queens"),
    ]


def test_the_longest_name_wins_and_words_are_never_read_twice():
    assert found("swimming at Manhattan Beach") == [("neighborhood", "Manhattan Beach", "Manhattan Beach", "Brooklyn")]
    assert found("East Harlem or Harlem") == [
        ("neighborhood", "East Harlem", "East Harlem", "Manhattan"),
        ("neighborhood", "Harlem", "Harlem", "Manhattan"),
    ]


def test_aliases_punctuation_and_curly_apostrophes():
    text = "Bed Stuy, Hell\u2019s Kitchen, St George, bedford-stuyvesant"
    assert [m.place.neighborhood for m in find_in_text(text)] == [
        "Bedford-Stuyvesant", "Hell's Kitchen", "St. George", "Bedford-Stuyvesant",
    ]  # fmt: skip


def test_short_capital_aliases_only_as_written():
    assert found("yoga on the UWS") == [("neighborhood", "UWS", "Upper West Side", "Manhattan")]
    assert found("les cours de piano, uws") == []


def test_no_place_is_found_inside_other_words_or_in_numbers_that_are_not_nyc_zips():
    assert found("astoriana harlemite 90210 112150 $11215.00") == []
    assert found("piano lessons this weekend under $80") == []


def test_sentence_punctuation_around_names():
    assert found("Lessons in Park Slope. Or Co-op City, (Astoria)!") == [
        ("neighborhood", "Park Slope", "Park Slope", "Brooklyn"),
        ("neighborhood", "Co-op City", "Co-op City", "Bronx"),
        ("neighborhood", "Astoria", "Astoria", "Queens"),
    ]
    mention = find_in_text("near St. George.")[0]
    assert (mention.text, mention.start, mention.end) == ("St. George", 5, 15)
