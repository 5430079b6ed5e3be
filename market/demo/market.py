"""The demo marketplace: offers of each kind and reach, a want, a question, orders at each step."""

from datetime import timedelta

from sqlalchemy import func, select

import ledger
from market.offers import services as offers
from market.offers.models import Offer, Question, Want, WantMatch
from market.offers.schemas import OfferInSchema
from market.orders import services as orders
from market.platform.time import now_utc

PICKUP = {"kind": "pickup", "address": "Sur place, aux heures d'ouverture"}
#: member key, fields of the offer (OfferInSchema's, prices as decimal strings).
OFFERS = [
    ("ei-bois-nive", dict(kind="product", title="Menuiseries sur mesure en chêne local",
                          description="Fenêtres, portes et agencements en bois des Pyrénées, "
                                      "fabriqués par nos salariés en insertion.",
                          sector="wood.joinery", unit="m²", price="320.00", quantity=40,
                          currency_share=30, accepted_currencies=["EUSKO", "MUTU"],
                          reach="regional",
                          deliveries=[PICKUP, {"kind": "delivery_radius", "radius_km": 60,
                                               "fee_kind": "fixed", "fee": "45.00"}])),
    ("ei-bois-nive", dict(kind="product", title="Bancs de jardin en bois de récupération",
                          description="Bancs robustes pour jardins partagés et cours d'école.",
                          sector="wood.furniture", unit="banc", price="180.00", quantity=12,
                          currency_share=50, accepted_currencies=["EUSKO"], reach="local",
                          radius_km=50, deliveries=[PICKUP])),
    ("aci-jardins-adour", dict(kind="product", title="Paniers de légumes bio de saison",
                               description="Légumes cultivés en maraîchage biologique par "
                                           "notre chantier d'insertion, livrés chaque semaine.",
                               sector="agri.baskets", unit="panier", price="18.00",
                               quantity=60, currency_share=100,
                               accepted_currencies=["EUSKO", "MUTU"], reach="local",
                               radius_km=30, deliveries=[PICKUP])),
    ("aci-jardins-adour", dict(kind="service", title="Entretien d'espaces verts",
                               description="Tonte, taille, débroussaillage pour collectivités "
                                           "et entreprises.", sector="green.maintenance",
                               unit="heure", price="38.00", currency_share=20,
                               accepted_currencies=["MUTU"], reach="regional")),
    ("ei-proprete-labourd", dict(kind="service", title="Nettoyage de bureaux et de locaux",
                                 description="Entretien régulier de bureaux par une entreprise "
                                             "d'insertion, produits écolabellisés.",
                                 sector="cleaning.offices", unit="heure", price="27.50",
                                 currency_share=20, accepted_currencies=["MUTU"],
                                 reach="regional")),
    ("scic-recyclerie-64", dict(kind="product", title="Mobilier de bureau reconditionné",
                                description="Bureaux, chaises et armoires remis en état.",
                                sector="reuse.furniture", unit="pièce", price="45.00",
                                quantity=80, currency_share=40,
                                accepted_currencies=["EUSKO", "MUTU"], reach="national",
                                deliveries=[PICKUP])),
    ("ea-numerique-basque", dict(kind="service", title="Numérisation d'archives",
                                 description="Scan et indexation de documents par une "
                                             "entreprise adaptée.", sector="digital.services",
                                 unit="lot de 1 000 pages", price="240.00", reach="national")),
    ("aci-vélo-bordeaux", dict(kind="service", title="Livraisons urbaines en vélo-cargo",
                               description="Dernier kilomètre sans moteur dans la métropole "
                                           "bordelaise.", sector="logistics.delivery",
                               unit="tournée", price="65.00", currency_share=25,
                               accepted_currencies=["MUTU"], reach="local", radius_km=25)),
    ("coop-landes-maraichage", dict(kind="product", title="Légumes pour la restauration "
                                                          "collective",
                                    description="Carottes, poireaux et courges des Landes "
                                                "pour les cantines.",
                                    sector="agri.market_gardening", unit="kg", price="2.40",
                                    quantity=5000, currency_share=30,
                                    accepted_currencies=["MUTU"], reach="europe",
                                    deliveries=[{"kind": "delivery_region",
                                                 "region": "Nouvelle-Aquitaine",
                                                 "fee_kind": "quoted"}])),
    ("coop-barcelona-menjadors", dict(kind="service", title="Organic catering for events",
                                      description="Lunches cooked by a worker cooperative, "
                                                  "seasonal and local.",
                                      sector="food.catering", unit="meal", price="14.00",
                                      currency_share=10, accepted_currencies=["MUTU"],
                                      reach="europe")),
    ("gie-insertion-pays-basque", dict(kind="share", title="Parts sociales du GIE Insertion "
                                                           "Pays Basque",
                                       description="Rejoignez le capital du groupement qui "
                                                   "répond ensemble aux marchés publics.",
                                       sector="business.support", unit="part", price="50.00",
                                       share_min=2, share_max=200, reach="regional")),
]


