"""The offer search at scale: typical searches through HTTP, next to the same SQL run directly.

    .venv/bin/python tests/benchmarks/search.py [--db sqlite|postgresql|both]
        [--offers 100000] [--members 5000] [--repeat 200] [--pg-url URL] [--keep]

For each database: recreates a scratch one (PostgreSQL: the database named in --pg-url,
dropped and created again; SQLite: a temporary file), upgrades it with the migrations, creates
the ledger currencies EUR, MUTU and EUSKO, and bulk-inserts (SQLAlchemy Core, executemany)
members in networks and their offers: French and English titles and descriptions of ESS
trades, the sectors of market/data/sectors.json, kinds, prices, shares payable in MUTU or
EUSKO, every reach, places over metropolitan France (jittered department centroids) with
their region, images and delivery methods; on SQLite the FTS5 table offers_fts with the
stems of market.offers.text.indexed (timed on its own: the slow part of the seed).

Then four searches, each with --repeat varied parameters after a warm-up:
  text         GET /api/v1/offers?q=   one or two common words
  text_place   GET /api/v1/offers?q=&lat=&lon=   the reach must cover a point in France
  filters      GET /api/v1/offers?kind=&sector_group=&price_min=&price_max=&accepts=MUTU
  geojson      GET /api/v1/offers.geojson?lat=&lon=&region=&country=FR&limit=500
each timed three ways: "direct" (the floor: the SQL text market.offers.search.search
compiles, captured from the engine, run with the bare driver, psycopg or sqlite3, rows
fetched), "in-process" (market.offers.search.search in an app context: the same query, the
ORM's rows and its eager loads) and "HTTP" (gunicorn with gunicorn.conf.py's worker class,
--workers 2, one keep-alive client). Prints p50/p95 of each, the ratio HTTP p95 / direct p95
and whether the targets hold (HTTP p95 <= 100 ms; HTTP p95 <= 3 x direct p95), then each
search's plan (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite).

PostgreSQL is analysed after the load (VACUUM ANALYZE, as autovacuum would soon do); SQLite
is left as the application leaves it (no ANALYZE) unless --sqlite-analyze is given.
"""

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
sys.path.insert(0, str(ROOT))

import click  # noqa: E402
from sqlalchemy import create_engine, event, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

TARGET_P95_MS, TARGET_RATIO = 100.0, 3.0
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_search"
CHUNK = 5_000
WARM_UP = 20

# --- Vocabulary --------------------------------------------------------------------------

