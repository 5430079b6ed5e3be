"""Contract notices read from eForms and OCDS, and written back as OCDS: pure, no database."""

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.procurement import cpv, eforms, nuts, ocds
from market.procurement.notice import (
    CRITERION_KINDS,
    RESERVATIONS,
    SOCIAL_OBJECTIVES,
    Criterion,
    Document,
    Notice,
    NoticeError,
    NoticeLot,
    Place,
)
from market.procurement.ocds_export import ocid

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "procurement"
FRENCH = "eforms-cn_24_FRA_comments.xml"
MINIMAL = "eforms-cn_24_minimal.xml"
SOCIAL = "eforms-cn-social_24.xml"
PUBLISHED = datetime(2024, 11, 5, 8, 30, tzinfo=UTC)
# Charente-Maritime's outline, islands included, in the shipped geojson.
CHARENTE_MARITIME = {"lat": (45.088, 46.366), "lon": (-1.562, 0.007)}
ROUEN = nuts.place_for("FRD22")


def fixture(name: str) -> bytes:
    """Return a fixture file's bytes."""
    return (FIXTURES / name).read_bytes()


def edited(name: str, *changes: tuple[str, str], count: int = -1) -> bytes:
    """Return a fixture with each (old, new) text replaced (``count`` times, -1: all)."""
    text = fixture(name).decode()
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, count)
    return text.encode()


def problems_of(parse, data: bytes) -> list[str]:
    """Return the problems a parser raises for ``data``."""
    with pytest.raises(NoticeError) as raised:
        parse(data)
    return raised.value.problems


def export(notice: Notice) -> dict:
    """Return ``notice`` as an OCDS release package."""
    return ocds.export(notice, published=PUBLISHED, uri="https://intercoop.example/ocds/1.json",
                       publisher="Intercoop")


def round_trip(notice: Notice) -> Notice:
    """Return what parsing ``notice``'s OCDS export gives back, checking it validates."""
    package = export(notice)
    assert ocds.validate(package) == []
    [back] = ocds.parse(json.dumps(package).encode())
    return back


# The CPV vocabulary.

@pytest.mark.parametrize("code", ["77310000", "77310000-6", " 77310000-6 ", "77310000-0"])
def test_a_cpv_code_is_its_eight_digits_with_or_without_a_check_digit(code):
    # Any check digit passes: the published ones follow no documented algorithm.
    assert cpv.normalise(code) == "77310000"


@pytest.mark.parametrize("code", ["7731000", "773100000", "77310000-", "77310000-66", "7731000a",
                                  "", "77310000 6", "77310000-x", None])
def test_a_malformed_cpv_code_is_refused_with_the_expected_shape(code):
    with pytest.raises(ValueError, match="malformed CPV code .*8 digits"):
        cpv.normalise(code)


def test_a_code_outside_the_vocabulary_is_refused_as_unknown():
    with pytest.raises(ValueError, match="unknown CPV code 99999999"):
        cpv.normalise("99999999-1")
    assert not cpv.is_known("99999999") and not cpv.is_known("abc")
    assert cpv.is_known("03000000") and cpv.is_known("98341130")


def test_labels_are_english_and_french_for_the_social_services():
    assert cpv.label("77310000-6") == "Planting and maintenance services of green areas"
    assert cpv.label("85311300", "fr") == "Services sociaux pour les enfants et les adolescents"
    assert cpv.label("77310000", "fr") == "Planting and maintenance services of green areas"
    assert cpv.is_social_service("85311300") and not cpv.is_social_service("77310000")


# NUTS 3 regions and French departments.

def test_fri32_is_charente_maritime_with_its_centroid_inside_the_department():
    found = nuts.department("FRI32")
    assert (found.code, found.name) == ("17", "Charente-Maritime")
    assert CHARENTE_MARITIME["lat"][0] < found.latitude < CHARENTE_MARITIME["lat"][1]
    assert CHARENTE_MARITIME["lon"][0] < found.longitude < CHARENTE_MARITIME["lon"][1]
    assert found.latitude == found.latitude.quantize(Decimal("0.000001"))


