"""Public procurement: buyers, tenders split into lots, imports (eForms, OCDS), bids, awards."""
