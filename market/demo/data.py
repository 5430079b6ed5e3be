"""The demo network: believable members in four territories, their networks and users.

Organisations are fictional; places, postcodes, INSEE and NUTS codes are real.
SIRETs are computed to pass the Luhn check (see market.demo.cli.demo_siret).
"""

DEMO_PASSWORD = "intercoop-demo-2026"

NETWORKS = [
    # slug, name, kind, description
    ("ripess-europe", "RIPESS Europe", "international",
     "Réseau intercontinental de promotion de l'économie sociale et solidaire, "
     "branche européenne."),
    ("mes", "Mouvement pour l'économie solidaire", "national",
     "Réseau national français des acteurs de l'économie solidaire."),
    ("ptce-sud-aquitaine", "PTCE Sud Aquitaine", "ptce",
     "Pôle territorial de coopération économique du Pays basque et du sud des Landes."),
    ("xes-catalunya", "Xarxa d'Economia Solidària de Catalunya", "regional",
     "Réseau catalan de l'économie solidaire."),
    ("concertes", "ConcertES", "regional",
     "Plateforme de concertation des organisations représentatives de l'économie sociale "
     "en Wallonie et à Bruxelles."),
    ("gie-insertion-pays-basque", "GIE Insertion Pays Basque", "grouping",
     "Groupement d'intérêt économique de structures d'insertion répondant ensemble aux "
     "marchés publics : espaces verts, menuiserie, propreté."),
]

# Places: city, postcode, INSEE code, department, region, country, NUTS 3, lat, lon
BAYONNE = ("Bayonne", "64100", "64102", "64", "Nouvelle-Aquitaine", "FR", "FRI15",
           "43.492949", "-1.474841")
ANGLET = ("Anglet", "64600", "64024", "64", "Nouvelle-Aquitaine", "FR", "FRI15",
          "43.485060", "-1.515870")
HENDAYE = ("Hendaye", "64700", "64260", "64", "Nouvelle-Aquitaine", "FR", "FRI15",
           "43.358900", "-1.774400")
PAU = ("Pau", "64000", "64445", "64", "Nouvelle-Aquitaine", "FR", "FRI15",
       "43.295100", "-0.370797")
BORDEAUX = ("Bordeaux", "33000", "33063", "33", "Nouvelle-Aquitaine", "FR", "FRI12",
            "44.837789", "-0.579180")
BEGLES = ("Bègles", "33130", "33039", "33", "Nouvelle-Aquitaine", "FR", "FRI12",
          "44.808600", "-0.547800")
MONT_DE_MARSAN = ("Mont-de-Marsan", "40000", "40192", "40", "Nouvelle-Aquitaine", "FR",
                  "FRI13", "43.890400", "-0.500000")
DAX = ("Dax", "40100", "40088", "40", "Nouvelle-Aquitaine", "FR", "FRI13",
       "43.710200", "-1.053700")
DONOSTIA = ("Donostia / San Sebastián", "20001", None, "Gipuzkoa", "Euskadi", "ES", "ES212",
            "43.318334", "-1.981231")
BILBAO = ("Bilbao", "48001", None, "Bizkaia", "Euskadi", "ES", "ES213",
          "43.263013", "-2.934985")
BARCELONA = ("Barcelona", "08001", None, "Barcelona", "Catalunya", "ES", "ES511",
             "41.385064", "2.173403")
GIRONA = ("Girona", "17001", None, "Girona", "Catalunya", "ES", "ES512",
          "41.979401", "2.821426")
LIEGE = ("Liège", "4000", None, "Liège", "Wallonie", "BE", "BE332",
         "50.632557", "5.579666")
NAMUR = ("Namur", "5000", None, "Namur", "Wallonie", "BE", "BE352",
         "50.467388", "4.871985")
CHARLEROI = ("Charleroi", "6000", None, "Hainaut", "Wallonie", "BE", "BE322",
             "50.410809", "4.444643")