#: (sector code, kind, unit, price range in euros, French titles, English titles)
TRADES = [
    ("wood.joinery", "service", "jour", (250, 600),
     ["Menuiserie sur mesure", "Menuiserie intérieure et agencement",
      "Pose de fenêtres et de portes en bois"], ["Custom joinery", "Interior woodwork"]),
    ("wood.furniture", "product", "pièce", (80, 1500),
     ["Mobilier en bois massif", "Tables et bancs en chêne local", "Étagères en bois de réemploi"],
     ["Solid wood furniture"]),
    ("wood.pallets", "product", "palette", (5, 25),
     ["Palettes reconditionnées", "Palettes en bois récupérées"], ["Reconditioned pallets"]),
    ("agri.market_gardening", "product", "kg", (2, 8),
     ["Légumes bio de saison", "Maraîchage biologique : légumes frais",
      "Tomates et courgettes de plein champ"], ["Organic seasonal vegetables"]),
    ("agri.baskets", "product", "panier", (12, 30),
     ["Paniers de légumes bio", "Panier hebdomadaire du maraîcher"],
     ["Weekly organic vegetable box"]),
    ("agri.horticulture", "product", "plant", (2, 15),
     ["Plants potagers et fleurs de saison"], ["Vegetable seedlings"]),
    ("cleaning.offices", "service", "heure", (22, 40),
     ["Nettoyage de bureaux", "Entretien de locaux professionnels", "Nettoyage après chantier"],
     ["Office cleaning", "Commercial premises cleaning"]),
    ("cleaning.windows", "service", "heure", (25, 45),
     ["Nettoyage de vitres et de façades"], ["Window cleaning"]),
    ("food.catering", "service", "repas", (9, 35),
     ["Traiteur solidaire pour vos événements", "Plateaux-repas traiteur",
      "Buffets et cocktails traiteur"], ["Catering for events", "Solidarity catering"]),
    ("food.bakery", "product", "kg", (3, 9),
     ["Pain bio au levain", "Boulangerie artisanale : pains et viennoiseries"],
     ["Organic sourdough bread"]),
    ("food.processing", "product", "pot", (3, 8),
     ["Confitures et conserves de légumes", "Jus de pomme artisanal"],
     ["Homemade jams", "Craft apple juice"]),
    ("reuse.resource_centre", "product", "pièce", (2, 150),
     ["Recyclerie : meubles et objets de seconde main", "Ressourcerie solidaire",
      "Électroménager reconditionné de la recyclerie"], ["Second-hand furniture and goods"]),
    ("reuse.repair", "service", "intervention", (30, 120),
     ["Réparation d'électroménager", "Atelier de réparation et de réemploi"],
     ["Appliance repair"]),
    ("reuse.collection", "service", "tonne", (50, 300),
     ["Collecte et tri des déchets", "Collecte d'encombrants et de cartons"],
     ["Waste collection and sorting"]),
    ("mobility.bike", "service", "heure", (25, 60),
     ["Atelier vélo : réparation et entretien", "Vélos reconditionnés",
      "Location de vélos à assistance électrique"], ["Bike repair workshop", "Refurbished bikes"]),
    ("logistics.delivery", "service", "course", (8, 40),
     ["Livraison en vélo-cargo", "Livraison du dernier kilomètre en vélo-cargo",
      "Coursiers à vélo"], ["Cargo bike delivery", "Last-mile delivery by cargo bike"]),
    ("logistics.removals", "service", "jour", (300, 900),
     ["Déménagement solidaire", "Manutention et transport de mobilier"], ["Removals"]),
    ("print.printing", "service", "lot", (40, 800),
     ["Imprimerie : flyers, affiches et brochures", "Impression écologique sur papier recyclé"],
     ["Eco-friendly printing: flyers and posters"]),
    ("print.signage", "product", "pièce", (30, 400),
     ["Signalétique et panneaux de chantier"], ["Signs and banners"]),
    ("green.maintenance", "service", "heure", (25, 45),
     ["Entretien d'espaces verts", "Tonte, débroussaillage et taille de haies"],
     ["Green space maintenance", "Garden maintenance"]),
    ("green.forestry", "service", "jour", (300, 700),
     ["Élagage et abattage", "Travaux forestiers et bûcheronnage"], ["Tree surgery"]),
    ("green.landscaping", "service", "m²", (15, 80),
     ["Création paysagère et jardins partagés", "Aménagement d'espaces verts"],
     ["Landscaping and community gardens"]),
    ("green.beekeeping", "product", "pot", (6, 15), ["Miel de fleurs local"], ["Local honey"]),
    ("textile.manufacturing", "product", "pièce", (15, 90),
     ["Couture et confection textile", "Sacs en tissu recyclé"],
     ["Upcycled tote bags", "Textile manufacturing"]),
    ("textile.workwear", "product", "pièce", (20, 80),
     ["Vêtements de travail personnalisés"], ["Custom workwear"]),
    ("textile.laundry", "service", "kg", (3, 8),
     ["Blanchisserie et repassage"], ["Laundry and ironing"]),
    ("digital.refurbishing", "product", "pièce", (120, 450),
     ["Ordinateurs portables reconditionnés", "Reconditionnement de matériel informatique"],
     ["Refurbished laptops"]),
    ("digital.web", "service", "jour", (350, 650),
     ["Création de sites web accessibles"], ["Accessible website design"]),
    ("construction.renovation", "service", "m²", (30, 150),
     ["Rénovation de logements", "Peinture et finitions intérieures", "Plâtrerie et isolation"],
     ["Home renovation", "Interior painting"]),
    ("energy.firewood", "product", "stère", (60, 110),
     ["Bois de chauffage sec", "Bûches de chêne et de hêtre"], ["Seasoned firewood"]),
    ("energy.solar", "service", "kWc", (900, 2000),
     ["Installation de panneaux solaires citoyens"], ["Community solar panels"]),
    ("personal.home_help", "service", "heure", (20, 30),
     ["Aide à domicile", "Ménage et repassage à domicile"], ["Home help"]),
    ("personal.odd_jobs", "service", "heure", (20, 35),
     ["Petits travaux de bricolage et de jardinage"], ["Handyman services"]),
    ("business.reception", "service", "heure", (20, 35),
     ["Accueil et standard téléphonique"], ["Reception desk services"]),
    ("business.archiving", "service", "mètre", (5, 20),
     ["Archivage et numérisation de documents"], ["Document archiving and scanning"]),
    ("training.vocational", "service", "jour", (200, 900),
     ["Formation professionnelle aux métiers du bâtiment"], ["Vocational training"]),
    ("culture.events", "service", "jour", (300, 1500),
     ["Organisation d'événements culturels", "Régie son et lumière"], ["Cultural events"]),
    ("tourism.hospitality", "service", "nuit", (40, 120),
     ["Gîte et hébergement solidaire"], ["Solidarity guesthouse"]),
    ("fair_trade.retail", "product", "kg", (8, 30),
     ["Café et thé équitables", "Épicerie équitable en vrac"], ["Fair trade coffee and tea"]),
    ("health.medical_supplies", "product", "lot", (10, 200),
     ["Masques et blouses lavables"], ["Washable masks and gowns"]),
    ("finance.solidarity", "share", "part", (20, 100),
     ["Parts sociales de notre coopérative", "Souscrivez au capital de la SCIC"],
     ["Shares in our cooperative"]),
    ("energy.renewable", "share", "part", (50, 250),
     ["Investissez dans une centrale solaire citoyenne"], ["Invest in a community solar plant"]),
]

