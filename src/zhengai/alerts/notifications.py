"""Who hears about an alert event, the in-app inbox, and delivery by email and group robots.

Recipients: the accountable person (the users linked to the owner teacher), the assignee, the head of
the accountable unit (on opening and from escalation level 1), the quality office (escalation level 2
and requests to ignore). One notification per user per alert state: no repeat while the state has
not changed.

Each new notification may also go out by email (when the user has an address and has not turned
email off); during the user's quiet hours the email waits for the end of them, and a user who chose
the daily digest gets one email a day listing everything instead. The group robots (企业微信, 钉钉,
飞书) of the alert's owner unit and the college-wide ones get one message per alert state.

    notify() ──▶ Notification (inbox) ──▶ Delivery (email, 待发送 at now or the end of quiet hours)
             │                        └─▶ digest_pending ──digests_send()──▶ one Delivery a day
             └─▶ Delivery (robot, per Channel, once per alert state)
    deliveries_send_due() ──▶ 已发送 │ 发送失败，等待重试 (1 min, 5 min, 30 min, 2 h) │ 多次失败，已放弃

Due robot messages for one channel go out together as one message (robots allow about 20 a minute).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from zhengai.accounts.choices import Role
from zhengai.alerts.channels import CHANNELS, TIMEOUT, DeliveryError, Digest, Message
from zhengai.alerts.channels.content import alert_message, alert_url, base_url
from zhengai.alerts.choices import EventKind, Severity
from zhengai.alerts.models import (
    Alert,
    AlertEvent,
    AlertSettings,
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationPreference,
)
from zhengai.lib import clock
from zhengai.monitoring.templatetags.monitoring_ui import format_value

log = logging.getLogger(__name__)

# Events that are worth a message; the rest stay in the handling log.
NOTIFY = {
    EventKind.OPENED,
    EventKind.REOPENED,
    EventKind.ESCALATED,
    EventKind.ASSIGNED,
    EventKind.DONE,
    EventKind.RECOVERED,
    EventKind.CLOSED,
    EventKind.IGNORE_REQUESTED,
    EventKind.IGNORED,
    EventKind.VALUE,
}
# What a unit's group chat hears about: the alert's course, not who was assigned or asked what.
ROBOT_EVENTS = {
    EventKind.OPENED,
    EventKind.REOPENED,
    EventKind.VALUE,
    EventKind.ESCALATED,
    EventKind.RECOVERED,
    EventKind.CLOSED,
    EventKind.IGNORED,
}

EMAIL = "email"
# Waits after the 1st, 2nd, 3rd and 4th failed attempt; the 5th failure gives up.
RETRY_DELAYS = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A claimed delivery is the claiming worker's for this long; after it, another worker may take it again.
LEASE = dt.timedelta(minutes=5)
DUE_BATCH = 500
OPEN = (DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.SENDING)


_MEMO: list[dict] = []  # while `batched()` is active: recipients and channels already looked up


@contextmanager
def batched() -> Iterator[None]:
    """Many notify() calls in a row (an evaluation opens many items at once): look up each set of
    recipients and each unit's robots once, and give each person one digest email for the lot instead
    of one email per item; critical items (红色, escalated) still go out one by one at once."""
    _MEMO.append({})
    try:
        yield
    finally:
        memo = _MEMO.pop()
        burst = sorted(memo.get("burst", ()))
        if burst:
            at = memo.get("burst_at")
            transaction.on_commit(lambda: burst_digests_send(user_ids=burst, now=at))


def is_critical(alert: Alert, event: AlertEvent) -> bool:
    """What never waits for a digest: a red tier, and anything escalated."""
    return alert.tier == "红色" or alert.escalation_level >= 1 or event.kind == EventKind.ESCALATED


def burst_digests_send(*, user_ids: list[int], now: dt.datetime | None = None) -> int:
    """One digest email now for each person whose notifications of a bulk opening were held."""
    now = now or clock.now()
    local = timezone.localtime(now)
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}
    made = []
    for user in get_user_model().objects.filter(pk__in=user_ids).order_by("pk"):
        pref = prefs.get(user.pk) or NotificationPreference(user=user)
        if pref.daily_digest:
            continue  # they chose the daily digest: the held items wait for it
        delivery = _digest_for(user, pref, now=now, local=local, daily=False)
        if delivery is not None:
            made.append(delivery)
    if any(d.next_attempt_at <= now for d in made):
        _send_after_commit()
    return len(made)


def recipients(alert: Alert, event: AlertEvent) -> list:
    heads = bool(alert.owner_unit_id and (event.kind in (EventKind.OPENED, EventKind.REOPENED)
                                          or alert.escalation_level >= 1))  # fmt: skip
    quality = alert.escalation_level >= 2 or event.kind == EventKind.IGNORE_REQUESTED
    key = ("recipients", alert.owner_teacher_id, alert.assignee_id, alert.owner_unit_id if heads else None, quality,
           event.actor_id)  # fmt: skip
    if _MEMO and key in _MEMO[-1]:
        return _MEMO[-1][key]
    found = _recipients(alert, event)
    if _MEMO:
        _MEMO[-1][key] = found
    return found


def _recipients(alert: Alert, event: AlertEvent) -> list:
    User = get_user_model()
    q = Q(pk__in=[])
    if alert.owner_teacher_id:
        q |= Q(teacher_id=alert.owner_teacher_id)
    if alert.assignee_id:
        q |= Q(pk=alert.assignee_id)
    if alert.owner_unit_id and (event.kind in (EventKind.OPENED, EventKind.REOPENED) or alert.escalation_level >= 1):
        q |= Q(role=Role.DEPARTMENT_HEAD, org_unit_id=alert.owner_unit_id)
    if alert.escalation_level >= 2 or event.kind == EventKind.IGNORE_REQUESTED:
        quality = AlertSettings.current().quality_unit
        q |= Q(role=Role.QUALITY_OFFICE, org_unit__code=quality)
    users = User.objects.filter(q, is_active=True).exclude(pk=event.actor_id or 0)
    return list(users.distinct())


def _state_key(alert: Alert, event: AlertEvent) -> str:
    return f"{alert.status}:{alert.severity}:{alert.tier}:{alert.escalation_level}:{alert.reopened_count}:{event.kind}"


def title_for(alert: Alert, event: AlertEvent) -> str:
    who = alert.entity_name or alert.entity_key
    tier = f"·{alert.tier}" if alert.tier else ""
    return f"【{alert.get_severity_display()}{tier}】{alert.subject}：{who}（{event.get_kind_display()}）"


# ------------------------------------------------------------------------------------------ pure rules


def quiet_until(local_now: dt.datetime, start: dt.time | None, end: dt.time | None) -> dt.datetime | None:
    """The end of the quiet period `local_now` falls in, or None. A period may wrap midnight (22:00–07:00)."""
    if start is None or end is None or start == end:
        return None
    t = local_now.time().replace(tzinfo=None)

    def at(day: dt.datetime) -> dt.datetime:
        return day.replace(hour=end.hour, minute=end.minute, second=end.second, microsecond=0)

    if start < end:
        return at(local_now) if start <= t < end else None
    if t >= start:
        return at(local_now + dt.timedelta(days=1))
    if t < end:
        return at(local_now)
    return None


def retry_at(attempts: int, now: dt.datetime) -> dt.datetime | None:
    """When to try again after `attempts` failed attempts; None = give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + RETRY_DELAYS[max(attempts, 1) - 1]


