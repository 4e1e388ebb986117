"""Writes of the accounts app: the member row, reachability, erasure, digest notices.

Onboarding steps and profile edits are in `accounts.onboarding`."""

from __future__ import annotations

import datetime as dt
import functools

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Q

from accounts import selectors
from accounts.models import LaterTopic, LonelinessCheck, Member, MemberTopic, Preferences, Topic
from accounts.notices import Notice
from accounts.onboarding import StaleAction, Step, lock_member
from core import asyncdb, clock, hooks
from core.db import db_call
from core.models import DeadLetterUpdate
from core.pseudonym import pseudonymous_ref

# How long the final "delete forever" button stays valid after the first confirmation.
ERASE_CONFIRM_TTL = dt.timedelta(minutes=15)

# last_seen_at is refreshed at most this often, so most updates only read the member row.
SEEN_PRECISION = dt.timedelta(minutes=1)


# Not @transaction.atomic: one statement is atomic by itself, and a block would add BEGIN/COMMIT
# (or SAVEPOINT/RELEASE inside a caller's transaction): three round trips where one does.
def member_touch(*, tg_id: int) -> Member:
    """The member writing to the bot (created on first contact); marks them seen and reachable."""
    with connection.cursor() as cursor:
        cursor.execute(_touch_sql(), _touch_params(tg_id))
        row = cursor.fetchone()
    if row is None:  # the same member's other update created it a moment ago (after our snapshot)
        return Member.objects.get(tg_id=tg_id)
    values = list(row)
    for index, col, converters in _member_converters():
        for convert in converters:
            values[index] = convert(values[index], col, connection)
    return Member.from_db(connection.alias, None, values)


async def member_mark_seen(*, tg_id: int) -> None:
    """member_touch for a handler that needs nothing of the member (/help): the same statement,
    on the event loop without a thread hop."""
    # Built once per process, on a sync connection (it quotes the columns' defaults into it).
    sql = _touch_sql() if _touch_sql.cache_info().currsize else await db_call(_touch_sql)
    await asyncdb.execute(sql, _touch_params(tg_id))


def _touch_params(tg_id: int) -> dict:
    now = clock.now()
    return {"tg_id": tg_id, "ref": pseudonymous_ref(tg_id), "now": now, "stale_before": now - SEEN_PRECISION}


# A new member's columns that differ per call; every other column takes its field's default,
# written into the statement once (so a field with a varying default belongs here).
_PER_CALL = {"tg_id": "tg_id", "ref": "ref", "created_at": "now", "last_seen_at": "now"}


@functools.cache
def _touch_sql() -> str:
    """One statement: the row as it is when fresh; updated when stale or unreachable (≤ 1 write
    a minute); created with its Preferences on first contact. Nothing is locked for a fresh row."""
    quote = connection.ops.quote_name
    member, prefs = Member._meta, Preferences._meta
    columns = ", ".join(quote(f.column) for f in member.concrete_fields)
    new = [f for f in member.concrete_fields if not f.primary_key]
    pref_fields = [f for f in prefs.concrete_fields if not f.primary_key and f.name != "member"]
    m, p = quote(member.db_table), quote(prefs.db_table)
    tg_id, seen, unreachable = (
        quote(member.get_field(n).column) for n in ("tg_id", "last_seen_at", "unreachable_since")
    )
    pk, pref_member = quote(member.pk.column), quote(prefs.get_field("member").column)
    stale = f"({seen} IS NULL OR {seen} < %(stale_before)s OR {unreachable} IS NOT NULL)"
    return f"""
        WITH cur AS (SELECT {columns} FROM {m} WHERE {tg_id} = %(tg_id)s),
        upd AS (
            UPDATE {m} SET {seen} = %(now)s, {unreachable} = NULL WHERE {tg_id} = %(tg_id)s AND {stale}
            RETURNING {columns}
        ),
        ins AS (
            INSERT INTO {m} ({", ".join(quote(f.column) for f in new)})
            SELECT {", ".join(map(_value, new))} WHERE NOT EXISTS (SELECT FROM cur)
            ON CONFLICT DO NOTHING
            RETURNING {columns}
        ),
        prefs AS (
            INSERT INTO {p} ({pref_member}, {", ".join(quote(f.column) for f in pref_fields)})
            SELECT {pk}, {", ".join(map(_value, pref_fields))} FROM ins
        )
        SELECT * FROM upd
        UNION ALL SELECT * FROM ins
        UNION ALL SELECT * FROM cur WHERE NOT EXISTS (SELECT FROM upd)
    """


def _value(field) -> str:
    # A SELECT list gives its values no column type to take: each one states its own.
    db_type = field.cast_db_type(connection)
    if field.model is Member and field.name in _PER_CALL:
        return f"CAST(%({_PER_CALL[field.name]})s AS {db_type})"
    default = field.get_db_prep_save(field.get_default(), connection)
    return connection.ops.compose_sql(f"CAST(%s AS {db_type})", [default]).replace("%", "%%")


@functools.cache
def _member_converters() -> list:
    """What the ORM would do to each column a query returns (JSON decoding, for one)."""
    found = []
    for index, field in enumerate(Member._meta.concrete_fields):
        col = field.get_col(Member._meta.db_table)
        converters = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        if converters:
            found.append((index, col, converters))
    return found


async def member_seen_talking(*, tg_id: int) -> bool:
    """The hot path of a chat message: True when an onboarded member awaits no input from us,
    so the message is theirs to relay. Marks them seen like member_touch (≤ 1 write a minute),
    in one statement on the event loop without a thread hop. False means "ask the full path"
    (nothing written)."""
    ctes, params = member_seen_talking_ctes(tg_id=tg_id, now=clock.now())
    row = await asyncdb.fetchone(f"WITH {ctes} SELECT EXISTS (SELECT FROM talking)", params)
    return row[0]


