"""The sector taxonomy shipped with the package."""

import re

from market.members import taxonomy


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
