"""The lots of an OCDS release, with the items that carry their CPV codes and places."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from market.procurement import codes, cpv, nuts
from market.procurement.notice import CRITERION_KINDS, RESERVATIONS, Criterion, NoticeLot, Place
from market.procurement.ocds_export import (
    CRITERION_KIND,
    DEPARTMENT,
    INSERTION_HOURS,
    PERCENT_WEIGHTS,
    RESERVATION,
)

_GOALS = {goal: code for code, goal in codes.SOCIAL_GOALS.items()}


def aware_datetime(text: str) -> datetime:
    """Return an aware datetime from an OCDS date-time; ValueError without a timezone."""
    moment = datetime.fromisoformat(text)
    if moment.utcoffset() is None:
        raise ValueError("no timezone")
    return moment


class LotReader:
    """Map one lot and the items that relate to it, recording problems through the release."""

    def __init__(self, release, lot: dict, path: str, items: list) -> None:
        self.release, self.data, self.path, self.items = release, lot, path, items

    def problem(self, path: str, message: str) -> None:
        """Record that what is at ``path`` (below the lot when relative) is wrong."""
        self.release.problem(path if path.startswith("tender/") else f"{self.path}/{path}",
                             message)

    def lot(self) -> NoticeLot:
        """Return the lot."""
        lot = self.data
        main, additional = self.classifications()
        value, currency = self.value()
        return NoticeLot(
            lot_id=lot["id"], title=lot.get("title") or self.release.tender.get("title") or "",
            description=lot.get("description") or "", cpv_main=main, cpv_additional=additional,
            estimated_value_minor=value, currency=currency, place=self.place(),
            duration_days=self.duration(), reservation=self.reservation(),
            insertion_hours=self.insertion_hours(), criteria=self.criteria(),
            social_objectives=list(dict.fromkeys(
                _GOALS[s["goal"]] for s in lot.get("sustainability") or []
                if s.get("goal") in _GOALS)))

    def cpv(self, classification: dict | None, where: str) -> str:
        """Return the CPV code of a classification, or "" when it is another scheme."""
        if not classification or (classification.get("scheme") or "").upper() != "CPV":
            return ""
        code = classification.get("id")
        try:
            # An integer id lost its leading zero: 3000000 is 03000000.
            return cpv.normalise(str(code).zfill(8) if isinstance(code, int) else code or "")
        except ValueError as error:
            self.problem(where, str(error))
            return ""

    def classifications(self) -> tuple[str, list[str]]:
        """Return the main CPV code and the additional ones, without repeats."""
        mains, others = [], []
        for index, item in self.items:
            where = f"tender/items/{index}"
            mains.append(self.cpv(item.get("classification"), f"{where}/classification"))
            others += [self.cpv(c, f"{where}/additionalClassifications/{j}")
                       for j, c in enumerate(item.get("additionalClassifications") or [])]
        others += [self.cpv(c, f"additionalClassifications/{j}")
                   for j, c in enumerate(self.data.get("additionalClassifications") or [])]
        found = list(dict.fromkeys(code for code in mains + others if code))
        if not found:
            self.problem("id", f"no CPV code for lot {self.data['id']!r}: none of its items "
                               "(relatedLot) has a classification with scheme CPV")
            return "", []
        main = next((code for code in mains if code), found[0])
        return main, [code for code in found if code != main]

    def value(self) -> tuple[int | None, str]:
        """Return the lot's estimated value in minor units, and its currency."""
        value = self.data.get("value") or {}
        if value.get("amount") is None:
            return None, value.get("currency") or "EUR"
        try:
            currency = codes.currency_code(value.get("currency"))
            return codes.to_minor(Decimal(value["amount"]), currency), currency
        except (ValueError, InvalidOperation) as error:
            self.problem("value", str(error))
            return None, "EUR"

    def place(self) -> Place | None:
        """Return the place of performance of the lot's items, else of the tender."""
        tender = self.release.tender
        sources = [(item, f"tender/items/{index}") for index, item in self.items]
        sources.append((tender, "tender"))
        for source, where in sources:
            addresses = source.get("deliveryAddresses") or [source.get("deliveryAddress")]
            locations = source.get("deliveryLocations") or [source.get("deliveryLocation")]
            place = self.address(addresses[0] or {}, [loc for loc in locations if loc], where)
            if place is not None:
                return place
        return None

    def address(self, address: dict, locations: list[dict], where: str) -> Place | None:
        """Return the place an address and its locations give, or None when they say nothing."""
        region = (address.get("region") or "").strip()
        place = nuts.place_for(region) if nuts.is_nuts(region.upper()) else Place()
        latitude, longitude = place.latitude, place.longitude
        for index, location in enumerate(locations):
            geometry = location.get("geometry") or {}
            point = geometry.get("coordinates") or []
            if geometry.get("type") != "Point":
                continue
            numbers = point[:2] if all(type(n) in (int, Decimal) for n in point[:2]) else []
            if len(numbers) == 2 and -180 <= numbers[0] <= 180 and -90 <= numbers[1] <= 90:
                longitude, latitude = Decimal(numbers[0]), Decimal(numbers[1])
            else:
                self.problem(f"{where}/deliveryLocations/{index}/geometry",
                             "not a WGS 84 point [longitude, latitude]")
            break
        place = Place(postcode=address.get("postalCode") or "", city=address.get("locality") or "",
                      department=address.get(DEPARTMENT) or place.department, nuts=place.nuts,
                      country=codes.country_alpha2(address.get("country")) or place.country,
                      latitude=latitude, longitude=longitude)
        return None if place == Place() else place

    def duration(self) -> int | None:
        """Return the contract period in days: durationInDays, or the days between its dates."""
        period = self.data.get("contractPeriod") or {}
        if period.get("durationInDays") is not None:
            if period["durationInDays"] < 0:
                self.problem("contractPeriod/durationInDays", "a negative duration")
                return None
            return period["durationInDays"]
        start, end = period.get("startDate"), period.get("endDate")
        try:
            return (aware_datetime(end) - aware_datetime(start)).days if start and end else None
        except ValueError as error:
            self.problem("contractPeriod", str(error))
            return None

    def reservation(self) -> str:
        """Return the reservation: the extension's when given, else reservedParticipation's."""
        codes_ = (self.data.get("otherRequirements") or {}).get("reservedParticipation") or []
        reservation = ("both" if "shelteredWorkshop" in codes_ else
                       "ess" if "publicServiceMissionOrganization" in codes_ else "none")
        precise = self.data.get(RESERVATION)
        if precise is not None and precise not in RESERVATIONS:
            self.problem(RESERVATION, f"{precise!r} is not one of {', '.join(RESERVATIONS)}")
        return precise if precise in RESERVATIONS else reservation

    def insertion_hours(self) -> int | None:
        """Return the hours of work for people in insertion (extension field), or None."""
        hours = self.data.get(INSERTION_HOURS)
        if hours is not None and (type(hours) is not int or hours < 0):
            self.problem(INSERTION_HOURS, f"{hours!r} is not a whole number of hours")
            return None
        return hours

    def criteria(self) -> list[Criterion]:
        """Return the lot's award criteria."""
        criteria = []
        found = (self.data.get("awardCriteria") or {}).get("criteria") or []
        for index, item in enumerate(found):
            where = f"awardCriteria/criteria/{index}"
            kind = codes.CRITERION_TYPES.get(item.get("type"))
            if kind is None:
                self.problem(f"{where}/type", f"unknown award criterion type {item.get('type')!r}"
                                              " (price, quality or cost)")
                continue
            marked = item.get(CRITERION_KIND)
            if marked is not None and marked not in CRITERION_KINDS:
                self.problem(f"{where}/{CRITERION_KIND}", f"{marked!r} is not a criterion kind")
            weight = next((Decimal(n["number"]) for n in item.get("numbers") or []
                           if n.get("weight") in PERCENT_WEIGHTS and n.get("number") is not None),
                          None)
            criteria.append(Criterion(kind=marked if marked in CRITERION_KINDS else kind,
                                      name=item.get("name") or "", weight=weight,
                                      description=item.get("description") or ""))
        return criteria
