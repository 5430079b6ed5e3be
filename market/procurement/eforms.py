"""Read an eForms contract notice (UBL ContractNotice XML) into a Notice.

The XML is parsed with lxml, entities unresolved, no DTD and no network; a document with a
DOCTYPE is refused before anything is read from it (an eForms notice never has one, and a DTD
is how XXE and entity-expansion attacks come in). What the notice lacks or gets wrong is
collected, each problem naming its path, and raised as one NoticeError.

Mapping (BT = eForms business term): identifier BT-701 (the version BT-757 apart, so that a new
version updates the same tender), reference BT-04 (ContractFolderID), title and description
BT-21/BT-24 of the procedure, procedure BT-105, buyer the organisation (efac:Organizations) the
ContractingParty names: name BT-500, identifier BT-501 (compacted when French), country;
published_on the TED publication date when present, else the dispatch date BT-05; deadline the
earliest lot's BT-131; documents every lot's BT-15, once each. Per lot: title, description, CPV
BT-262/BT-263, estimated value BT-27 in minor units, place BT-5071/5131/5121/5141 (a French
NUTS 3 code also gives the department and its centroid; a lot without a place takes the
procedure's), duration BT-36 (a week is 7 days, a month 30, a year 365, as eForms-to-OCDS
converters count) or the days from BT-536 to BT-537, reservation BT-71 (res-ws: "both", sheltered
workshops and work-integration operators; res-pub-ser: "ess"), award criteria BT-539/734/540
(cost is weighed as price) with the weight BT-541 when it is a percentage, social objectives
BT-775. Reserved execution (BT-736) is not kept; eForms has no insertion hours.
"""

import re
from datetime import date

from lxml import etree

from market.procurement import codes
from market.procurement.eforms_lots import EXTENSION, NS, Walker, read_lot, xsd_date
from market.procurement.notice import Notice, NoticeError, NoticeLot, Place

ROOT = f"{{{NS['cn']}}}ContractNotice"
_BUYER = "cac:ContractingParty/cac:Party/cac:PartyIdentification/cbc:ID"
#: "<!DOCTYPE" as it reads in ASCII-compatible encodings, UTF-16 and UTF-32.
_DOCTYPES = tuple("<!DOCTYPE".encode(encoding) for encoding in (
    "ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"))
_REFUSED = ("refused: the document has a DOCTYPE; an eForms notice has none, and a DTD can "
            "declare entities that read files or expand without end")


def parse(data: bytes) -> Notice:
    """Return the Notice an eForms contract notice holds; NoticeError naming every problem."""
    reader = _NoticeReader(_root(bytes(data)))
    notice = reader.notice()
    if reader.problems:
        raise NoticeError(f"not an acceptable eForms contract notice "
                          f"({len(reader.problems)} problems)", reader.problems)
    return notice


def _root(data: bytes) -> etree._Element:
    """Parse ``data`` safely and return its ContractNotice root; NoticeError otherwise."""
    if any(doctype in data for doctype in _DOCTYPES):  # refused before parsing it
        raise NoticeError(_REFUSED)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, dtd_validation=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise NoticeError(f"not a well-formed XML document: {error}") from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise NoticeError(_REFUSED)  # a DOCTYPE in an encoding the search above cannot see
    if root.tag != ROOT:
        raise NoticeError(f"not an eForms contract notice: the root element is "
                          f"{etree.QName(root).localname}, not ContractNotice")
    return root


class _NoticeReader(Walker):
    """Read the notice-wide parts, and each lot through read_lot."""

    def notice(self) -> Notice:
        """Return the notice, lots included."""
        root = self.root
        project = self.child(root, "cac:ProcurementProject")
        identifier = (self.text(root, "cbc:ID[@schemeName='notice-id']")
                      or self.required(root, "cbc:ID", "ID", "notice identifier (BT-701)"))
        reference = self.required(root, "cbc:ContractFolderID", "ContractFolderID",
                                  "procedure identifier (BT-04)")
        title = self.required(project, "cbc:Name", "ProcurementProject/Name",
                              "procedure title (BT-21)")
        buyer_name, buyer_identifier, buyer_country = self.buyer()
        lots = self.lots(self.place(project))
        return Notice(
            source="eforms", identifier=identifier, reference=reference, title=title,
            description=self.text(project, "cbc:Description", multiline=True),
            procedure=self.text(root, "cac:TenderingProcess/cbc:ProcedureCode"),
            buyer_name=buyer_name, buyer_identifier=buyer_identifier,
            buyer_country=buyer_country, published_on=self.published_on(),
            deadline=min(self.deadlines, default=None), documents=self.documents, lots=lots,
            version=self.text(root, "cbc:VersionID"))

    def buyer(self) -> tuple[str, str, str]:
        """Return the buyer's name, identifier (compacted when French) and country."""
        where = "ContractingParty/Party/PartyIdentification/ID"
        org_id = self.text(self.root, _BUYER)
        if not org_id:
            self.problem(where, "no buyer (OPT-300)")
            return "", "", ""
        companies = {self.text(c, "cac:PartyIdentification/cbc:ID"): c for c in self.root.iterfind(
            f"{EXTENSION}/efac:Organizations/efac:Organization/efac:Company", NS)}
        company = companies.get(org_id)
        if company is None:
            self.problem(where, f"the buyer {org_id} is not among the organisations "
                                "(efac:Organizations)")
            return "", "", ""
        name = self.required(company, "cac:PartyName/cbc:Name", f"Organization {org_id}",
                             "buyer name (BT-500)")
        country = codes.country_alpha2(
            self.text(company, "cac:PostalAddress/cac:Country/cbc:IdentificationCode"))
        identifier = codes.identifier(self.text(company, "cac:PartyLegalEntity/cbc:CompanyID"))
        compact = re.sub(r"[\s.]", "", identifier)
        if country == "FR" and compact.isdigit() and len(compact) in (9, 14):
            identifier = compact  # a SIREN or SIRET written in groups, as French notices do
        return name, identifier, country

    def published_on(self) -> date | None:
        """Return TED's publication date when the notice has one, else its dispatch date."""
        for path, where in ((f"{EXTENSION}/efac:Publication/efbc:PublicationDate",
                             "Publication/PublicationDate"), ("cbc:IssueDate", "IssueDate")):
            text = self.text(self.root, path)
            if text:
                try:
                    return xsd_date(text)
                except ValueError:
                    self.problem(where, f"{text!r} is not a date")
                    return None
        return None

    def lots(self, procedure_place: Place | None) -> list[NoticeLot]:
        """Return the lots (lot groups and parts are not lots); their ids must be unique."""
        lots: list[NoticeLot] = []
        for index, element in enumerate(self.root.findall("cac:ProcurementProjectLot", NS), 1):
            if self.child(element, "cbc:ID").get("schemeName", "Lot") != "Lot":
                continue
            path = f"ProcurementProjectLot[{index}]"
            lot = read_lot(self, element, path)
            if lot.lot_id and lot.lot_id in {other.lot_id for other in lots}:
                self.problem(f"{path}/ID", f"lot {lot.lot_id} appears twice")
            lot.place = lot.place or procedure_place
            lots.append(lot)
        if not lots:
            self.problem("ProcurementProjectLot", "no lot: a contract notice has at least one")
        return lots