@pytest.mark.parametrize(("code", "department", "name"), [
    ("FRD22", "76", "Seine-Maritime"), ("FRD13", "61", "Orne"), ("FR101", "75", "Paris"),
    ("FRM01", "2A", "Corse-du-Sud"), ("FRM02", "2B", "Haute-Corse"), ("frk26 ", "69", "Rhône"),
])
def test_nuts_codes_name_their_department(code, department, name):
    assert (nuts.department(code).code, nuts.department(code).name) == (department, name)


def test_every_department_is_there_the_metropolitan_ones_with_a_centroid():
    text = resources.files("market").joinpath("data/procurement/nuts3-fr.json").read_text()
    table = json.loads(text)
    located = {row["department"] for row in table.values() if row["latitude"] is not None}
    expected = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"}
    assert located == expected
    assert {row["department"] for row in table.values()} - located == {
        "971", "972", "973", "974", "976"}


def test_an_overseas_department_has_no_centroid_and_other_codes_no_department():
    assert nuts.department("FRY40") == nuts.Department("974", "La Réunion", None, None)
    assert nuts.department("FRZZZ") is None and nuts.department("DE212") is None


def test_a_place_for_a_nuts_code_has_its_country_and_department():
    charente = nuts.department("FRI32")
    assert nuts.place_for("FRI32") == Place(department="17", nuts="FRI32", country="FR",
                                            latitude=charente.latitude,
                                            longitude=charente.longitude)
    assert nuts.place_for("DE212") == Place(nuts="DE212", country="DE")
    assert nuts.place_for("EL301").country == "GR"


# eForms notices.

def test_the_french_notice_has_two_green_space_lots_near_rouen():
    notice = eforms.parse(fixture(FRENCH))
    assert (notice.source, notice.identifier, notice.version) == (
        "eforms", "da4d46e9-490b-41ff-a2ae-8166d356a619", "01")
    assert notice.reference == "e3cdabf1-e057-47a5-9210-b1f6fc757228"
    assert notice.title == ("Service d'entretien de remise en état et de nettoyage des "
                            "espaces verts")
    assert notice.procedure == "open"
    assert (notice.buyer_name, notice.buyer_identifier, notice.buyer_country) == (
        "Rouen Habitat", "123456789", "FR")
    assert notice.published_on == date(2019, 5, 10)
    assert notice.deadline == datetime(2019, 6, 24, 16, tzinfo=UTC)
    assert notice.documents == [Document("Procurement documents",
                                         "https://www.marches-publics.info/accueil.htm")]
    assert [(lot.lot_id, lot.title) for lot in notice.lots] == [
        ("LOT-0001", "Agence centre"), ("LOT-0002", "Agence Hauts de Rouen")]
    for lot in notice.lots:
        assert (lot.cpv_main, lot.cpv_additional) == ("77310000", [])
        assert lot.place == ROUEN and lot.place.department == "76"
        assert lot.duration_days == 487  # 2019-09-01 to 2020-12-31
        assert (lot.reservation, lot.estimated_value_minor, lot.insertion_hours) == (
            "none", None, None)
        assert [(c.kind, c.name, c.weight) for c in lot.criteria] == [
            ("price", "Prix", Decimal(60)), ("quality", "Qualité", Decimal(40))]
    assert notice.lots[0].criteria[1].description == "La valeur technique participle pour 40 % …"


def test_the_minimal_notice_has_one_lot_of_four_years():
    notice = eforms.parse(fixture(MINIMAL))
    assert (notice.buyer_name, notice.buyer_identifier, notice.buyer_country) == (
        "Publications Office of the European Union", "EU-PO", "LU")
    assert notice.deadline == datetime(2020, 2, 4, 8, tzinfo=UTC)
    assert notice.documents == [Document(
        "Restricted procurement documents",
        "https://etendering.ted.europa.eu/cft/cft-display.html?cftId=5629")]
    [lot] = notice.lots
    assert (lot.lot_id, lot.cpv_main, lot.duration_days) == ("LOT-0000", "72230000", 1440)
    assert lot.description.endswith("Search Layer),\nwith the possibility to extend the "
                                    "provision to other information systems.")


