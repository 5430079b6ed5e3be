"""Bar chart geometry: the longest bar fills the room, the others scale with it."""

from market.web.charts import bar_chart


def test_the_largest_value_fills_the_room_and_others_scale():
    chart = bar_chart([("Wallonie", 4, "/w"), ("Catalunya", 2, "/c"), ("Euskadi", 0, "/e")],
                      width=400, label_width=100)
    widths = [bar.width for bar in chart.bars]
    assert widths[0] == 400 - 100 - 40
    assert widths[1] == widths[0] / 2
    assert widths[2] == 0
    assert [bar.y for bar in chart.bars] == [0, 24, 48]


def test_an_empty_chart_has_no_bars_and_a_minimal_height():
    chart = bar_chart([])
    assert chart.bars == [] and chart.height == chart.bar_height
