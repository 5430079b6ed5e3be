"""The sector taxonomy shipped with the package."""

import re

import pytest

from market.members import taxonomy
from market.procurement import cpv


def test_the_taxonomy_has_about_twenty_groups_each_with_several_sectors():
    groups = taxonomy.groups()
    assert 18 <= len(groups) <= 25
    assert all(len(g.sectors) >= 3 for g in groups)


def test_every_sector_has_at_least_one_valid_two_digit_cpv_division():
    for sector in taxonomy.sectors_by_code().values():
        assert sector.cpv_divisions, sector.code
        for division in sector.cpv_divisions:
            assert re.fullmatch(r"\d{2}", division), (sector.code, division)
            assert division in taxonomy.CPV_DIVISIONS, (sector.code, division)


def test_sector_and_group_codes_are_unique():
    groups = taxonomy.groups()
    sector_codes = [s.code for g in groups for s in g.sectors]
    assert len(sector_codes) == len(set(sector_codes))
    assert len({g.code for g in groups}) == len(groups)


def test_sector_codes_are_stable_dotted_names_within_their_group():
    for group in taxonomy.groups():
        for sector in group.sectors:
            assert re.fullmatch(r"[a-z_]+\.[a-z_]+", sector.code)
            assert sector.code.startswith(group.code + ".")
            assert len(sector.code) <= 32  # the width of member_sectors.sector_code


def test_every_group_and_sector_is_labelled_in_french_and_english():
    for group in taxonomy.groups():
        assert group.label("fr") and group.label("en")
        for sector in group.sectors:
            assert sector.label_fr.strip() and sector.label_en.strip()


def test_green_space_maintenance_maps_to_horticultural_services():
    sector = taxonomy.get_sector("green.maintenance")
    assert sector is not None and "77" in sector.cpv_divisions
    assert sector in taxonomy.sectors_for_cpv("77310000")


def test_group_sector_codes_lists_the_sectors_of_a_group_and_nothing_for_an_unknown_one():
    assert "cleaning.offices" in taxonomy.group_sector_codes("cleaning")
    assert taxonomy.group_sector_codes("nope") == []


def test_every_sector_code_of_the_demo_network_exists_in_the_taxonomy():
    from market.demo import data as demo_data

    used = {code for row in demo_data.MEMBERS for code in row[6]}
    assert sorted(c for c in used if not taxonomy.is_sector(c)) == []


@pytest.mark.parametrize(("code", "sectors"), [
    ("77310000", {"green.maintenance"}),  # not beekeeping nor farm services any more
    ("77341000", {"green.forestry"}),  # tree pruning: "77341" is longer than "7734"
    ("77342000", {"green.maintenance", "personal.odd_jobs"}),  # hedge trimming: a tie
    ("79620000", {"business.staffing"}),
    ("79620000-6", {"business.staffing"}),  # the check digit is ignored
    ("90911200", {"cleaning.offices"}),
    ("90911300", {"cleaning.windows"}),
    ("45421000", {"wood.joinery"}),
    ("45331100", {"construction.plumbing_electrical", "energy.heating"}),
    ("55524000", {"food.collective"}),
    ("80411200", {"mobility.driving_school"}),
    ("98392000", {"logistics.removals"}),
])
def test_a_cpv_code_goes_to_the_sectors_of_its_longest_matching_prefix(code, sectors):
    assert taxonomy.sector_codes_for_cpv(code) == sectors
    assert {s.code for s in taxonomy.sectors_for_cpv(code)} == sectors


def test_a_code_no_prefix_matches_goes_to_the_sectors_whose_first_division_it_is_in():
    every = taxonomy.sectors_by_code().values()
    assert not any("79100000".startswith(p) for s in every for p in s.cpv_prefixes)
    found = taxonomy.sector_codes_for_cpv("79100000")  # legal services: nobody's work
    assert found == {s.code for s in every if s.cpv_divisions[0] == "79"}
    assert "logistics.handling" not in found  # it lists 79, but not first


def test_a_division_no_sector_has_first_goes_to_every_sector_listing_it():
    # Architectural advice: 71 is no sector's first division, two list it.
    assert taxonomy.sector_codes_for_cpv("71210000") == {
        "construction.renovation", "energy.renovation"}


def test_a_code_of_a_division_no_sector_lists_has_no_sector():
    assert taxonomy.sectors_for_cpv("14000000") == []
    assert taxonomy.sectors_for_cpv("") == []


def test_every_sector_has_cpv_prefixes_within_its_divisions():
    for sector in taxonomy.sectors_by_code().values():
        assert sector.cpv_prefixes, sector.code
        assert len(set(sector.cpv_prefixes)) == len(sector.cpv_prefixes), sector.code
        for prefix in sector.cpv_prefixes:
            assert re.fullmatch(r"\d{2,8}", prefix), (sector.code, prefix)
            assert prefix[:2] in sector.cpv_divisions, (sector.code, prefix)


def test_every_cpv_prefix_names_a_level_of_the_cpv_vocabulary():
    # Padded with zeros, a prefix is a code of its own (a group, class or category), so it
    # starts at least that code.
    for sector in taxonomy.sectors_by_code().values():
        for prefix in sector.cpv_prefixes:
            assert cpv.is_known(prefix.ljust(8, "0")), (sector.code, prefix)


def test_a_sector_without_cpv_prefixes_in_the_data_has_none():
    raw = {"groups": [{"code": "g", "label_fr": "G", "label_en": "G", "sectors": [
        {"code": "g.s", "label_fr": "S", "label_en": "S", "cpv_divisions": ["77"]}]}]}
    (group,) = taxonomy.parse_taxonomy(raw)
    assert group.sectors[0].cpv_prefixes == ()