FR_OPENERS = [
    "Structure d'insertion basée à {city}.", "Atelier et chantier d'insertion à {city}.",
    "Entreprise adaptée implantée à {city}.", "Coopérative (Scop) installée à {city}.",
    "Association de l'économie sociale et solidaire à {city}.",
    "SCIC du territoire, au service des habitants de {city} et alentours.",
]
FR_DETAILS = [
    "Travail soigné réalisé par des salariés en parcours d'insertion.",
    "Matériaux locaux et circuit court.", "Devis gratuit sous 48 heures.",
    "Intervention dans un rayon de {radius} km.",
    "Livraison possible en vélo-cargo dans l'agglomération.",
    "Produits issus de l'agriculture biologique.", "Paiement possible en monnaie locale.",
    "Commandes groupées bienvenues pour les collectivités et les entreprises.",
    "Nous répondons aux clauses sociales des marchés publics.", "Agréée ESUS.",
    "Réemploi et économie circulaire au cœur de notre projet.",
    "Horaires adaptés, y compris le samedi matin.", "Éco-conception et zéro déchet.",
    "Qualité professionnelle, prix juste et emplois durables.",
]
EN_OPENERS = [
    "Work-integration social enterprise based in {city}.",
    "Worker cooperative from {city}, France.", "Community interest company near {city}.",
]
EN_DETAILS = [
    "We employ people on a return-to-work path.", "Local materials and short supply chains.",
    "Free quote within 48 hours.", "We work within {radius} km.",
    "Delivery by cargo bike in town.", "Organic produce.", "Local currency accepted.",
    "Group orders welcome from councils and companies.", "Reuse and circular economy.",
]
#: What people type: one or two common words, French mostly (some broad, some narrow).
QUERIES = [
    "menuiserie", "nettoyage", "traiteur", "légumes bio", "vélo-cargo", "recyclerie",
    "imprimerie", "espaces verts", "bois", "réparation", "livraison", "bois chauffage",
    "panneaux solaires", "nettoyage bureaux", "paniers", "élagage", "couture", "miel",
    "ordinateurs reconditionnés", "déménagement", "parts sociales", "maraîchage",
    "catering", "cleaning", "repair", "furniture", "insertion", "circuit court",
]
NAME_STARTS = ["Les Ateliers de", "Scop", "Coop", "Recyclerie de", "Jardins de", "Solidarité",
               "Le Relais", "Envie", "Régie de quartier de", "Les Compagnons de", "Scic",
               "Terre d'Avenir", "Main Forte", "Pôle ESS de"]
STREETS = ["rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "place du Marché",
           "chemin des Vignes", "rue de l'Église", "boulevard Gambetta", "zone artisanale"]
#: A town of each metropolitan department (its prefecture).
TOWNS = dict(item.split(":") for item in (
    "01:Bourg-en-Bresse 02:Laon 03:Moulins 04:Digne-les-Bains 05:Gap 06:Nice 07:Privas "
    "08:Charleville-Mézières 09:Foix 10:Troyes 11:Carcassonne 12:Rodez 13:Marseille 14:Caen "
    "15:Aurillac 16:Angoulême 17:La_Rochelle 18:Bourges 19:Tulle 2A:Ajaccio 2B:Bastia "
    "21:Dijon 22:Saint-Brieuc 23:Guéret 24:Périgueux 25:Besançon 26:Valence 27:Évreux "
    "28:Chartres 29:Quimper 30:Nîmes 31:Toulouse 32:Auch 33:Bordeaux 34:Montpellier "
    "35:Rennes 36:Châteauroux 37:Tours 38:Grenoble 39:Lons-le-Saunier 40:Mont-de-Marsan "
    "41:Blois 42:Saint-Étienne 43:Le_Puy-en-Velay 44:Nantes 45:Orléans 46:Cahors 47:Agen "
    "48:Mende 49:Angers 50:Saint-Lô 51:Châlons-en-Champagne 52:Chaumont 53:Laval 54:Nancy "
    "55:Bar-le-Duc 56:Vannes 57:Metz 58:Nevers 59:Lille 60:Beauvais 61:Alençon 62:Arras "
    "63:Clermont-Ferrand 64:Bayonne 65:Tarbes 66:Perpignan 67:Strasbourg 68:Colmar 69:Lyon "
    "70:Vesoul 71:Mâcon 72:Le_Mans 73:Chambéry 74:Annecy 75:Paris 76:Rouen 77:Melun "
    "78:Versailles 79:Niort 80:Amiens 81:Albi 82:Montauban 83:Toulon 84:Avignon "
    "85:La_Roche-sur-Yon 86:Poitiers 87:Limoges 88:Épinal 89:Auxerre 90:Belfort "
    "91:Évry-Courcouronnes 92:Nanterre 93:Bobigny 94:Créteil 95:Cergy").split())
TOWNS = {code: town.replace("_", " ") for code, town in TOWNS.items()}
#: Departments with a large town weigh more: members (and searches) are where people are.
BUSY = {"75": 6, "69": 4, "13": 4, "33": 3, "31": 3, "59": 3, "44": 3, "35": 3, "67": 2,
        "34": 2, "06": 2, "38": 2, "93": 2, "92": 2, "64": 2, "76": 2}
NETWORKS = [("ripess-europe", "RIPESS Europe", "international"),
            ("mes", "Mouvement pour l'économie solidaire", "national"),
            ("fede-recycleries", "Réseau des ressourceries", "national"),
            ("cress-bretagne", "CRESS Bretagne", "regional"),
            ("cress-aura", "CRESS Auvergne-Rhône-Alpes", "regional"),
            ("ptce-pays-basque", "PTCE Pays basque", "ptce"),
            ("gie-achats-solidaires", "GIE Achats solidaires", "other"),
            ("chantier-ecole", "Chantier école", "national")]
INCLUSION = [("none", 62), ("ACI", 10), ("EI", 8), ("AI", 4), ("ETTI", 2), ("EITI", 1),
             ("EA", 8), ("EATT", 1), ("ESAT", 3), ("GEIQ", 1)]
LEGAL = [("association", 45), ("scop", 15), ("scic", 10), ("cooperative", 5),
         ("ess_company", 15), ("mutual", 2), ("foundation", 3), ("other", 5)]
STATUS = [("published", 85), ("draft", 5), ("paused", 4), ("expired", 4), ("archived", 2)]


def weighted(rng: random.Random, pairs):
    return rng.choices([value for value, _ in pairs], [weight for _, weight in pairs])[0]


# --- Progress ----------------------------------------------------------------------------