def test_the_social_services_notice_keeps_its_additional_cpv_codes_once():
    notice = eforms.parse(fixture(SOCIAL))
    assert (notice.procedure, notice.buyer_name, notice.buyer_identifier) == (
        "oth-single", "Scotland Excel", "")  # its CompanyID is "n/a"
    [lot] = notice.lots
    assert lot.cpv_main == "85311300"
    assert lot.cpv_additional == ["85310000", "85300000", "85000000", "80000000"]
    assert lot.place == Place(country="GB")
    assert [(c.kind, c.name, c.weight) for c in lot.criteria] == [
        ("quality", "", None), ("price", "", None)]
    assert lot.criteria[0].description.startswith("Quality Stage (60 %)")


def test_the_empty_notice_is_refused_naming_what_it_lacks():
    assert problems_of(eforms.parse, fixture("eforms-INVALID_cn_24_empty.xml")) == [
        "ID: no notice identifier (BT-701)",
        "ContractFolderID: no procedure identifier (BT-04)",
        "ProcurementProject/Name: no procedure title (BT-21)",
        "ContractingParty/Party/PartyIdentification/ID: no buyer (OPT-300)",
        "ProcurementProjectLot: no lot: a contract notice has at least one",
    ]


@pytest.mark.parametrize(("code", "reservation"), [
    ("res-ws", "both"), ("res-pub-ser", "ess"), ("none", "none")])
def test_reserved_participation_gives_the_lot_its_reservation(code, reservation):
    data = edited(FRENCH, ('listName="reserved-procurement">none<',
                           f'listName="reserved-procurement">{code}<'), count=1)
    lots = eforms.parse(data).lots
    assert [lot.reservation for lot in lots] == [reservation, "none"]


def test_an_unknown_reservation_code_is_a_problem():
    data = edited(FRENCH, (">none</cbc:TendererRequirementTypeCode>",
                           ">res-xyz</cbc:TendererRequirementTypeCode>"), count=1)
    assert problems_of(eforms.parse, data) == [
        "ProcurementProjectLot[1]/TenderingTerms/TendererQualificationRequest: "
        "unknown reserved-procurement code 'res-xyz'"]


def test_an_unknown_or_missing_cpv_code_is_a_problem_at_its_path():
    data = edited(FRENCH, ('listName="cpv">77310000<', 'listName="cpv">99999999<'))
    assert problems_of(eforms.parse, data) == [
        f"ProcurementProjectLot[{n}]/ProcurementProject/MainCommodityClassification: "
        "unknown CPV code 99999999: not in the CPV 2008 vocabulary" for n in (1, 2)]
    data = edited(MINIMAL, ('<cbc:ItemClassificationCode listName="cpv">72230000'
                            '</cbc:ItemClassificationCode>', ""))
    assert problems_of(eforms.parse, data) == [
        "ProcurementProjectLot[1]/ProcurementProject/MainCommodityClassification: "
        "missing CPV code (BT-262)"]


LOT_TITLE = '<cbc:Name languageID="FRA">Agence centre</cbc:Name>'


def test_the_estimated_value_is_kept_in_cents():
    amount = ('<cac:RequestedTenderTotal><cbc:EstimatedOverallContractAmount currencyID="EUR">'
              '150000.50</cbc:EstimatedOverallContractAmount></cac:RequestedTenderTotal>')
    lot = eforms.parse(edited(FRENCH, (LOT_TITLE, LOT_TITLE + amount))).lots[0]
    assert (lot.estimated_value_minor, lot.currency) == (15000050, "EUR")
    too_precise = amount.replace("150000.50", "150000.505")
    assert problems_of(eforms.parse, edited(FRENCH, (LOT_TITLE, LOT_TITLE + too_precise))) == [
        "ProcurementProjectLot[1]/ProcurementProject/RequestedTenderTotal/"
        "EstimatedOverallContractAmount: '150000.505' EUR: 150000.505 EUR has more decimals "
        "than the currency"]