# ------------------------------------------------------------------------------------------ creating


def notify(*, alert: Alert, event: AlertEvent) -> list[Notification]:
    """Inbox notifications for an event, and the email and robot deliveries that go with them."""
    if event.kind not in NOTIFY:
        return []
    created = []
    key = _state_key(alert, event)
    for user in recipients(alert, event):
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        user=user,
                        alert=alert,
                        event=event,
                        title=title_for(alert, event)[:200],
                        body=event.note,
                        state_key=key,
                        created_at=event.created_at,
                    )
                )
        except IntegrityError:
            continue  # the same state was already notified to this user
    message: dict | None = None

    def payload() -> dict:
        nonlocal message
        if message is None:
            message = alert_message(alert, event, title=title_for(alert, event)).as_payload()
        return message

    due_now = _email_deliveries(created, alert=alert, key=key, payload=payload, now=event.created_at)
    if event.kind in ROBOT_EVENTS:
        due_now += _robot_deliveries(alert=alert, key=key, payload=payload, now=event.created_at)
    if due_now:
        _send_after_commit()
    return created


def _email_deliveries(notifications: list[Notification], *, alert: Alert, key: str, payload, now: dt.datetime) -> int:
    if not notifications:
        return 0
    prefs = {
        p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=[n.user_id for n in notifications])
    }
    local = timezone.localtime(now)
    deliveries, held = [], []
    for n in notifications:
        pref = prefs.get(n.user_id) or NotificationPreference(user=n.user)
        if not (pref.email and n.user.email):
            continue
        if pref.daily_digest or (_MEMO and not is_critical(alert, n.event) if n.event_id else False):
            n.digest_pending = True
            held.append(n.pk)
            if _MEMO and not pref.daily_digest:
                _MEMO[-1].setdefault("burst", set()).add(n.user_id)
                _MEMO[-1]["burst_at"] = max(now, _MEMO[-1].get("burst_at", now))
            continue
        deliveries.append(
            Delivery(
                channel_kind=EMAIL,
                user=n.user,
                notification=n,
                alert=alert,
                state_key=key,
                target=n.user.email,
                payload=payload(),
                next_attempt_at=quiet_until(local, pref.quiet_start, pref.quiet_end) or now,
            )
        )
    if held:
        Notification.objects.filter(pk__in=held).update(digest_pending=True)
    Delivery.objects.bulk_create(deliveries)
    return sum(1 for d in deliveries if d.next_attempt_at <= now)