class Progress:
    """A click progress bar on a terminal; otherwise a plain line every fifth of the way."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self.began = time.perf_counter()
        self.bar = click.progressbar(length=total, label=label) if sys.stdout.isatty() else None
        self.next_print = total / 5
        if self.bar:
            self.bar.__enter__()

    def update(self, n: int) -> None:
        self.done += n
        if self.bar:
            self.bar.update(n)
        elif self.done >= self.next_print or self.done == self.total:
            print(f"  {self.label}: {self.done}/{self.total} "
                  f"({time.perf_counter() - self.began:.1f} s)", flush=True)
            self.next_print += self.total / 5

    def close(self) -> float:
        if self.bar:
            self.bar.__exit__(None, None, None)
        return time.perf_counter() - self.began


# --- Database and application ------------------------------------------------------------

def make_app(url: str):
    """The application on ``url``, configured as tests/conftest.py's make_config does."""
    from market import create_app
    from market.platform.config import TestConfig

    return create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))


def recreate_postgresql(url: str) -> None:
    """Drop the benchmark's database and create it again, empty."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def drop_postgresql(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


class Places:
    """Department centroids of metropolitan France, weighted by how busy they are."""

    def __init__(self) -> None:
        from market.offers.places import department_centroids

        self.departments = sorted(c for c, (_, _, region) in department_centroids().items()
                                  if region and c in TOWNS)
        self.centroids = department_centroids()
        self.weights = [BUSY.get(c, 1) for c in self.departments]

    def pick(self, rng: random.Random, spread: float = 0.18) -> tuple[str, float, float, str]:
        """(department, lat, lon, region): a jittered point of a department."""
        code = rng.choices(self.departments, self.weights)[0]
        lat, lon, region = self.centroids[code]
        return (code, round(lat + rng.uniform(-spread, spread), 6),
                round(lon + rng.uniform(-spread, spread) * 1.4, 6), region)


def seed(app, n_members: int, n_offers: int, rng: random.Random, exact_index: bool) -> dict:
    """Fill the migrated database; return the seconds each part took."""
    import ledger
    from market.members.models import Member, Network, member_networks
    from market.members.taxonomy import is_sector
    from market.offers import text as offer_text
    from market.offers.models import DeliveryMethod, Offer, OfferCurrency, OfferImage
    from market.platform.extensions import db
    from market.platform.time import now_utc

    for trade in TRADES:
        assert is_sector(trade[0]), trade[0]
    timings = {}
    now = now_utc()
    places = Places()
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    for code, name, kind in (("EUR", "Euro", "fiat"), ("MUTU", "Crédit mutuel interentreprises",
                             "mutual_credit"), ("EUSKO", "Eusko", "backed")):
        ledger.create_currency(engine, code, name, 2, kind)

    began = time.perf_counter()
    members, links = [], []
    for i in range(1, n_members + 1):
        dept, lat, lon, region = places.pick(rng)
        town = TOWNS[dept]
        legal = weighted(rng, LEGAL)
        members.append({
            "id": i, "name": f"{rng.choice(NAME_STARTS)} {town} {i}", "siren": None,
            "siret": None, "foreign_id": None, "legal_form": legal,
            "inclusion_kind": weighted(rng, INCLUSION),
            "status": weighted(rng, [("active", 96), ("suspended", 2), ("pending", 2)]),
            "address": f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
            "postcode": ("20" if dept in ("2A", "2B") else dept) + f"{rng.randint(0, 9)}00",
            "city": town, "insee_code": None, "department": dept, "region": region,
            "country": "FR", "nuts_code": None, "latitude": lat, "longitude": lon,
            "description": f"{rng.choice(FR_OPENERS).format(city=town)} "
                           f"{rng.choice(FR_DETAILS).format(radius=30)}",
            "website": "", "contact_name": "", "contact_email": f"contact{i}@example.org",
            "contact_phone": "", "turnover_cents": rng.randint(50_000, 5_000_000) * 100,
            "headcount": rng.randint(2, 120), "insertion_headcount": rng.randint(0, 60),
            "created_at": now - timedelta(days=rng.randint(400, 3000)), "updated_at": now,
            # Kept apart from the insert: the member's trade and whether it is in the Basque
            # Country (EUSKO).
            "_trade": rng.randrange(len(TRADES)), "_eusko": dept in ("64", "40"),
        })
        for slug_index in rng.sample(range(len(NETWORKS)), rng.choice((1, 1, 2))):
            links.append({"member_id": i, "network_id": slug_index + 1})
    with engine.begin() as conn:
        conn.execute(insert(Network.__table__), [
            {"id": n + 1, "slug": slug, "name": name, "kind": kind, "description": ""}
            for n, (slug, name, kind) in enumerate(NETWORKS)])
        progress = Progress("members", n_members)
        for start in range(0, n_members, CHUNK):
            chunk = members[start:start + CHUNK]
            conn.execute(insert(Member.__table__),
                         [{k: v for k, v in m.items() if not k.startswith("_")} for m in chunk])
            progress.update(len(chunk))
        progress.close()
        conn.execute(insert(member_networks), links)
    timings["members_s"] = round(time.perf_counter() - began, 2)

    # Offers: ~20 a member on average, a few members with many.
    weights = [rng.paretovariate(1.6) for _ in members]
    owners = rng.choices(members, weights, k=n_offers)
    memo: dict[str, dict[str, str]] = {}

    def stems(fragments: list[str]) -> dict[str, str]:
        """text.indexed of the joined fragments, from each fragment's (memoised): the stems
        are those of each word alone, so this is the same text (checked on a sample)."""
        parts = []
        for fragment in fragments:
            found = memo.get(fragment)
            if found is None:
                found = memo[fragment] = offer_text.indexed(fragment)
            parts.append(found)
        return {lang: " ".join(p[lang] for p in parts if p[lang])
                for lang in offer_text.LANGUAGES}

    progress = Progress("offers", n_offers)
    began = time.perf_counter()
    index_seconds = 0.0
    fts_rows_total = 0
    texts = []  # (offer id, the text search_index.refresh indexes) for the sample below
    with engine.begin() as conn:
        gin = None
        if not sqlite:
            # Built once after the load rather than row by row: the migration's own definition.
            gin = conn.execute(text(
                "SELECT pg_get_indexdef('ix_offers_search'::regclass)")).scalar()
            conn.execute(text("DROP INDEX ix_offers_search"))
        for start in range(0, n_offers, CHUNK):
            offers, currencies, images, deliveries, fts = [], [], [], [], []
            for offer_id in range(start + 1, min(start + CHUNK, n_offers) + 1):
                m = owners[offer_id - 1]
                trade = TRADES[m["_trade"] if rng.random() < 0.7 else rng.randrange(len(TRADES))]
                sector, kind, unit, (low, high), fr_titles, en_titles = trade
                english = rng.random() < 0.2
                town = m["city"]
                radius = rng.choice((10, 15, 20, 25, 30, 40, 50, 60, 80, 100))
                if english:
                    title = rng.choice(en_titles)
                    sentences = [rng.choice(EN_OPENERS).format(city=town),
                                 *[s.format(radius=radius) for s in rng.sample(EN_DETAILS, 2)]]
                else:
                    title = rng.choice(fr_titles)
                    if rng.random() < 0.3:
                        title = f"{title} à {town}"
                    sentences = [rng.choice(FR_OPENERS).format(city=town),
                                 *[s.format(radius=radius)
                                   for s in rng.sample(FR_DETAILS, rng.randint(2, 4))]]
                description = " ".join(sentences)
                status = weighted(rng, STATUS)
                published = (None if status == "draft"
                             else now - timedelta(minutes=rng.randint(10, 365 * 24 * 60)))
                reach = ("national" if kind == "share" and rng.random() < 0.5 else
                         weighted(rng, [("local", 45), ("regional", 35), ("national", 15),
                                        ("europe", 5)]))
                share = 0 if rng.random() < 0.55 else rng.choice((10, 20, 30, 50, 100))
                until = rng.random()
                placed = rng.random() > 0.02
                valid_from = (None if rng.random() < 0.95 else
                              now + timedelta(days=rng.randint(-30, 30)))
                valid_until = (None if until < 0.5 else
                               now - timedelta(days=rng.randint(1, 60)) if until < 0.55
                               else now + timedelta(days=rng.randint(31, 365)))
                if valid_from and valid_until and valid_until <= valid_from:
                    valid_until = valid_from + timedelta(days=30)
                offers.append({
                    "id": offer_id, "member_id": m["id"], "kind": kind, "status": status,
                    "title": title, "description": description, "sector_code": sector,
                    "unit": unit,
                    "price_minor": round(rng.uniform(low, high) * 100), "currency": "EUR",
                    "currency_share": share,
                    "quantity": (rng.randint(0, 500) if kind == "product" and rng.random() < 0.7
                                 else None),
                    "reach": reach, "radius_km": radius if reach == "local" else None,
                    "latitude": (round(m["latitude"] + rng.uniform(-0.04, 0.04), 6)
                                 if placed else None),
                    "longitude": (round(m["longitude"] + rng.uniform(-0.06, 0.06), 6)
                                  if placed else None),
                    "city": town, "department": m["department"], "region": m["region"],
                    "country": "FR",
                    "valid_from": valid_from, "valid_until": valid_until,
                    "share_min": 1 if kind == "share" else None,
                    "share_max": rng.choice((None, 100, 1000)) if kind == "share" else None,
                    "has_images": False, "reminded_7_at": None, "reminded_1_at": None,
                    "created_at": (published or now) - timedelta(days=rng.randint(0, 30)),
                    "updated_at": published or now, "published_at": published,
                })
                if share:
                    accepted = ({"EUSKO", *(["MUTU"] if rng.random() < 0.5 else [])}
                                if m["_eusko"] else {"MUTU"})
                    currencies += [{"offer_id": offer_id, "currency": c} for c in accepted]
                if rng.random() < 0.4:
                    offers[-1]["has_images"] = True
                    images.append({"offer_id": offer_id, "key": f"{offer_id:08x}"
                                   f"{rng.getrandbits(64):016x}", "position": 0,
                                   "width": 1200, "height": 800, "alt": title,
                                   "created_at": offers[-1]["created_at"]})
                if kind == "product":
                    delivery = weighted(rng, [("pickup", 60), ("delivery_radius", 30),
                                              ("delivery_region", 10)])
                    fee = weighted(rng, [("free", 40), ("fixed", 40), ("quoted", 20)])
                    deliveries.append({
                        "offer_id": offer_id, "kind": delivery,
                        "address": m["address"] if delivery == "pickup" else "",
                        "radius_km": radius if delivery == "delivery_radius" else None,
                        "region": m["region"] if delivery == "delivery_region" else "",
                        "fee_kind": fee,
                        "fee_minor": rng.randint(3, 30) * 100 if fee == "fixed" else None})
                if sqlite:
                    # market.offers.search_index.refresh: the title twice, then the description.
                    t0 = time.perf_counter()
                    if exact_index:
                        words = offer_text.indexed(f"{title} {title} {description}")
                    else:
                        words = stems([title, title, *sentences])
                    index_seconds += time.perf_counter() - t0
                    fts.append({"id": offer_id, **words})
                    if len(texts) < 300:
                        texts.append((words, f"{title} {title} {description}"))
            conn.execute(insert(Offer.__table__), offers)
            if currencies:
                conn.execute(insert(OfferCurrency.__table__), currencies)
            if images:
                conn.execute(insert(OfferImage.__table__), images)
            if deliveries:
                conn.execute(insert(DeliveryMethod.__table__), deliveries)
            if fts:
                t0 = time.perf_counter()
                conn.execute(text("INSERT INTO offers_fts (rowid, french, english) "
                                  "VALUES (:id, :french, :english)"), fts)
                index_seconds += time.perf_counter() - t0
                fts_rows_total += len(fts)
            progress.update(len(offers))
        if gin:
            t0 = time.perf_counter()
            conn.execute(text(gin))
            timings["gin_index_s"] = round(time.perf_counter() - t0, 2)
        if not sqlite:
            for table_name in ("members", "networks", "offers", "offer_images",
                               "offer_delivery_methods"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'),"
                                  f" (SELECT max(id) FROM {table_name}))"))
    progress.close()
    timings["offers_s"] = round(time.perf_counter() - began, 2)
    if sqlite:
        timings["offers_fts_s"] = round(index_seconds, 2)
        timings["offers_fts_rows"] = fts_rows_total
        # What text.indexed costs on each offer's whole text (as search_index.refresh calls
        # it), measured on a sample, and a check that the memoised stems are the same words.
        t0 = time.perf_counter()
        for words, whole in texts:
            exact = offer_text.indexed(whole)
            if any(exact[lang].split() != words[lang].split() for lang in exact):
                raise SystemExit(f"memoised stems differ from text.indexed for {whole!r}")
        per_offer = (time.perf_counter() - t0) / max(len(texts), 1)
        timings["text_indexed_ms_per_offer"] = round(per_offer * 1000, 2)
        timings["text_indexed_s_for_all"] = round(per_offer * n_offers, 1)
        timings["distinct_fragments"] = len(memo)
    began = time.perf_counter()
    if sqlite:
        with engine.begin() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        timings["vacuum_analyze_s"] = round(time.perf_counter() - began, 2)
    with engine.connect() as conn:
        timings["published_current"] = conn.execute(text(
            "SELECT count(*) FROM offers JOIN members ON members.id = offers.member_id "
            "WHERE offers.status = 'published' AND members.status = 'active'")).scalar()
    return timings


# --- The searches ------------------------------------------------------------------------

def searches(rng: random.Random, n: int) -> dict[str, list[tuple[str, dict]]]:
    """Each search's n (path, query parameters), varied; the same for every way of timing."""
    from market.members.taxonomy import groups

    places = Places()
    known = {g.code for g in groups()}
    # What people filter on: a family of sectors with a kind its trades offer.
    pairs = sorted({(t[0].split(".")[0], t[1]) for t in TRADES
                    if t[1] != "share" and t[0].split(".")[0] in known})
    found: dict[str, list[tuple[str, dict]]] = {k: [] for k in
                                                 ("text", "text_place", "filters", "geojson")}
    for _ in range(n):
        q = rng.choice(QUERIES)
        found["text"].append(("/api/v1/offers", {"q": q}))
        _d, lat, lon, _region = places.pick(rng, spread=0.3)
        found["text_place"].append(("/api/v1/offers", {"q": rng.choice(QUERIES),
                                                       "lat": str(lat), "lon": str(lon)}))
        low = rng.choice((0, 5, 10, 20, 50))
        high = rng.choice((100, 200, 500, 1000, 5000))
        group, kind = rng.choice(pairs)
        found["filters"].append(("/api/v1/offers", {
            "kind": [kind], "sector_group": group,
            "price_min": f"{low}.00", "price_max": f"{high}.00", "accepts": "MUTU"}))
        _d, lat, lon, region = places.pick(rng, spread=0.3)
        found["geojson"].append(("/api/v1/offers.geojson", {
            "lat": str(lat), "lon": str(lon), "region": region, "country": "FR",
            "limit": "500"}))
    return found


