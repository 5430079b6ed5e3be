"""Flask extensions, created unbound and initialised by the app factory (the JSON API's is
market.web.jsonapi.api)."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

from ledger.store.tables import NAMING_CONVENTION

# The ledger's constraint naming convention, so Alembic names constraints the same way in
# every table on every database.
db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