def _robot_deliveries(*, alert: Alert, key: str, payload, now: dt.datetime) -> int:
    memo_key = ("channels", alert.owner_unit_id)
    if _MEMO and memo_key in _MEMO[-1]:
        channels = _MEMO[-1][memo_key]
    else:
        channels = list(
            Channel.objects.filter(enabled=True).filter(Q(org_unit__isnull=True) | Q(org_unit_id=alert.owner_unit_id))
        )
        if _MEMO:
            _MEMO[-1][memo_key] = channels
    if not channels:
        return 0
    # One row per channel and alert state: the unique constraint drops a repeat (ON CONFLICT DO NOTHING).
    Delivery.objects.bulk_create(
        [
            Delivery(
                channel_kind=channel.kind,
                channel=channel,
                alert=alert,
                state_key=key,
                target=channel.name,  # the webhook URL holds the robot's key: it is read at sending time
                payload=payload(),
                next_attempt_at=now,
            )
            for channel in channels
        ],
        ignore_conflicts=True,
    )
    return len(channels)


def _enqueue_send() -> None:
    from zhengai.alerts.tasks import deliveries_send_due_task

    deliveries_send_due_task.enqueue()


def _send_after_commit() -> None:
    """Have the worker send once the transaction commits; once per transaction, however many events."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(entry[1] is _enqueue_send for entry in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_send, robust=True)


# ------------------------------------------------------------------------------------------ digests


def _digest_item(n: Notification) -> Message:
    alert = n.alert
    if alert is None:  # a notice (an overdue task …): its title and where it leads
        return Message(title=n.title, event="提醒", level="warn", fields=(), url=base_url() + n.link, note=n.body)
    unit = str(alert.indicator.raw.get("unit") or "") if alert.indicator_id else ""
    return Message(
        title=n.title,
        event=n.event.get_kind_display() if n.event_id else "",
        level="failed" if alert.severity == Severity.FAILED else "warn",
        fields=(
            ("监测值", format_value(alert.last_value, unit)),
            ("状态", alert.get_status_display()),
            ("处理时限", timezone.localtime(alert.deadline).strftime("%Y-%m-%d %H:%M")),
        ),
        url=alert_url(alert),
    )


def digests_prepare(*, now: dt.datetime | None = None) -> list[Delivery]:
    """One digest email per user per day, from their held notifications, once their digest time has come."""
    now = now or clock.now()
    local = timezone.localtime(now)
    today = local.date()
    user_ids = set(
        Notification.objects.filter(digest_pending=True, created_at__lte=now).values_list("user_id", flat=True)
    )
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}
    done = set(Delivery.objects.filter(user_id__in=user_ids, digest_date=today).values_list("user_id", flat=True))
    made = []
    for user in get_user_model().objects.filter(pk__in=user_ids - done).order_by("pk"):
        pref = prefs.get(user.pk) or NotificationPreference(user=user)
        if local.time() < pref.digest_time:
            continue
        try:
            delivery = _digest_for(user, pref, now=now, local=local)
        except IntegrityError:
            continue  # another worker made today's digest at the same moment
        if delivery is not None:
            made.append(delivery)
    return made


@transaction.atomic
def _digest_for(
    user, pref: NotificationPreference, *, now: dt.datetime, local: dt.datetime, daily: bool = True
) -> Delivery | None:
    held = list(
        Notification.objects.select_for_update(of=("self",))
        .filter(user=user, digest_pending=True, created_at__lte=now)
        .select_related("alert__indicator", "event")
        .order_by("created_at", "id")
    )
    if not held:
        return None
    Notification.objects.filter(pk__in=[n.pk for n in held]).update(digest_pending=False)
    if not (pref.email and user.email):
        return None  # email turned off meanwhile: the inbox has them
    digest = Digest(date=local.date().isoformat(), items=tuple(_digest_item(n) for n in held), url=base_url() + "/")
    return Delivery.objects.create(
        channel_kind=EMAIL,
        user=user,
        target=user.email,
        payload=digest.as_payload(),
        digest_date=local.date() if daily else None,
        next_attempt_at=quiet_until(local, pref.quiet_start, pref.quiet_end) or now,
    )


def digests_send(*, now: dt.datetime | None = None, timeout: float = TIMEOUT) -> dict[str, int]:
    """Make the digests that are due and send those not held by quiet hours."""
    now = now or clock.now()
    made = digests_prepare(now=now)
    counts = Counter(digests=len(made))
    for delivery in made:
        if delivery.next_attempt_at <= now:
            _send_group([delivery], now=now, timeout=timeout, counts=counts)
    return dict(counts)


# ------------------------------------------------------------------------------------------ sending


def deliveries_send_due(*, now: dt.datetime | None = None, timeout: float = TIMEOUT) -> dict[str, int]:
    """Send every delivery whose time has come; all due messages for one robot go out as one. Returns
    counts of deliveries: sent, failed (will be retried), gave_up, cancelled."""
    now = now or clock.now()
    counts: Counter = Counter()
    due = Delivery.objects.filter(status__in=OPEN, next_attempt_at__lte=now).order_by("next_attempt_at", "id")
    for channel_id in set(due.filter(channel__isnull=False).values_list("channel_id", flat=True)):
        group = list(due.filter(channel_id=channel_id).select_related("channel"))
        _send_group(group, now=now, timeout=timeout, counts=counts)
    while True:
        # Each one sent or failed leaves the due set, so the next batch is new rows.
        batch = list(due.filter(channel__isnull=True)[:DUE_BATCH])
        for delivery in batch:
            _send_group([delivery], now=now, timeout=timeout, counts=counts)
        if len(batch) < DUE_BATCH:
            break
    return {k: counts[k] for k in ("sent", "failed", "gave_up", "cancelled")}


def delivery_send(*, delivery: Delivery, now: dt.datetime | None = None, timeout: float = TIMEOUT) -> Delivery:
    """Send one delivery now, whatever its schedule (e.g. “重新发送” on one that gave up)."""
    now = now or clock.now()
    if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.CANCELLED):
        return delivery
    if delivery.status == DeliveryStatus.SENDING and delivery.next_attempt_at and delivery.next_attempt_at > now:
        return delivery  # another worker is sending it
    _send_group([delivery], now=now, timeout=timeout, counts=Counter())
    delivery.refresh_from_db()
    return delivery


def _claim(delivery: Delivery, now: dt.datetime) -> bool:
    """Take the delivery for this worker (a conditional update: two workers never both send it)."""
    taken = Delivery.objects.filter(pk=delivery.pk, status=delivery.status, attempts=delivery.attempts).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + LEASE
    )
    if taken:
        delivery.status, delivery.attempts = DeliveryStatus.SENDING, delivery.attempts + 1
    return bool(taken)


def _send_group(group: Iterable[Delivery], *, now: dt.datetime, timeout: float, counts: Counter) -> None:
    claimed = [d for d in group if _claim(d, now)]
    if not claimed:
        return
    first = claimed[0]
    kind = CHANNELS.get(first.channel_kind)
    channel = first.channel
    if kind is None or (kind.robot and (channel is None or not channel.enabled)):
        for d in claimed:
            d.status, d.next_attempt_at, d.last_error = DeliveryStatus.CANCELLED, None, "渠道已停用或不存在，未发送"
            d.save(update_fields=["status", "next_attempt_at", "last_error"])
        counts["cancelled"] += len(claimed)
        return
    error = ""
    try:
        body = kind.build([d.payload for d in claimed])
        if kind.robot:
            kind.send(target=channel.webhook_url, secret=channel.secret, body=body, timeout=timeout, now=now)
        else:
            kind.send(target=first.target, secret="", body=body, timeout=timeout, now=now)
    except DeliveryError as exc:
        error = str(exc) or exc.__class__.__name__
    except Exception as exc:  # a bug or bad data must not stop the other deliveries
        log.exception("delivery %s failed unexpectedly", [d.pk for d in claimed])
        error = f"内部错误：{exc.__class__.__name__}: {exc}"
    for d in claimed:
        if not error:
            d.status, d.sent_at, d.next_attempt_at, d.last_error = DeliveryStatus.SENT, now, None, ""
            counts["sent"] += 1
        else:
            d.last_error = error[:2000]
            d.next_attempt_at = retry_at(d.attempts, now)
            d.status = DeliveryStatus.FAILED if d.next_attempt_at else DeliveryStatus.GAVE_UP
            counts["failed" if d.next_attempt_at else "gave_up"] += 1
        d.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error"])
    if error:
        log.warning("%s to %s failed (attempt %s): %s", first.channel_kind, first.target, first.attempts, error)