def test_a_social_objective_is_kept_and_the_notice_language_chosen():
    objective = ('<cac:ProcurementAdditionalType><cbc:ProcurementTypeCode '
                 'listName="social-objective">opp</cbc:ProcurementTypeCode>'
                 '</cac:ProcurementAdditionalType>')
    english = '<cbc:Name languageID="ENG">Central agency</cbc:Name>'
    lot = eforms.parse(edited(FRENCH, (LOT_TITLE, english + LOT_TITLE + objective))).lots[0]
    assert (lot.social_objectives, lot.title) == (["opp"], "Agence centre")


@pytest.mark.parametrize(("unit", "number", "days"), [
    ("DAY", "10", 10), ("WEEK", "3", 21), ("MONTH", "2", 60), ("YEAR", "2", 730),
    ("YEAR", "1.5", 548)])
def test_a_duration_is_counted_in_days(unit, number, days):
    data = edited(MINIMAL, ('<cbc:DurationMeasure unitCode="MONTH">48',
                            f'<cbc:DurationMeasure unitCode="{unit}">{number}'))
    assert eforms.parse(data).lots[0].duration_days == days


def test_an_unknown_duration_unit_is_a_problem():
    data = edited(MINIMAL, ('unitCode="MONTH">48', 'unitCode="HOUR">48'))
    assert problems_of(eforms.parse, data) == [
        "ProcurementProjectLot[1]/ProcurementProject/PlannedPeriod: "
        "unknown duration unit 'HOUR' (DAY, WEEK, MONTH or YEAR)"]


def test_the_deadline_is_the_earliest_lot_deadline_and_needs_a_timezone():
    earlier = edited(FRENCH, ("<cbc:EndDate>2019-06-24Z", "<cbc:EndDate>2019-06-20Z"), count=1)
    assert eforms.parse(earlier).deadline == datetime(2019, 6, 20, 16, tzinfo=UTC)
    naive = edited(MINIMAL, ("<cbc:EndDate>2020-02-04+02:00</cbc:EndDate>",
                             "<cbc:EndDate>2020-02-04</cbc:EndDate>"),
                   ("<cbc:EndTime>10:00:00+02:00", "<cbc:EndTime>10:00:00"))
    assert problems_of(eforms.parse, naive) == [
        "ProcurementProjectLot[1]/TenderingProcess/TenderSubmissionDeadlinePeriod: "
        "2020-02-04 10:00:00: no timezone"]


@pytest.mark.parametrize("name", ["xxe.xml", "billion-laughs.xml"])
@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16", "UTF-32"])
def test_a_document_with_a_doctype_is_refused_unread(name, encoding):
    data = fixture(name).decode().replace("UTF-8", encoding).encode(encoding)
    with pytest.raises(NoticeError, match="refused: the document has a DOCTYPE"):
        eforms.parse(data)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "not a well-formed XML document"),
    (b'{"releases": []}', "not a well-formed XML document"),
    (b'<ContractAwardNotice xmlns="urn:oasis:names:specification:ubl:schema:xsd:'
     b'ContractAwardNotice-2"/>', "root element is ContractAwardNotice, not ContractNotice"),
])
def test_what_is_not_a_contract_notice_is_refused(data, message):
    with pytest.raises(NoticeError, match=message):
        eforms.parse(data)


# OCDS release packages.