def url_of(path: str, params: dict) -> str:
    return f"{path}?{urlencode(params, doseq=True)}"


def pick(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def figures(values: list[float]) -> dict:
    return {"p50": pick(values, 0.50), "p95": pick(values, 0.95)}


def search_filters(params: dict) -> tuple[dict, int]:
    """The filters and limit the API hands to search.search for these query parameters."""
    from market.offers.api import search_args
    from market.offers.schemas import OfferSearchArgsSchema

    filters, limit, _cursor = search_args(OfferSearchArgsSchema().load(params))
    return filters, limit


def in_process(app, cases: list[tuple[str, dict]]) -> tuple[list, list, list]:
    """Capture the SQL the API's search compiles for each case (a first pass, which warms
    up), then time that search itself (search.points for the GeoJSON, search.search for the
    list); return (sql, seconds, rows per page)."""
    from market.offers import search
    from market.platform.extensions import db

    def run(path: str, filters: dict, limit: int) -> int:
        if path.endswith(".geojson"):
            return len(search.points(db.session, filters, limit=limit)[0])
        return len(search.search(db.session, filters, limit=limit).items)

    captured, timings, counts = [], [], []
    with app.app_context():
        engine = db.engine
        seen: list = []

        def listen(_conn, _cursor, statement, parameters, _context, _many):
            seen.append((statement, parameters))

        prepared = [(path, *search_filters(params)) for path, params in cases]
        event.listen(engine, "before_cursor_execute", listen)
        try:
            for path, filters, limit in prepared:
                seen.clear()
                run(path, filters, limit)
                db.session.remove()
                main = [s for s in seen if "FROM offers JOIN members" in s[0]]
                if len(main) != 1:
                    raise SystemExit(f"expected one search statement, saw {len(main)}")
                statement, parameters = main[0]
                captured.append((statement, parameters if isinstance(parameters, dict)
                                 else tuple(parameters)))
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        for path, filters, limit in prepared:
            t0 = time.perf_counter()
            counts.append(run(path, filters, limit))
            timings.append(time.perf_counter() - t0)
            db.session.remove()
    return captured, timings, counts


def direct(app, captured: list) -> list[float]:
    """Time each captured statement on a bare driver connection (rows fetched). On
    PostgreSQL each is followed by a ROLLBACK, as the request's session ends: psycopg then
    drops its prepared statements, so neither side reuses a server-side plan."""
    from market.platform.extensions import db

    timings = []
    with app.app_context():
        raw = db.engine.raw_connection()
        postgres = db.engine.dialect.name == "postgresql"
        try:
            cursor = raw.cursor()
            for statement, parameters in captured[:WARM_UP]:
                cursor.execute(statement, parameters)
                cursor.fetchall()
                if postgres:
                    raw.rollback()
            for statement, parameters in captured:
                t0 = time.perf_counter()
                cursor.execute(statement, parameters)
                cursor.fetchall()
                timings.append(time.perf_counter() - t0)
                if postgres:
                    raw.rollback()
            cursor.close()
        finally:
            raw.close()
    return timings


def explain(app, statement: str, parameters) -> str:
    """The plan of one captured statement: EXPLAIN ANALYZE (PostgreSQL) or QUERY PLAN."""
    from market.platform.extensions import db

    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            if db.engine.dialect.name == "postgresql":
                import psycopg

                cursor = psycopg.ClientCursor(raw.driver_connection)
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                lines = [row[0] for row in cursor.fetchall()]
                raw.rollback()
            else:
                cursor = raw.cursor()
                cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                rows = cursor.fetchall()
                depth = {0: 0}
                lines = []
                for node, parent, _unused, detail in rows:
                    depth[node] = depth.get(parent, 0) + 1
                    lines.append("  " * (depth[node] - 1) + detail)
            cursor.close()
        finally:
            raw.close()
    return "\n".join(lines)


# --- HTTP --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, args) -> subprocess.Popen:
    """gunicorn with gunicorn.conf.py (its worker class for the database) on 127.0.0.1:port."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(16)}
    env.pop("INTERCOOP_ENV", None)
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", str(GUNICORN_CONF),
               "--workers", str(args.workers), "--no-control-socket", "--keep-alive", "30",
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]
    if args.worker_class:
        command[1:1] = ["--worker-class", args.worker_class]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def over_http(port: int, cases: list[tuple[str, dict]]) -> tuple[list[float], list[int]]:
    """Time GET requests on one keep-alive connection; return seconds and items per page."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    paths = [url_of(path, params) for path, params in cases]

    def get(path: str) -> bytes:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status} {body[:300]!r}")
        return body

    for path in paths[:WARM_UP]:
        get(path)
    timings, bodies = [], []
    for path in paths:
        t0 = time.perf_counter()
        body = get(path)
        timings.append(time.perf_counter() - t0)
        bodies.append(body)
    conn.close()
    counts = []
    for body in bodies:
        page = json.loads(body)
        counts.append(len(page.get("items", page.get("features", []))))
    return timings, counts