# key, name, legal form, inclusion kind, place, street, sectors (taxonomy codes),
# networks, turnover (euros), headcount, insertion headcount, description
MEMBERS = [
    ("aci-jardins-adour", "Jardins de l'Adour", "association", "ACI", BAYONNE,
     "12 chemin de Hargous", ["green.maintenance", "agri.market_gardening"],
     ["mes", "ptce-sud-aquitaine", "gie-insertion-pays-basque"], 680000, 42, 34,
     "Atelier et chantier d'insertion : entretien d'espaces verts et maraîchage biologique."),
    ("ei-bois-nive", "Menuiserie Bois de Nive", "scop", "EI", BAYONNE,
     "4 allée du Bois", ["wood.joinery", "construction.finishing"],
     ["ptce-sud-aquitaine", "gie-insertion-pays-basque"], 1450000, 28, 14,
     "Entreprise d'insertion : menuiserie bois, agencement, mobilier sur mesure."),
    ("ai-cote-basque", "Côte Basque Emplois", "association", "AI", ANGLET,
     "27 avenue de Bayonne", ["cleaning.offices", "personal.home_help"],
     ["mes", "gie-insertion-pays-basque"], 920000, 110, 95,
     "Association intermédiaire : mise à disposition de personnel, ménage et entretien."),
    ("etti-interim-solidaire-64", "Intérim Solidaire 64", "ess_company", "ETTI", PAU,
     "3 rue Carnot", ["logistics.handling", "construction.structural"],
     ["mes", "gie-insertion-pays-basque"], 2300000, 160, 140,
     "Entreprise de travail temporaire d'insertion : BTP, logistique, industrie."),
    ("ei-proprete-labourd", "Propreté du Labourd", "ess_company", "EI", ANGLET,
     "8 rue des Cordeliers", ["cleaning.offices", "cleaning.industrial"],
     ["ptce-sud-aquitaine", "gie-insertion-pays-basque"], 1100000, 54, 30,
     "Nettoyage de bureaux, vitrerie et remise en état après chantier."),
    ("esat-hendaye", "ESAT de la Bidassoa", "association", "ESAT", HENDAYE,
     "2 route de la Glacière", ["green.maintenance", "print.printing", "food.catering"],
     ["ptce-sud-aquitaine"], 1700000, 95, 80,
     "Établissement et service d'aide par le travail : espaces verts, imprimerie, traiteur."),
    ("ea-numerique-basque", "Euskal Numérique Adapté", "ess_company", "EA", BAYONNE,
     "19 quai de Lesseps", ["digital.services", "digital.data_entry"],
     ["ptce-sud-aquitaine"], 830000, 22, 17,
     "Entreprise adaptée : numérisation, saisie et services informatiques."),
    ("scic-recyclerie-64", "Recyclerie du Pays Basque", "scic", "ACI", ANGLET,
     "1 zone Montbrun", ["reuse.recycling", "reuse.repair"],
     ["mes", "ptce-sud-aquitaine", "ripess-europe"], 540000, 31, 22,
     "Collecte, tri, réparation et revente d'objets ; sensibilisation au réemploi."),
    ("eiti-batiment-solidaire", "Bâtiment Solidaire Béarn", "ess_company", "EITI", PAU,
     "45 avenue Jean Mermoz", ["construction.finishing", "construction.structural"],
     ["mes"], 410000, 18, 15,
     "Entreprise d'insertion par le travail indépendant : second œuvre, peinture, plâtrerie."),
    ("geiq-btp-aquitaine", "GEIQ BTP Aquitaine", "association", "GEIQ", BORDEAUX,
     "6 rue Lafaurie de Monbadon", ["construction.structural", "training.vocational"],
     ["mes"], 3100000, 120, 105,
     "Groupement d'employeurs pour l'insertion et la qualification dans le bâtiment."),
    ("scop-ecobois-gironde", "Écobois Gironde", "scop", "none", BEGLES,
     "14 rue Ferdinand Buisson", ["wood.joinery", "energy.renovation"],
     ["mes", "ripess-europe"], 2750000, 35, 0,
     "SCOP de charpente et d'ossature bois, rénovation énergétique."),
    ("scic-bordeaux-alimentation", "Épicerie Coopérative Bordelaise", "scic", "none", BORDEAUX,
     "88 cours de l'Yser", ["food.distribution", "fair_trade.retail"],
     ["mes", "ripess-europe"], 1900000, 19, 0,
     "Épicerie coopérative en circuits courts, approvisionnement des cantines."),
    ("aci-vélo-bordeaux", "Atelier Vélo Solidaire", "association", "ACI", BORDEAUX,
     "31 quai de Brazza", ["mobility.bike", "reuse.repair"],
     ["mes"], 390000, 24, 18,
     "Réparation et réemploi de vélos, livraisons en vélo-cargo."),
    ("ea-logistique-bordeaux", "Logistique Adaptée Gironde", "ess_company", "EA", BEGLES,
     "5 rue de la Raffinerie", ["logistics.handling", "logistics.delivery"],
     [], 2100000, 75, 60,
     "Entreprise adaptée : préparation de commandes, conditionnement, livraison urbaine."),
    ("eatt-conseil-handicap", "Talents Adaptés Intérim", "ess_company", "EATT", BORDEAUX,
     "2 place de la Bourse", ["logistics.handling", "digital.services"],
     [], 640000, 48, 40,
     "Entreprise adaptée de travail temporaire pour travailleurs handicapés."),
    ("mutuelle-solidaire-aquitaine", "Mutuelle Solidaire d'Aquitaine", "mutual", "none",
     BORDEAUX, "10 allées de Tourny", ["finance.solidarity", "health.prevention"],
     ["mes"], 8400000, 64, 0, "Mutuelle santé et prévoyance de l'économie sociale."),
    ("fondation-landes-emploi", "Fondation Landes Emploi", "foundation", "none", MONT_DE_MARSAN,
     "9 rue Victor Hugo", ["training.vocational", "health.social_support"],
     ["mes"], 1200000, 26, 0, "Fondation pour l'accompagnement vers l'emploi dans les Landes."),
    ("aci-foret-landes", "Forêt et Chantiers des Landes", "association", "ACI", DAX,
     "Route de Saint-Paul", ["green.forestry", "green.maintenance"],
     ["ptce-sud-aquitaine", "mes"], 720000, 38, 30,
     "Chantier d'insertion forestier : débroussaillage, entretien des sentiers, "
     "bois de chauffage."),
    ("coop-landes-maraichage", "Maraîchers Coopératifs des Landes", "cooperative", "none",
     MONT_DE_MARSAN, "Lieu-dit Larrouquère", ["agri.market_gardening", "food.distribution"],
     ["ptce-sud-aquitaine"], 980000, 12, 0, "Coopérative agricole de maraîchage biologique."),
    ("gie-insertion-pays-basque", "GIE Insertion Pays Basque", "other", "none", BAYONNE,
     "12 chemin de Hargous", ["green.maintenance", "wood.joinery", "cleaning.offices"],
     ["ptce-sud-aquitaine", "mes"], 150000, 3, 0,
     "Groupement d'intérêt économique de SIAE : chantiers d'insertion, entreprises "
     "d'insertion et association intermédiaire répondant ensemble aux marchés publics."),
    ("commune-bayonne", "Ville de Bayonne — Commande publique", "public_body", "none", BAYONNE,
     "1 avenue Maréchal Leclerc", [], [], None, None, None,
     "Acheteur public : marchés de services, clauses sociales et marchés réservés."),
    # Basque Country (Spain)
    ("koop-gipuzkoa-garbiketa", "Garbiketa Kooperatiba", "cooperative", "none", DONOSTIA,
     "Portuetxe kalea 23", ["cleaning.offices"], ["ripess-europe", "ptce-sud-aquitaine"],
     1300000, 46, 0, "Coopérative de nettoyage et entretien, Donostia."),
    ("emaus-bizkaia", "Emaús Bizkaia Inserción", "association", "EI", BILBAO,
     "Ribera de Deusto 70", ["reuse.recycling", "textile.collection"], ["ripess-europe"],
     2600000, 90, 55, "Empresa de inserción : collecte et tri textile, réemploi."),
    ("lan-berri-koop", "Lan Berri Koop", "cooperative", "none", DONOSTIA,
     "Zuatzu kalea 9", ["digital.services", "print.communication"], ["ripess-europe"],
     760000, 15, 0, "Coopérative de travail : communication et développement web."),
    # Catalonia
    ("coop-barcelona-menjadors", "Menjadors Cooperatius", "cooperative", "none", BARCELONA,
     "Carrer de Sants 79", ["food.catering", "food.distribution"],
     ["xes-catalunya", "ripess-europe"], 3200000, 70, 0,
     "Coopérative de restauration collective bio et de proximité."),
    ("insercio-catalunya-verd", "Verd Inserció", "association", "EI", BARCELONA,
     "Carrer del Consell de Cent 180", ["green.maintenance", "reuse.recycling"],
     ["xes-catalunya"], 1500000, 60, 38, "Entreprise d'insertion : jardinage urbain et tri."),
    ("girona-teixits", "Teixits Solidaris de Girona", "cooperative", "none", GIRONA,
     "Carrer de la Rutlla 15", ["textile.manufacturing"], ["xes-catalunya"], 450000, 11, 0,
     "Atelier coopératif de confection et de réparation textile."),
    ("coop-energia-catalunya", "Som Energia Local", "cooperative", "none", GIRONA,
     "Carrer Pic de Peguera 9", ["energy.renewable"], ["xes-catalunya", "ripess-europe"],
     5400000, 40, 0, "Coopérative de production et de fourniture d'énergie renouvelable."),
    # Wallonia
    ("eft-liege-batiment", "Bâtir Ensemble Liège", "association", "EI", LIEGE,
     "Rue Saint-Léonard 200", ["construction.finishing", "energy.renovation"],
     ["concertes", "ripess-europe"], 880000, 33, 20,
     "Entreprise de formation par le travail : rénovation et isolation."),
    ("namur-titres-services", "Namur Services de Proximité", "ess_company", "none", NAMUR,
     "Rue de Fer 10", ["personal.home_help", "cleaning.offices"], ["concertes"],
     2200000, 140, 0, "Entreprise sociale de titres-services et d'aide à domicile."),
    ("charleroi-atelier-protege", "Entreprise de Travail Adapté du Hainaut", "association",
     "EA", CHARLEROI, "Rue de la Providence 45", ["logistics.handling", "print.printing"],
     ["concertes"], 6100000, 310, 260,
     "Entreprise de travail adapté : conditionnement, imprimerie, sous-traitance."),
    ("liege-coop-finance", "Crédal Liège", "cooperative", "none", LIEGE,
     "Place de l'Université 16", ["finance.solidarity"], ["concertes", "ripess-europe"],
     1800000, 25, 0, "Coopérative de crédit alternatif et de finance solidaire."),
    ("scic-tourisme-pays-basque", "Tourisme Solidaire Pays Basque", "scic", "none", HENDAYE,
     "Boulevard de la Mer 90", ["tourism.hospitality", "culture.events"],
     ["ptce-sud-aquitaine", "ripess-europe"], 690000, 9, 0,
     "SCIC d'hébergement et de tourisme solidaire transfrontalier."),
]

