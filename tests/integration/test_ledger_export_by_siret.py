"""`flask ledger export --member SIRET`: the market turns a SIRET into the ledger's owner."""

import csv

from market.demo.cli import demo_siret


def test_export_by_siret_keeps_only_that_members_transfers(runner, tmp_path):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    output = tmp_path / "jardins.csv"
    siret = demo_siret("aci-jardins-adour")
    result = runner.invoke(args=["ledger", "export", "--format", "csv", "--member", siret,
                                 "--output", str(output)])
    assert result.exit_code == 0, result.output
    with output.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert rows
    by_transfer = {}
    for row in rows:
        by_transfer.setdefault(row["transfer_id"], []).append(row["account_name"])
    assert all(any(name.startswith("Jardins de l'Adour") for name in names)
               for names in by_transfer.values())


def test_export_by_an_unknown_siret_fails_and_writes_nothing(runner, tmp_path):
    output = tmp_path / "nobody.csv"
    result = runner.invoke(args=["ledger", "export", "--format", "csv",
                                 "--member", "73282932000074", "--output", str(output)])
    assert result.exit_code != 0
    assert "no member matches" in result.output
    assert not output.exists()