# --- Run ---------------------------------------------------------------------------------

def run_database(name: str, url: str, args) -> tuple[list[dict], dict[str, str], dict]:
    from flask_migrate import upgrade

    from market.platform.extensions import db

    print(f"\n== {name}: {url}", flush=True)
    began = time.perf_counter()
    app = make_app(url)
    with app.app_context():
        upgrade()
        print(f"  migrated in {time.perf_counter() - began:.1f} s", flush=True)
        timings = seed(app, args.members, args.offers, random.Random(args.seed),
                       args.exact_index)
        if name == "sqlite" and args.sqlite_analyze:
            t0 = time.perf_counter()
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
            timings["analyze_s"] = round(time.perf_counter() - t0, 2)
        db.session.remove()
        db.engine.dispose()
    timings["seed_total_s"] = round(time.perf_counter() - began, 1)
    print("  seeded: " + json.dumps(timings, ensure_ascii=False), flush=True)
    if "offers_fts_s" in timings:
        print(f"  offers_fts: {timings['offers_fts_rows']} rows in {timings['offers_fts_s']} s "
              + ("(text.indexed on each offer's text); " if args.exact_index else
                 f"(stems of {timings['distinct_fragments']} distinct title and sentence "
                 f"fragments, memoised); ")
              + f"text.indexed on each offer's whole text, as "
              f"search_index.refresh calls it: {timings['text_indexed_ms_per_offer']} ms an "
              f"offer, i.e. {timings['text_indexed_s_for_all']} s for {args.offers} offers",
              flush=True)

    cases = searches(random.Random(args.seed + 1), args.repeat)
    port = free_port()
    server = start_server(url, port, args)
    rows, plans = [], {}
    try:
        for search_name, chosen in cases.items():
            load_before = os.getloadavg()[0]
            captured, in_timings, in_counts = in_process(app, chosen)
            direct_timings = direct(app, captured)
            http_timings, http_counts = over_http(port, chosen)
            if http_counts != in_counts:
                raise SystemExit(f"{name} {search_name}: HTTP and in-process pages differ")
            d, p, h = figures(direct_timings), figures(in_timings), figures(http_timings)
            ratio = round(h["p95"] / d["p95"], 2) if d["p95"] else None
            rows.append({"database": name, "search": search_name, "n": len(chosen),
                         "load": [round(load_before, 1), round(os.getloadavg()[0], 1)],
                         "items": round(sum(in_counts) / len(in_counts), 1),
                         "empty": sum(1 for c in in_counts if c == 0),
                         "direct": d, "in_process": p, "http": h, "ratio": ratio,
                         "p95_ok": h["p95"] <= TARGET_P95_MS,
                         "ratio_ok": ratio is not None and ratio <= TARGET_RATIO})
            print(f"  {search_name}: direct {d}, in-process {p}, HTTP {h}, load average "
                  f"{rows[-1]['load'][0]} -> {rows[-1]['load'][1]}", flush=True)
            slowest = sorted(range(len(chosen)), key=lambda i: direct_timings[i])[-3:][::-1]
            rows[-1]["slowest"] = [
                {"get": url_of(*chosen[i]), "direct_ms": round(direct_timings[i] * 1000, 1),
                 "http_ms": round(http_timings[i] * 1000, 1), "items": in_counts[i]}
                for i in slowest]
            example_path, example_params = chosen[0]
            statement, parameters = captured[0]
            plans[search_name] = (url_of(example_path, example_params),
                                  explain(app, statement, parameters), statement)
    finally:
        server.terminate()
        server.wait(timeout=30)
        with app.app_context():
            db.engine.dispose()
    return rows, plans, timings


