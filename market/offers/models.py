"""Offers of the marketplace, their images, delivery methods and accepted currencies."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.members.models import Member, one_of
from market.platform.extensions import db
from market.platform.time import now_utc
from market.platform.types import UTCDateTime


class OfferKind(StrEnum):
    """What is offered: goods, work, or a cooperative's shares."""

    product = "product"
    service = "service"
    share = "share"


class OfferStatus(StrEnum):
    """An offer's life: only published ones are searched, listed and ordered."""

    draft = "draft"
    published = "published"
    paused = "paused"
    expired = "expired"
    archived = "archived"


class Reach(StrEnum):
    """How far from its place an offer is available."""

    local = "local"
    regional = "regional"
    national = "national"
    europe = "europe"


class DeliveryKind(StrEnum):
    """How the goods or the service reach the buyer."""

    pickup = "pickup"
    delivery_radius = "delivery_radius"
    delivery_region = "delivery_region"


class FeeKind(StrEnum):
    """How a delivery is charged: nothing, a fixed fee per order, or a quote."""

    free = "free"
    fixed = "fixed"
    quoted = "quoted"


#: The most images an offer may show.
MAX_IMAGES = 6
#: The widest local reach and delivery radius (km): beyond it an offer is regional.
MAX_RADIUS_KM = 300