#: The GIE organisation itself, with its lead member for public tenders.
GIE_KEY = "gie-insertion-pays-basque"

#: Sign-ups waiting for a network admin, two of them claiming one SIRET (the demo key
#: both SIRETs come from): what the membership page shows as a contested claim.
# key, SIRET key, name, legal form, inclusion kind, place, contact name, email
SIGN_UPS = [
    ("recyclerie-port-1", "recyclerie-port", "Recyclerie du Port", "scic", "ACI", BAYONNE,
     "Maite Etxeberri", "contact@recyclerie-port.example"),
    ("recyclerie-port-2", "recyclerie-port", "Recyclerie du Port (SCIC)", "scic", "ACI",
     BAYONNE, "Ander Garat", "direction@recyclerie-du-port.example"),
]

# email, role, member key (None for network roles), name
USERS = [
    ("admin@jardins-adour.example", "member_admin", "aci-jardins-adour", "Maite Etcheverry"),
    ("equipe@jardins-adour.example", "member_staff", "aci-jardins-adour", "Peio Larralde"),
    ("tresorerie@jardins-adour.example", "member_treasurer", "aci-jardins-adour",
     "Amaia Hiriart"),
    ("admin@bois-nive.example", "member_admin", "ei-bois-nive", "Jon Irigoyen"),
    ("achats@bayonne.example", "buyer", "commune-bayonne", "Claire Dufau"),
    ("tresorier@intercoop.example", "network_treasurer", None, "Nadia Benali"),
    ("admin@intercoop.example", "network_admin", None, "Lucas Moreau"),
    # The clause one-stop shop of the Pays Basque and the Landes (departments 64 and 40).
    ("clauses@pays-basque.example", "clause_facilitator", None, "Itziar Goñi"),
]