def test_the_ocds_package_has_a_french_buyer_and_two_lots_one_reserved():
    [notice] = ocds.parse(fixture("ocds-two-lots.json"))
    assert (notice.source, notice.identifier, notice.reference) == (
        "ocds", "ocds-demo01-2024-0042", "2024-0042")
    assert (notice.buyer_name, notice.buyer_identifier, notice.buyer_country) == (
        "Ville de Démo-sur-Mer", "98765432400019", "FR")
    assert (notice.procedure, notice.published_on) == ("open", date(2024, 11, 4))
    assert notice.deadline == datetime(2024, 12, 6, 11, tzinfo=UTC)
    assert [d.title for d in notice.documents] == ["Dossier de consultation"]  # one has no url
    green, cleaning = notice.lots
    assert (green.cpv_main, green.cpv_additional) == ("77310000", ["77313000"])
    assert (green.estimated_value_minor, green.duration_days, green.reservation) == (
        12000000, 365, "both")
    assert green.place == replace(nuts.place_for("FRI32"), city="Démo-sur-Mer",
                                  postcode="17300")
    assert [(c.kind, c.weight) for c in green.criteria] == [
        ("price", Decimal(40)), ("quality", Decimal(60))]
    assert (cleaning.cpv_main, cleaning.cpv_additional) == ("90911200", ["90919200"])
    assert (cleaning.estimated_value_minor, cleaning.duration_days) == (4560050, 729)
    assert (cleaning.reservation, cleaning.insertion_hours) == ("none", 800)
    assert cleaning.place == Place(department="17", nuts="FRI32", country="FR",
                                   latitude=Decimal("45.936"), longitude=Decimal("-0.961"))
    assert [(c.kind, c.name) for c in cleaning.criteria][2] == (
        "social", "Insertion professionnelle")
    assert cleaning.social_objectives == ["opp"]


def test_a_package_with_a_wrong_type_is_refused_with_the_json_path():
    assert problems_of(ocds.parse, fixture("ocds-invalid.json")) == [
        "releases/0/tender/lots/1/value/amount: 'quarante-cinq mille' is not of type "
        "'number', 'null'"]


def test_schema_problems_are_capped():
    package = json.loads(fixture("ocds-two-lots.json"))
    package["releases"][0]["tender"]["lots"] = [{"id": n} for n in range(30)]
    problems = ocds.validate(package)
    assert len(problems) == 21 and problems[-1] == "… and 10 more"
    assert problems[0] == "releases/0/tender/lots/0/id: 0 is not of type 'string'"


def package_with(**changes) -> bytes:
    """Return the OCDS fixture with its first lot and item changed."""
    package = json.loads(fixture("ocds-two-lots.json"))
    tender = package["releases"][0]["tender"]
    tender["lots"][0].update(changes.get("lot", {}))
    tender["items"][0].update(changes.get("item", {}))
    tender["tenderPeriod"].update(changes.get("period", {}))
    return json.dumps(package).encode()


def test_mapping_problems_name_their_json_paths():
    data = package_with(item={"classification": {"scheme": "CPV", "id": "99999999"}},
                        lot={"value": {"amount": 10.005, "currency": "EUR"}},
                        period={"endDate": "2024-12-06T12:00:00"})
    assert problems_of(ocds.parse, data) == [
        "releases/0/tender/tenderPeriod/endDate: '2024-12-06T12:00:00' is not a date-time with "
        "a timezone (no timezone)",
        "releases/0/tender/items/0/classification: unknown CPV code 99999999: not in the CPV "
        "2008 vocabulary",
        "releases/0/tender/lots/0/value: 10.005 EUR has more decimals than the currency",
    ]


def test_an_integer_cpv_id_gets_its_leading_zero_back():
    data = package_with(item={"classification": {"scheme": "CPV", "id": 3000000}})
    assert ocds.parse(data)[0].lots[0].cpv_main == "03000000"


@pytest.mark.parametrize(("document", "message"), [
    (b"not json", "not a JSON document"),
    (b'{"uri": NaN}', "not a JSON document: NaN is not a JSON number"),
    (b'{"ocid": "ocds-x-1", "tender": {}}', "a single OCDS release"),
    (b'{"records": []}', "an OCDS record package"),
])
def test_what_is_not_a_release_package_is_refused(document, message):
    with pytest.raises(NoticeError, match=message):
        ocds.parse(document)