class Offer(db.Model):
    """A member's trans-local offer: a product, a service or a call for share capital."""

    __tablename__ = "offers"
    __table_args__ = (
        one_of("kind", OfferKind),
        one_of("status", OfferStatus),
        one_of("reach", Reach),
        CheckConstraint("price_minor >= 0", name="price_not_negative"),
        CheckConstraint("currency_share BETWEEN 0 AND 100", name="currency_share_range"),
        CheckConstraint("quantity IS NULL OR quantity >= 0", name="quantity_not_negative"),
        CheckConstraint(f"radius_km IS NULL OR radius_km BETWEEN 1 AND {MAX_RADIUS_KM}",
                        name="radius_range"),
        CheckConstraint("reach <> 'local' OR radius_km IS NOT NULL", name="local_has_radius"),
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180",
                        name="longitude_range"),
        CheckConstraint("valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from",
                        name="validity_ordered"),
        CheckConstraint("kind <> 'share' OR (share_min IS NOT NULL AND share_min >= 1)",
                        name="share_has_minimum"),
        CheckConstraint("share_max IS NULL OR share_max >= share_min", name="share_max_over_min"),
        # Browsing and the expiry job read published offers by date.
        Index("ix_offers_status_published_at", "status", "published_at"),
        Index("ix_offers_status_valid_until", "status", "valid_until"),
        Index("ix_offers_latitude_longitude", "latitude", "longitude"),
        # Filters that find few offers (a sector or its group, a kind, a price range) seek
        # them here instead of walking every published offer by date.
        Index("ix_offers_status_sector_kind_price", "status", "sector_code", "kind",
              "price_minor"),
    )

    #: Surrogate key; also the keyset of paginated lists.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The member offering it; only that member's admins and staff change it.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    #: market.offers.models.OfferKind.
    kind: Mapped[str] = mapped_column(String(16))
    #: market.offers.models.OfferStatus; a new offer is a draft.
    status: Mapped[str] = mapped_column(String(16), default=OfferStatus.draft)
    #: Title shown in lists (searched, with the description).
    title: Mapped[str] = mapped_column(String(160))
    #: What is offered, in a few paragraphs of plain text.
    description: Mapped[str] = mapped_column(Text, default="")
    #: Sector code of the taxonomy in market/data/sectors.json.
    sector_code: Mapped[str] = mapped_column(String(32), index=True)
    #: What one unit is ("kg", "heure", "part", "repas").
    unit: Mapped[str] = mapped_column(String(40))
    #: Price of one unit in minor units of ``currency`` (for a share: its nominal value).
    price_minor: Mapped[int] = mapped_column(BigInteger)
    #: Ledger currency code of the price (EUR, usually).
    currency: Mapped[str] = mapped_column(String(16), default="EUR")
    #: Percentage of the price (0-100) payable in the complementary currencies accepted.
    currency_share: Mapped[int] = mapped_column(Integer, default=0)
    #: Units available; NULL means "on request" (made to order, no stock kept).
    quantity: Mapped[int | None] = mapped_column(Integer)
    #: market.offers.models.Reach.
    reach: Mapped[str] = mapped_column(String(16), default=Reach.regional)
    #: Local reach only: how far from its place the offer is available (km).
    radius_km: Mapped[int | None] = mapped_column(Integer)
    #: Where the offer is (defaults to its member's place): WGS 84, fixed-point.
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    #: Commune, department, region and country of that place (regional and national reach).
    city: Mapped[str] = mapped_column(String(120), default="")
    department: Mapped[str] = mapped_column(String(64), default="")
    region: Mapped[str] = mapped_column(String(120), default="", index=True)
    country: Mapped[str] = mapped_column(String(2), default="FR")
    #: Validity: from when (NULL: as soon as published) and until when (NULL: no end).
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Share offers: fewest and most shares one subscriber may take (nominal = price_minor).
    share_min: Mapped[int | None] = mapped_column(Integer)
    share_max: Mapped[int | None] = mapped_column(Integer)
    #: Whether it shows at least one image (a search filter, kept with the images).
    has_images: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Expiry reminders already written (7 days and 1 day before), so each goes once.
    reminded_7_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_1_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When it was created, last changed and last published (UTC).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(lazy="joined", innerjoin=True)
    currency_links: Mapped[list["OfferCurrency"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="OfferCurrency.currency")
    images: Mapped[list["OfferImage"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="OfferImage.position")
    deliveries: Mapped[list["DeliveryMethod"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="DeliveryMethod.id")

    @property
    def accepted_currencies(self) -> list[str]:
        """The complementary currencies accepted for ``currency_share`` of the price."""
        return [link.currency for link in self.currency_links]


class OfferCurrency(db.Model):
    """A complementary currency an offer accepts for part of its price."""

    __tablename__ = "offer_currencies"
    __table_args__ = (Index("ix_offer_currencies_currency", "currency"),)

    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"),
                                          primary_key=True)
    #: Ledger currency code (mutual credit or a euro-backed local currency).
    currency: Mapped[str] = mapped_column(String(16), primary_key=True)


class OfferImage(db.Model):
    """One image of an offer, stored as files named by a random key (market.offers.images)."""

    __tablename__ = "offer_images"
    __table_args__ = (
        CheckConstraint(f"position BETWEEN 0 AND {MAX_IMAGES - 1}", name="position_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"),
                                          index=True)
    #: Random key of the stored files (display and thumbnail); never the upload's name.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    #: Order of display, from 0.
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: Size of the display image, in pixels.
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    #: Text alternative given by the seller (RGAA: every image has one).
    alt: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class DeliveryMethod(db.Model):
    """How an offer is handed over: pickup at an address, or delivery with a fee."""

    __tablename__ = "offer_delivery_methods"
    __table_args__ = (
        one_of("kind", DeliveryKind),
        one_of("fee_kind", FeeKind),
        CheckConstraint("fee_minor IS NULL OR fee_minor >= 0", name="fee_not_negative"),
        CheckConstraint("fee_kind <> 'fixed' OR fee_minor IS NOT NULL", name="fixed_has_fee"),
        CheckConstraint("kind <> 'delivery_radius' OR radius_km IS NOT NULL",
                        name="radius_delivery_has_radius"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"),
                                          index=True)
    #: market.offers.models.DeliveryKind.
    kind: Mapped[str] = mapped_column(String(24))
    #: Pickup: the address; delivery: a free note ("le mardi matin").
    address: Mapped[str] = mapped_column(String(300), default="")
    #: delivery_radius: how far from the offer's place (km).
    radius_km: Mapped[int | None] = mapped_column(Integer)
    #: delivery_region: the region delivered.
    region: Mapped[str] = mapped_column(String(120), default="")
    #: market.offers.models.FeeKind, and the fixed fee in minor units of the offer's currency.
    fee_kind: Mapped[str] = mapped_column(String(16), default=FeeKind.free)
    fee_minor: Mapped[int | None] = mapped_column(BigInteger)


class Want(db.Model):
    """What a member is looking for: a saved search that notifies it of fitting offers."""

    __tablename__ = "wants"
    __table_args__ = (
        one_of("reach", Reach),
        CheckConstraint("budget_minor IS NULL OR budget_minor >= 0", name="budget_not_negative"),
        CheckConstraint(f"radius_km IS NULL OR radius_km BETWEEN 1 AND {MAX_RADIUS_KM}",
                        name="radius_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    #: The user who saved it (notified with the member's admins).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: A short title ("Bois de chauffage pour l'hiver").
    title: Mapped[str] = mapped_column(String(160))
    #: Words an offer's title or description should hold (all of them).
    keywords: Mapped[str] = mapped_column(String(300), default="")
    #: Sector code wanted, or NULL for any.
    sector_code: Mapped[str | None] = mapped_column(String(32))
    #: Offer kind wanted, or NULL for any.
    kind: Mapped[str | None] = mapped_column(String(16))
    #: Where it is wanted (defaults to the member's place) and how far it may come from.
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    region: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(2), default="FR")
    reach: Mapped[str] = mapped_column(String(16), default=Reach.regional)
    radius_km: Mapped[int | None] = mapped_column(Integer)
    #: Highest unit price wanted, in minor units of ``currency``; NULL: any.
    budget_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(16), default="EUR")
    #: Until when the want holds; NULL: until removed.
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    member: Mapped[Member] = relationship(lazy="joined", innerjoin=True)


class WantMatch(db.Model):
    """A want told of an offer that fits it: each (want, offer) is told once, ever."""

    __tablename__ = "want_matches"

    want_id: Mapped[int] = mapped_column(ForeignKey("wants.id", ondelete="CASCADE"),
                                         primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"),
                                          primary_key=True, index=True)
    told_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class Question(db.Model):
    """A member's question on an offer; public on the offer page once the seller answers."""

    __tablename__ = "offer_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"),
                                          index=True)
    #: The member asking, and the user who wrote it.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The question, and the seller's answer (NULL until answered).
    text: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(lazy="joined", innerjoin=True)


class Favourite(db.Model):
    """A star a member put on an offer or on another member."""

    __tablename__ = "favourites"
    __table_args__ = (
        CheckConstraint("(offer_id IS NULL) <> (starred_member_id IS NULL)",
                        name="one_target"),
        Index("uq_favourites_offer", "member_id", "offer_id", unique=True),
        Index("uq_favourites_member", "member_id", "starred_member_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The member who starred.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    #: What is starred: an offer, or a member.
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    starred_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