def sector_or_first(code: str) -> str:
    """The sector code if the taxonomy knows it, else the first of its group."""
    from market.members import taxonomy

    if taxonomy.is_sector(code):
        return code
    group = code.split(".")[0]
    return (taxonomy.group_sector_codes(group) or [taxonomy.groups()[0].sectors[0].code])[0]


def fund_buyers(session, members: dict) -> None:
    """Euros paid in by two buyers (what a Stripe top-up does from the currencies issue on)."""
    conn = session.connection()
    clearing = next(a["id"] for a in ledger.list_accounts(conn, currency="EUR")
                    if a["owner_ref"] is None and a["min_balance"] is None)
    for key in ("aci-jardins-adour", "scic-recyclerie-64"):
        target = orders.account_in(conn, members[key].id, "EUR")
        ledger.transfer(conn, [{"from": clearing, "to": target, "amount": "1500.00"}],
                        description="Virement reçu sur le compte en euros")


def seed_marketplace(session, members: dict) -> str | None:
    """Publish the demo offers and trade on them once; None when offers exist already."""
    if session.scalar(select(Offer.id).limit(1)) is not None:
        return None
    # The want comes first: the offers published next that fit it tell its member.
    session.add(Want(member_id=members["aci-jardins-adour"].id, member=members[
        "aci-jardins-adour"], title="Bois pour les bacs du potager", keywords="bois",
        sector_code=None, region="Nouvelle-Aquitaine", reach="regional"))
    session.flush()
    made = []
    for key, fields in OFFERS:
        if key not in members:
            continue
        data = OfferInSchema().load({**fields, "sector": sector_or_first(fields["sector"])})
        offer = offers.create_offer(session, members[key], data)
        offers.transition(session, offer, "publish")
        made.append(offer)
    fund_buyers(session, members)
    expiring = made[3]
    expiring.valid_until = now_utc() + timedelta(days=5)  # shows the reminder and renewal
    buyer, seller_offer = members["aci-jardins-adour"], made[0]
    done = orders.request_order(session, seller_offer, buyer, None, {
        "quantity": 2, "delivery": seller_offer.deliveries[0].id,
        "payment": [{"currency": "EUR", "amount": "448.00"},
                    {"currency": "EUSKO", "amount": "192.00"}]})
    for action, side in (("accept", orders.SELLER), ("deliver", orders.SELLER),
                         ("confirm", orders.BUYER)):
        orders.act(session, done, action, {side})
    waiting = orders.request_order(session, made[2], members["ei-proprete-labourd"], None,
                                   {"quantity": 3, "delivery": made[2].deliveries[0].id,
                                    "payment": [{"currency": "MUTU", "amount": "54.00"}]})
    orders.act(session, waiting, "accept", {orders.SELLER})
    orders.request_order(session, made[4], members["scic-recyclerie-64"], None,
                         {"quantity": 10, "payment": [
                             {"currency": "EUR", "amount": "220.00"},
                             {"currency": "MUTU", "amount": "55.00"}]})
    session.add(Question(offer_id=made[0].id, member_id=members["ai-cote-basque"].id,
                         member=members["ai-cote-basque"],
                         text="Posez-vous aussi les fenêtres ?",
                         answer="Oui, la pose est comprise dans un rayon de 60 km.",
                         answered_at=now_utc()))
    session.flush()
    told = session.scalar(select(func.count()).select_from(WantMatch))
    return (f"Place de marché : {len(made)} offres publiées, 3 commandes (une réglée, "
            f"une acceptée, une en attente), un besoin ({told} offre(s) signalée(s)), "
            "une question.")
