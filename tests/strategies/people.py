"""Strategies for the client, care team, consents and screening."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from adapter.model import (
    CareTeamMember,
    Client,
    ClientIdentifier,
    Consent,
    CriterionResult,
    PersonName,
    Preference,
    Screening,
)
from adapter.model import codes as c
from tests.strategies.basics import Draw, after, dates, ids, maybe, ref, texts, unique_ids, words


@st.composite
def clients(draw: Draw, max_items: int = 2) -> Client:
    """A client with a few identifiers and preferences."""
    birth = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2024, 12, 31)))
    identifiers = draw(
        st.lists(
            st.builds(
                ClientIdentifier,
                kind=st.sampled_from(c.IdentifierKind),
                value=ids,
                assigner=maybe(texts),
            ),
            max_size=max_items,
            unique_by=lambda i: (i.kind, i.assigner or "", i.value),
        )
    )
    preferences = [
        Preference(id=pid, kind=draw(st.sampled_from(c.PreferenceKind)), text=draw(texts))
        for pid in unique_ids(draw, max_items)
    ]
    return Client(
        id=draw(ids),
        identifiers=tuple(identifiers),
        name=PersonName(
            family=draw(words), given=tuple(draw(st.lists(words, min_size=1, max_size=2)))
        ),
        birth_date=birth,
        gender=draw(st.sampled_from(c.Gender)),
        language=draw(st.sampled_from([None, "en", "es", "es-MX", "vi"])),
        interpreter_needed=draw(st.booleans()),
        preferences=tuple(preferences),
        deceased_on=draw(maybe(st.just(after(draw, birth, 30_000)))),
    )


def draw_members(draw: Draw, max_items: int) -> list[CareTeamMember]:
    members = []
    for mid in unique_ids(draw, max_items):
        kind = draw(st.sampled_from(c.MemberKind))
        employer = None if kind is c.MemberKind.ORGANIZATION else draw(maybe(texts))
        members.append(
            CareTeamMember(
                id=mid,
                kind=kind,
                name=draw(texts),
                role=draw(st.sampled_from(c.CareTeamRole)),
                organization=employer,
                phone=draw(maybe(st.just("+1 555 0100"))),
            )
        )
    return members


def draw_consents(
    draw: Draw, max_items: int, *, engaged: bool, opened: date, members: list[str]
) -> list[Consent]:
    consents = [
        Consent(
            id=cid,
            scope=draw(st.sampled_from(c.ConsentScope)),
            status=draw(st.sampled_from(c.ConsentStatus)),
            recorded_on=draw(dates),
            given_by_id=draw(ref(members)),
        )
        for cid in unique_ids(draw, max_items)
    ]
    if engaged:
        taken = {x.id for x in consents}
        cid = draw(ids.filter(lambda i: i not in taken))
        consents.append(
            Consent(
                id=cid,
                scope=c.ConsentScope.PARTICIPATION,
                status=c.ConsentStatus.GRANTED,
                recorded_on=opened,
                expires_on=draw(maybe(st.just(after(draw, opened)))),
            )
        )
    return consents


def draw_screening(draw: Draw, members: list[str]) -> Screening:
    criteria = draw(st.lists(st.sampled_from(c.ScreeningCriterion), unique=True, max_size=3))
    return Screening(
        screened_on=draw(dates),
        screener_id=draw(ref(members)),
        acuity=draw(st.sampled_from(c.Acuity)),
        criteria=tuple(
            CriterionResult(
                criterion=x, count=draw(maybe(st.integers(0, 20))), evidence=draw(maybe(texts))
            )
            for x in criteria
        ),
    )
