"""The demo ledger: currencies, system and member accounts, and some trade between members."""

from sqlalchemy import Connection

import ledger
from market.treasury.owners import owner_ref

#: code, name, scale, kind
CURRENCIES = [
    ("EUR", "Euro", 2, "fiat"),
    ("EUSKO", "Eusko (monnaie locale du Pays basque, adossée à l'euro)", 2, "backed"),
    ("MUTU", "Crédit mutuel inter-entreprises du réseau", 2, "mutual_credit"),
    ("PARTS-GIE", "Parts sociales du GIE Insertion Pays Basque", 0, "share"),
]
#: Credit line of every member in mutual credit, in MUTU.
CREDIT_LINE = "-5000.00"
#: Members (demo keys) that hold euskos: organisations of the Basque Country.
EUSKO_HOLDERS = ["aci-jardins-adour", "ei-bois-nive", "ai-cote-basque", "esat-hendaye",
                 "scic-recyclerie-64", "ei-proprete-labourd", "scic-tourisme-pays-basque"]
#: GIE members subscribing shares, with how many.
GIE_SHARES = {"aci-jardins-adour": 20, "ei-bois-nive": 40, "ai-cote-basque": 15,
              "ei-proprete-labourd": 25, "etti-interim-solidaire-64": 10}


def open_system_accounts(conn: Connection) -> dict[str, int]:
    """Open the network's own accounts (no owner, unbounded where they issue money)."""
    specs = {
        "eur_reserve": ("EUR", "Réserve en euros (fonds de garantie de l'eusko)", 0),
        "eur_clearing": ("EUR", "Compensation Stripe", None),
        "eusko_issuance": ("EUSKO", "Émission d'euskos", None),
        "gie_capital": ("PARTS-GIE", "Capital social du GIE", None),
    }
    return {key: ledger.create_account(conn, currency, name, min_balance=low)["id"]
            for key, (currency, name, low) in specs.items()}


def open_member_accounts(conn: Connection, members: dict) -> dict[tuple[str, str], int]:
    """Open each active member's accounts: euros, mutual credit, euskos and GIE shares."""
    opened = {}
    for key, member in members.items():
        if member.legal_form == "public_body":
            currencies = [("EUR", "0.00")]
        else:
            currencies = [("EUR", "0.00"), ("MUTU", CREDIT_LINE)]
        if key in EUSKO_HOLDERS:
            currencies.append(("EUSKO", "0.00"))
        if key in GIE_SHARES:
            currencies.append(("PARTS-GIE", "0"))
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
    # the GIE's capital account issues the shares its members subscribe
    moves += [([(system["gie_capital"], accounts[(key, "PARTS-GIE")], str(count))],
               f"Souscription de {count} parts du GIE")
              for key, count in GIE_SHARES.items()]
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


def seed_ledger(engine, members: dict) -> str | None:
    """Create the demo ledger once (in one transaction); return a summary, or None if present."""
    if any(c["code"] == "EUR" for c in ledger.list_currencies(engine)):
        return None
    with engine.begin() as conn:
        for code, name, scale, kind in CURRENCIES:
            ledger.create_currency(conn, code, name, scale, kind)
        system = open_system_accounts(conn)
        accounts = open_member_accounts(conn, members)
        written = demo_trade(conn, system, accounts)
    return (f"Grand livre : {len(CURRENCIES)} monnaies, {len(system) + len(accounts)} comptes, "
            f"{written} opérations.")
