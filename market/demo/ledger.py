"""The demo ledger: currencies, system and member accounts, and some trade between members.

Cooperative shares, clearing, programmes, redemptions, top-ups and demurrage are shown
through their services by market.demo.currencies."""

from sqlalchemy import Connection

import ledger
from market.currencies import governance
from market.treasury.owners import owner_ref

#: code, name, scale, kind, network (demo slug), rules: created through governance.
CURRENCIES = [
    ("EUSKO", "Eusko (monnaie locale du Pays basque, adossée à l'euro)", 2, "backed",
     "ptce-sud-aquitaine", {"redemption_fee_bp": 500, "merchant_fee_bp": 0}),
    ("MUTU", "Crédit mutuel inter-entreprises du réseau", 2, "mutual_credit", "mes",
     {"default_credit_line": "5000.00"}),
]
#: Credit line of every member in mutual credit, in MUTU.
CREDIT_LINE = "-5000.00"
#: Members (demo keys) that hold euskos: organisations of the Basque Country.
EUSKO_HOLDERS = ["aci-jardins-adour", "ei-bois-nive", "ai-cote-basque", "esat-hendaye",
                 "scic-recyclerie-64", "ei-proprete-labourd", "scic-tourisme-pays-basque"]


def open_system_accounts(session, networks: dict) -> dict[str, int]:
    """Create the currencies through governance; their system accounts come with them."""
    euro = governance.euro(session)
    policies = {code: governance.create_currency(
        session, code=code, name=name, scale=scale, kind=kind,
        network_id=networks[slug].id, **rules)
        for code, name, scale, kind, slug, rules in CURRENCIES}
    return {"eur_reserve": policies["EUSKO"].reserve_account_id,
            "eur_clearing": euro.issuance_account_id,
            "eusko_issuance": policies["EUSKO"].issuance_account_id}


def open_member_accounts(conn: Connection, members: dict) -> dict[tuple[str, str], int]:
    """Open each active member's accounts: euros, mutual credit and euskos."""
    opened = {}
    for key, member in members.items():
        if member.legal_form == "public_body":
            currencies = [("EUR", "0.00")]
        else:
            currencies = [("EUR", "0.00"), ("MUTU", CREDIT_LINE)]
        if key in EUSKO_HOLDERS:
            currencies.append(("EUSKO", "0.00"))
        for code, low in currencies:
            account = ledger.create_account(conn, code, f"{member.name} — {code}",
                                            owner_ref=owner_ref(member.id), min_balance=low)
            opened[(key, code)] = account["id"]
    return opened


def demo_trade(conn: Connection, system: dict, accounts: dict) -> int:
    """Record believable exchanges; return how many transfers were written."""
    moves = [
        # euro top-ups turned into euskos (the reserve backs every eusko issued)
        ([(system["eur_clearing"], system["eur_reserve"], "1500.00"),
          (system["eusko_issuance"], accounts[("aci-jardins-adour", "EUSKO")], "1500.00")],
         "Conversion de 1 500 € en euskos"),
        ([(system["eur_clearing"], system["eur_reserve"], "800.00"),
          (system["eusko_issuance"], accounts[("ei-bois-nive", "EUSKO")], "800.00")],
         "Conversion de 800 € en euskos"),
        ([(accounts[("aci-jardins-adour", "EUSKO")], accounts[("ei-bois-nive", "EUSKO")],
           "420.00")], "Bancs en bois pour le jardin partagé"),
        ([(accounts[("scop-ecobois-gironde", "MUTU")],
           accounts[("aci-vélo-bordeaux", "MUTU")], "1250.00")],
         "Livraisons en vélo-cargo, trimestre 3"),
        ([(accounts[("coop-barcelona-menjadors", "MUTU")],
           accounts[("coop-landes-maraichage", "MUTU")], "2300.00")],
         "Légumes bio pour les cantines"),
        ([(accounts[("eft-liege-batiment", "MUTU")],
           accounts[("charleroi-atelier-protege", "MUTU")], "640.00")],
         "Impression des supports de formation"),
    ]
    for postings, description in moves:
        ledger.transfer(conn, [{"from": debit, "to": credit, "amount": amount}
                               for debit, credit, amount in postings],
                        description=description)
    ledger.hold(conn, [{"from": accounts[("ai-cote-basque", "MUTU")],
                        "to": accounts[("ei-proprete-labourd", "MUTU")],
                        "amount": "380.00"}], timeout_seconds=30 * 24 * 3600,
                post_by="debtor",  # the buyer confirms delivery
                description="Commande acceptée : nettoyage de fin de chantier")
    return len(moves) + 1


def seed_ledger(session, members: dict, networks: dict) -> str | None:
    """Create the demo ledger once (in the caller's transaction); a summary, or None if
    present."""
    conn = session.connection()
    if any(c["code"] == "EUR" for c in ledger.list_currencies(conn)):
        return None
    system = open_system_accounts(session, networks)
    accounts = open_member_accounts(conn, members)
    written = demo_trade(conn, system, accounts)
    return (f"Grand livre : {len(CURRENCIES) + 1} monnaies, {len(system) + len(accounts)} "
            f"comptes système et de membres, {written} opérations.")