def member_seen_talking_ctes(*, tg_id: int, now: dt.datetime) -> tuple[str, dict]:
    """member_seen_talking's rule as CTEs for a statement that reads more beside it (the relay's
    session lookup): `talking` has the member's row when the message is theirs to relay, and the
    once-a-minute seen write runs with the statement. Named parameters, with their values."""
    params = {
        "tg_id": tg_id,
        "done": Member.Step.DONE.value,
        "now": now,
        "stale_before": now - SEEN_PRECISION,
    }
    return _SEEN_TALKING, params


_SEEN_TALKING = f"""
    talking AS (
        SELECT id, last_seen_at, unreachable_since FROM {Member._meta.db_table}
        WHERE tg_id = %(tg_id)s AND onboarding_step = %(done)s AND awaiting = ''
    ),
    seen AS (
        UPDATE {Member._meta.db_table} SET last_seen_at = %(now)s, unreachable_since = NULL
        WHERE id IN (
            SELECT id FROM talking
            WHERE last_seen_at IS NULL OR last_seen_at < %(stale_before)s OR unreachable_since IS NOT NULL
        )
    )
"""


@transaction.atomic
def member_mark_unreachable(*, tg_id: int) -> None:
    """Telegram said 403: stop writing to this member until they write again."""
    Member.objects.filter(tg_id=tg_id, unreachable_since__isnull=True).update(unreachable_since=clock.now())


@transaction.atomic
def member_erase_confirmed(*, member_id: int, asked_for: int, asked_at: dt.datetime) -> str:
    """The second /delete confirmation: valid only for the profile it was asked for, and soon."""
    if asked_for != member_id or clock.now() - asked_at > ERASE_CONFIRM_TTL:
        raise StaleAction("delete")
    return member_erase(member_id=member_id)


@transaction.atomic
def member_erase(*, member_id: int) -> str:
    """Erase a member (/delete): only the pseudonymous ref stays, on aggregate rows."""

    member = lock_member(member_id)
    for hook in hooks.member_erased:
        hook(member)
    ref = member.ref
    MemberTopic.objects.filter(member=member).delete()
    LaterTopic.objects.filter(member=member).delete()
    LonelinessCheck.objects.filter(member=member).delete()
    Preferences.objects.filter(member=member).delete()
    DeadLetterUpdate.objects.filter(member_ref=ref).delete()
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Member), object_id=str(member.pk)
    ).update(object_repr=f"#{ref}", change_message="")
    Member.objects.filter(pk=member.pk).update(
        tg_id=None,
        pseudonym="",
        timezone="",
        country="",
        avatar="",
        safety_cards_seen_at=None,
        bio="",
        expectations=[],
        availability=[],
        awaiting="",
        awaiting_context={},
        awaiting_until=None,
        status=Member.Status.DELETED,
        onboarding_step=Step.RULES,
        coach_opt_in=False,
        rules_accepted_at=None,
        adult_confirmed_at=None,
        last_seen_at=None,
        unreachable_since=None,
        deleted_at=clock.now(),
    )
    return ref


# -- the weekly digest -------------------------------------------------------------------------

DIGEST_WEEK = dt.timedelta(days=7)
# A digest is due when the last one is older than this (a late weekly run still sends one).
DIGEST_GAP = dt.timedelta(days=6)


@transaction.atomic
def digest_claim(*, limit: int) -> list[Notice]:
    """Claim members whose weekly digest is due (marking it sent) and count who joined for them:
    members onboarded this week who share a topic. Nobody is named; zero means no message."""
    now = clock.now()
    due = list(
        Preferences.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(digest_opt_in=True, member__in=selectors.reachable_onboarded())
        .filter(Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lte=now - DIGEST_GAP))
        .select_related("member")
        .order_by("pk")[:limit]
    )
    Preferences.objects.filter(pk__in=[p.pk for p in due]).update(digest_sent_at=now)
    notices = []
    for preferences in due:
        member = preferences.member
        topic_ids = list(member.member_topics.values_list("topic_id", flat=True))
        count = (
            Member.objects.filter(
                onboarded_at__gte=now - DIGEST_WEEK,
                onboarded_at__lt=now,
                member_topics__topic_id__in=topic_ids,
            )
            .exclude(pk=member.pk)
            .exclude(status=Member.Status.DELETED)
            .distinct()
            .count()
        )
        if count:
            titles = list(
                Topic.objects.filter(pk__in=topic_ids).order_by("order").values_list("title", flat=True)
            )
            notices.append(
                Notice(member.pk, "accounts/digest", {"count": count, "topics": titles}, "accounts.digest")
            )
    return notices


@transaction.atomic
def digest_release(*, member_ids: list[int]) -> None:
    """A flood wait stopped the fan-out: these members' digests are due again."""
    Preferences.objects.filter(member_id__in=member_ids).update(digest_sent_at=None)


@transaction.atomic
def member_profile_hide(*, member_id: int) -> bool:
    """A moderator hides an offensive pseudonym and bio: a neutral name from the ref, no bio.
    False when there was nothing to hide."""
    member = lock_member(member_id)
    neutral = f"Участник {member.ref[:4]}"
    if member.is_deleted or (member.pseudonym == neutral and not member.bio):
        return False
    member.pseudonym, member.bio = neutral, ""
    member.save(update_fields=["pseudonym", "bio"])
    return True