def print_table(rows: list[dict]) -> None:
    head = (f"{'database':<10} {'search':<11} {'items':>6} {'direct p50/p95':>16} "
            f"{'in-proc p50/p95':>16} {'HTTP p50/p95':>16} {'HTTP/direct':>11} "
            f"{'<=100ms':>7} {'<=3x':>5}")
    print("\n" + head)
    print("-" * len(head))
    for r in rows:
        def pair(f):
            return f"{f['p50']:.1f}/{f['p95']:.1f}"
        print(f"{r['database']:<10} {r['search']:<11} {r['items']:>6} {pair(r['direct']):>16} "
              f"{pair(r['in_process']):>16} {pair(r['http']):>16} {r['ratio']:>10}x "
              f"{'yes' if r['p95_ok'] else 'NO':>7} {'yes' if r['ratio_ok'] else 'NO':>5}")
    print("(ms; items: mean offers per page; each search run "
          f"{rows[0]['n'] if rows else 0} times with varied parameters after {WARM_UP} "
          f"warm-up runs; {os.cpu_count()} CPUs, 1-minute load average before -> after each "
          "search: " + ", ".join(f"{r['database'][:2]} {r['search']} {r['load'][0]}->"
                                 f"{r['load'][1]}" for r in rows) + ")")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=200, help="runs of each search")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_SEARCH_DATABASE_URL",
                                                           DEFAULT_PG_URL),
                        help="a scratch database: dropped and created again")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", help="default: gunicorn.conf.py's")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--exact-index", action="store_true",
                        help="SQLite: call text.indexed on each offer's whole text "
                             "(slow: ~13 ms an offer in pure-Python Snowball)")
    parser.add_argument("--sqlite-analyze", action="store_true",
                        help="run ANALYZE on SQLite after the seed (the app never does)")
    parser.add_argument("--show-sql", action="store_true", help="print each search's SQL")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()
    # A terminated run still stops its server and removes its scratch databases (finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from market.platform.config import database_url

    began = time.perf_counter()
    rows, plans, seeds = [], {}, {}
    scratch = Path(tempfile.mkdtemp(prefix="bench_search_"))
    try:
        if args.db in ("sqlite", "both"):
            url = f"sqlite:///{scratch / 'search.sqlite'}"
            found, plans["sqlite"], seeds["sqlite"] = run_database("sqlite", url, args)
            rows += found
        if args.db in ("postgresql", "both"):
            url = database_url(args.pg_url)
            recreate_postgresql(url)
            found, plans["postgresql"], seeds["postgresql"] = run_database(
                "postgresql", url, args)
            rows += found
            if not args.keep:
                drop_postgresql(url)
    finally:
        if args.keep:
            print(f"\nkept: {scratch / 'search.sqlite'} and {args.pg_url}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    print_table(rows)
    for database, found in plans.items():
        for search_name, (example, plan, statement) in found.items():
            print(f"\n--- plan: {database} {search_name}: GET {example}")
            if args.show_sql:
                print(statement)
            print(plan)
    ok = all(r["p95_ok"] and r["ratio_ok"] for r in rows)
    print("\nslowest parameters of each search (by direct time):")
    for r in rows:
        for case in r["slowest"]:
            print(f"  {r['database']:<10} {r['search']:<11} direct {case['direct_ms']:>6} ms  "
                  f"HTTP {case['http_ms']:>6} ms  items {case['items']:>3}  GET {case['get']}")
    print(f"\ntargets (HTTP p95 <= {TARGET_P95_MS:.0f} ms, HTTP p95 <= {TARGET_RATIO:.0f} x "
          f"direct p95): {'hold' if ok else 'NOT all held'}; "
          f"total {time.perf_counter() - began:.0f} s")
    for r in rows:
        print(json.dumps({"case": f"{r['database']}_{r['search']}", **r}))


if __name__ == "__main__":
    main()
