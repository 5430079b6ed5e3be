"""Build cpv-social-services.csv: the CPV codes of social and other specific services, EN and FR.

Run once, by hand, when the source changes (it is not run by the app or the tests):

    .venv/bin/python market/data/procurement/build_cpv_social.py \
        --codelist /work/shared/data/procurement/codelists/cpv_social-service-cpv.gc

Source: the eForms SDK's social-service-cpv code list (Genericode, CC BY 4.0): the services
of the light regime (Directive 2014/24/EU annex XIV); the services that an L2113-15 (article
77) reservation may cover are a subset of them. It is the only shipped list with French CPV
labels.
"""

import argparse
import csv
import sys
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent


def read_codelist(path: Path) -> list[tuple[str, str, str]]:
    """Return (code, English label, French label) rows, sorted by code."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    rows = etree.parse(str(path), parser).getroot().iterfind(".//SimpleCodeList/Row")
    table = []
    for row in rows:
        values = {v.get("ColumnRef"): v.findtext("SimpleValue") for v in row.iterfind("Value")}
        table.append((values["code"], values.get("eng_label") or values["Name"],
                      values.get("fra_label") or ""))
    return sorted(table)


def main() -> int:
    """Write the CSV beside this script."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--codelist", type=Path, required=True, help="cpv_social-service-cpv.gc")
    args.add_argument("--output", type=Path, default=HERE / "cpv-social-services.csv")
    options = args.parse_args()
    table = read_codelist(options.codelist)
    with options.output.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("code", "label_en", "label_fr"))
        writer.writerows(table)
    print(f"{len(table)} codes written to {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