def test_a_tender_without_lots_is_one_lot():
    package = json.loads(fixture("ocds-two-lots.json"))
    tender = package["releases"][0]["tender"]
    del tender["lots"]
    tender["items"] = [{k: v for k, v in tender["items"][0].items() if k != "relatedLot"}]
    [lot] = ocds.parse(json.dumps(package).encode())[0].lots
    assert (lot.lot_id, lot.title, lot.cpv_main) == ("LOT-0000", tender["title"], "77310000")


# OCDS export and round trips.

def test_an_exported_eforms_notice_gets_a_prefixed_ocid_and_an_ocds_one_keeps_its_own():
    notice = eforms.parse(fixture(FRENCH))
    assert export(notice)["releases"][0]["ocid"] == f"ocds-intercoop-{notice.identifier}"
    assert ocds.export(notice, published=PUBLISHED, uri="u", publisher="p",
                       ocid_prefix="ocds-abc123")["releases"][0]["ocid"].startswith("ocds-abc123-")
    [ocds_notice] = ocds.parse(fixture("ocds-two-lots.json"))
    assert export(ocds_notice)["releases"][0]["ocid"] == "ocds-demo01-2024-0042"
    with pytest.raises(ValueError, match="timezone-aware"):
        ocds.export(notice, published=datetime(2024, 1, 1), uri="u", publisher="p")


def test_a_french_buyer_is_exported_with_its_siret_scheme():
    [notice] = ocds.parse(fixture("ocds-two-lots.json"))
    party = export(notice)["releases"][0]["parties"][0]
    assert party["identifier"] == {"scheme": "FR-SIRET", "id": "98765432400019",
                                   "legalName": "Ville de Démo-sur-Mer"}


def test_the_ocds_package_round_trips():
    [notice] = ocds.parse(fixture("ocds-two-lots.json"))
    assert round_trip(notice) == notice


@pytest.mark.parametrize("name", [FRENCH, MINIMAL, SOCIAL])
def test_an_eforms_notice_round_trips_through_ocds(name):
    notice = eforms.parse(fixture(name))
    # OCDS has no notice version, and the notice comes back under its ocid.
    assert round_trip(notice) == replace(notice, source="ocds", identifier=ocid(notice),
                                         version="")


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
WORDS = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=20)
CPV_CODES = ["77310000", "90911200", "85311300", "03000000", "45000000", "72230000"]
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=2)),
                         timezone(timedelta(hours=-5, minutes=-30))])
COORDINATE = st.decimals(min_value=-90, max_value=90, places=6)


@st.composite
def places(draw) -> Place | None:
    """Draw a place: none, one a NUTS code gives, or one without NUTS code."""
    choice = draw(st.sampled_from(["none", "nuts", "free"]))
    if choice == "none":
        return None
    if choice == "nuts":
        place = nuts.place_for(draw(st.sampled_from(["FRI32", "FRD22", "FRY40", "DE212"])))
        return replace(place, city=draw(TEXT), postcode=draw(TEXT))
    located = draw(st.booleans())
    place = Place(postcode=draw(TEXT), city=draw(TEXT),
                  department=draw(st.sampled_from(["", "17", "2A", "974"])),
                  country=draw(st.sampled_from(["", "FR", "BE"])),
                  latitude=draw(COORDINATE) if located else None,
                  longitude=draw(COORDINATE) if located else None)
    return None if place == Place() else place


@st.composite
def lots(draw, lot_id: str) -> NoticeLot:
    """Draw a lot with any of the fields OCDS carries."""
    main = draw(st.sampled_from(CPV_CODES))
    value = draw(st.none() | st.integers(0, 10**12))
    return NoticeLot(
        lot_id=lot_id, title=draw(WORDS), description=draw(TEXT), cpv_main=main,
        cpv_additional=draw(st.lists(st.sampled_from([c for c in CPV_CODES if c != main]),
                                     unique=True, max_size=3)),
        estimated_value_minor=value,
        currency="EUR" if value is None else draw(st.sampled_from(["EUR", "GBP", "JPY"])),
        place=draw(places()), duration_days=draw(st.none() | st.integers(0, 10_000)),
        reservation=draw(st.sampled_from(RESERVATIONS)),
        insertion_hours=draw(st.none() | st.integers(0, 10**6)),
        criteria=draw(st.lists(st.builds(
            Criterion, kind=st.sampled_from(CRITERION_KINDS), name=TEXT, description=TEXT,
            weight=st.none() | st.decimals(min_value=0, max_value=100, places=2)),
            max_size=4, unique_by=lambda c: (c.kind, c.name, c.description, c.weight))),
        social_objectives=draw(st.lists(st.sampled_from(SOCIAL_OBJECTIVES), unique=True)))


