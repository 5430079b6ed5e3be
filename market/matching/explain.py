"""The sentences of an explanation: for each criterion, why its points, in French and English."""

from market.matching import texts
from market.matching.model import Criterion, Structure, Text
from market.matching.reach import same_department
from market.matching.scoring import CRITERIA, LotContext, Profile, points

#: A member and its distance to the lot's place (None when unknown).
Placed = tuple[Structure, float | None]


def explanation(p: Profile, mask: int, members: list[Placed], grouped: bool,
                ctx: LotContext) -> tuple[Criterion, ...]:
    """One Criterion per criterion, with the very points the score was made of."""
    whys = (sectors_why(p.covered, mask, ctx, grouped), distance_why(members, ctx),
            capacity_why(p.turnover, ctx, grouped), insertion_why(p.headcount, ctx),
            awards_why(p.awards, grouped), references_why(p.ref_count, p.ref_total))
    return tuple(Criterion(code, given, most, why) for code, given, most, why
                 in zip(CRITERIA, points(p, ctx), ctx.weights, whys, strict=True))


def sectors_why(covered: int, mask: int, ctx: LotContext, grouped: bool) -> Text:
    needed = len(ctx.needed)
    if covered == needed:
        who_fr, who_en = ("Ensemble, les membres couvrent", "Together the members cover") \
            if grouped else ("Couvre", "Covers")
        if needed == 1:
            return Text(f"{who_fr} le secteur du lot", f"{who_en} the lot's sector")
        if needed == 2:
            return Text(f"{who_fr} les 2 secteurs du lot", f"{who_en} both of the lot's sectors")
        return Text(f"{who_fr} les {needed} secteurs du lot",
                    f"{who_en} all {needed} of the lot's sectors")
    missing = ", ".join(s for s in ctx.needed if s not in ctx.sectors_of(mask))
    return Text(f"Couvre {covered} des {needed} secteurs du lot (manque : {missing})",
                f"Covers {covered} of the lot's {needed} sectors (missing: {missing})")


def distance_why(members: list[Placed], ctx: LotContext) -> Text:
    known = sorted(d for _, d in members if d is not None)
    unknown = len(members) - len(known)
    if len(members) == 1:
        if known:
            far = texts.km(known[0])
            return Text(f"À {far.fr} du lieu d'exécution", f"{far.en} from the place of "
                        "performance")
        if same_department(members[0][0], ctx.lot):
            return Text("Distance inconnue ; installée dans le département du lot",
                        "Distance unknown; based in the lot's department")
        return Text("Distance inconnue (coordonnées manquantes) et hors du département du lot",
                    "Distance unknown (missing coordinates) and outside the lot's department")
    if not known:
        local = sum(1 for s, _ in members if same_department(s, ctx.lot))
        return Text(f"Distance inconnue pour les {unknown} membres ; {local} "
                    f"{texts.plural(local, 'installé', 'installés')} dans le département du lot",
                    f"Distance unknown for all {unknown} members; {local} based in the lot's "
                    "department")
    near, far = texts.km(known[0]), texts.km(known[-1])
    if near == far:
        fr, en = f"À {near.fr} du lieu d'exécution", f"{near.en} from the place of performance"
    else:
        fr = f"De {near.fr} à {far.fr} du lieu d'exécution selon le membre"
        en = f"{near.en} to {far.en} from the place of performance, depending on the member"
    if unknown:
        fr += f" ; distance inconnue pour {unknown} {texts.plural(unknown, 'membre', 'membres')}"
        en += f"; distance unknown for {unknown} {texts.en_plural(unknown, 'member', 'members')}"
    return Text(fr, en)


def capacity_why(turnover: int, ctx: LotContext, grouped: bool) -> Text:
    of_fr, of_en = ("du chiffre d'affaires cumulé", "of the combined turnover") if grouped \
        else ("du chiffre d'affaires", "of the turnover")
    if ctx.value is None:
        return Text("Valeur du lot inconnue : capacité non évaluée (moitié des points)",
                    "Lot value unknown: capacity not assessed (half the points)")
    if turnover == 0:
        return Text(f"Chiffre d'affaires inconnu : capacité non démontrée pour un lot de "
                    f"{texts.euros(ctx.value).fr}",
                    f"Turnover unknown: no capacity shown for a {texts.euros(ctx.value).en} lot")
    value, total = texts.euros(ctx.value), texts.euros(turnover)
    share, cap = texts.percent(ctx.value / turnover), texts.percent(ctx.share)
    if ctx.capacity_ok(turnover):
        return Text(f"Le lot ({value.fr}) représente {share.fr} {of_fr} ({total.fr}), sous "
                    f"le plafond de {cap.fr}",
                    f"The lot ({value.en}) is {share.en} {of_en} ({total.en}), within the "
                    f"{cap.en} cap")
    return Text(f"Le lot ({value.fr}) représenterait {share.fr} {of_fr} ({total.fr}), "
                f"au-delà du plafond de {cap.fr}",
                f"The lot ({value.en}) would be {share.en} {of_en} ({total.en}), beyond the "
                f"{cap.en} cap")


def insertion_why(headcount: int | None, ctx: LotContext) -> Text:
    hours = ctx.lot.insertion_hours
    if not hours:
        return Text("Pas de clause d'insertion : critère neutre (moitié des points)",
                    "No insertion clause: neutral criterion (half the points)")
    clause = texts.number(hours)
    if headcount is None:
        return Text(f"Effectif en insertion non renseigné, pour une clause de {clause.fr} h",
                    f"Insertion headcount not given, for a {clause.en} h clause")
    if headcount == 0:
        return Text(f"Aucun salarié en insertion pour les {clause.fr} h de la clause",
                    f"No insertion employee for the clause's {clause.en} h")
    covers = texts.number(headcount * ctx.rules.insertion_hours_per_employee)
    return Text(f"{headcount} {texts.plural(headcount, 'salarié', 'salariés')} en insertion, "
                f"soit environ {covers.fr} h pour les {clause.fr} h de la clause",
                f"{headcount} insertion {texts.en_plural(headcount, 'employee', 'employees')}, "
                f"about {covers.en} h against the clause's {clause.en} h")


def awards_why(awards: int, grouped: bool) -> Text:
    by_fr, by_en = (" par les membres", " by the members") if grouped else ("", "")
    if not awards:
        return Text(f"Aucun marché public remporté{by_fr} jusqu'ici",
                    f"No public contract won{by_en} so far")
    won_fr = texts.plural(awards, "marché public remporté", "marchés publics remportés")
    won_en = texts.en_plural(awards, "public contract won", "public contracts won")
    return Text(f"{awards} {won_fr}{by_fr}", f"{awards} {won_en}{by_en}")


def references_why(count: int, total: float) -> Text:
    if not count:
        return Text("Aucune référence sur la place de marché", "No reference on the marketplace")
    rating = texts.number(total / count, 1)
    return Text(f"Note moyenne de {rating.fr}/5 sur {count} "
                f"{texts.plural(count, 'référence', 'références')} de la place de marché",
                f"Average rating {rating.en}/5 from {count} marketplace "
                f"{texts.en_plural(count, 'reference', 'references')}")