@st.composite
def notices(draw) -> Notice:
    """Draw a notice of one to three lots."""
    count = draw(st.integers(1, 3))
    return Notice(
        source="ocds", identifier=draw(st.from_regex(r"(ocds-[a-z0-9]{6}-)?[A-Za-z0-9-]{1,12}",
                                                     fullmatch=True)),
        reference=draw(WORDS), title=draw(WORDS), description=draw(TEXT),
        procedure=draw(st.sampled_from(["", "open", "restricted", "oth-single", "Appel ouvert"])),
        buyer_name=draw(TEXT), buyer_identifier=draw(st.sampled_from(
            ["", "98765432400019", "123456789", "EU-PO"])),
        buyer_country=draw(st.sampled_from(["", "FR", "LU"])),
        published_on=draw(st.none() | st.dates(date(2000, 1, 1), date(2100, 1, 1))),
        deadline=draw(st.none() | st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1),
                                               timezones=ZONES)),
        documents=draw(st.lists(st.builds(Document, title=TEXT, url=WORDS), max_size=3)),
        lots=[draw(lots(f"LOT-{n:04d}")) for n in range(1, count + 1)])


@settings(max_examples=60, deadline=None)
@given(notices())
def test_any_notice_comes_back_from_its_ocds_export(notice):
    assert round_trip(notice) == replace(notice, identifier=ocid(notice))


def test_a_location_that_is_no_point_is_a_problem():
    package = json.loads(fixture("ocds-two-lots.json"))
    location = package["releases"][0]["tender"]["items"][1]["deliveryLocations"][0]
    for coordinates in ([[1, 2], [3, 4]], [200, 10], [1]):
        location["geometry"]["coordinates"] = coordinates
        assert problems_of(ocds.parse, json.dumps(package).encode()) == [
            "releases/0/tender/items/1/deliveryLocations/0/geometry: not a WGS 84 point "
            "[longitude, latitude]"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6)


def leaves(value, path=()):
    """Yield the path of every scalar in a JSON document."""
    children = (value.items() if isinstance(value, dict)
                else enumerate(value) if isinstance(value, list) else None)
    if children is None:
        yield path
    for key, child in children or ():
        yield from leaves(child, (*path, key))


OCDS_LEAVES = list(leaves(json.loads(fixture("ocds-two-lots.json"))))


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(OCDS_LEAVES), JSON_VALUES)
def test_a_package_with_any_value_anywhere_parses_or_is_refused_as_a_notice_error(path, value):
    package = json.loads(fixture("ocds-two-lots.json"))
    parent = package
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    try:
        ocds.parse(json.dumps(package).encode())
    except NoticeError as error:
        assert error.problems or error.message


def text_nodes(parts: list[str]) -> list[int]:
    """Return the indexes of the XML pieces (split at ">") that begin with a text node."""
    return [i for i, part in enumerate(parts) if part and not part.startswith("<") and "<" in part]


FRENCH_PARTS = fixture(FRENCH).decode().split(">")
FRENCH_TEXTS = text_nodes(FRENCH_PARTS)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(FRENCH_TEXTS), st.text(st.characters(
    exclude_categories=("Cs", "Cc"), exclude_characters="<&"), max_size=20))
def test_a_notice_with_any_text_anywhere_parses_or_is_refused_as_a_notice_error(index, text):
    parts = list(FRENCH_PARTS)
    parts[index] = text + parts[index][parts[index].index("<"):]
    try:
        eforms.parse(">".join(parts).encode())
    except NoticeError as error:
        assert error.problems or error.message
