"""Builders for every record the tests make, in one vocabulary; call them in an app context.

In the spirit of CTFd's tests/helpers.py `gen_*`: one `make_*` per record, with defaults a
test overrides only where its case differs. Records are built through the app's own domain
functions where they exist (create_checklist, raise_fault, the fault lifecycle, the
stocktake's start and count), so a builder never makes a state the app cannot reach. Where a
test needs the past (an inspection signed last month, a repair accepted in October), the
builder writes the record as the domain would have on that day, since the domain functions
stamp the present.
"""

import secrets
import uuid
from datetime import date, datetime, time

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from app.checklists.versions import add_item, create_checklist
from app.extensions import db
from app.faults import lifecycle
from app.faults.raising import raise_fault
from app.faults.reporting import report_fault
from app.models import (
    Answer,
    Asset,
    AssetKind,
    AssetStatus,
    Cause,
    Channel,
    ChannelKind,
    ChecklistItem,
    ClosedPeriod,
    Delivery,
    Duty,
    FaultEvent,
    FaultStatus,
    Frequency,
    Inspection,
    ItemType,
    Notice,
    Outcome,
    Place,
    PlaceKind,
    Reason,
    Role,
    ScanCode,
    Signature,
    Urgency,
    User,
)
from app.models.code import issue_blank_codes, issue_code
from app.models.item import new_lineage
from app.schedule import Schedule
from app.stocktakes.counting import close_stocktake, count_code, start_stocktake
from tests.conftest import PASSWORD, _password_hash

# A school day's check is signed in the morning: 08:30 in Shanghai is 00:30 UTC.
SIGNED_AT = time(0, 30)
ONE_CHECK = ({"type": ItemType.CHECK, "text": "完好"},)
# The slide's full inspection form: every kind of item, one check critical.
SLIDE_ITEMS = (
    {"type": ItemType.CHECK, "text": "梯子和台阶牢固", "text_en": "Ladder and steps secure"},
    {
        "type": ItemType.CHECK,
        "text": "滑道光滑，无裂缝、孔洞或锐边",
        "text_en": "Sliding surface smooth, no cracks, holes or sharp edges",
        "critical": True,
    },
    {
        "type": ItemType.READING,
        "text": "基础裂缝宽度",
        "text_en": "Crack width at the foundation",
        "unit": "mm",
        "min_value": 0.0,
        "max_value": 0.3,
    },
    {"type": ItemType.TEXT, "text": "其他情况", "text_en": "Anything else", "required": False},
    {
        "type": ItemType.PHOTO,
        "text": "整体照片",
        "text_en": "Photo of the whole slide",
        "required": False,
    },
)
# The steps of a fault's repair, in the order the lifecycle takes them.
REPAIR_STEPS = (
    FaultStatus.REPORTED,
    FaultStatus.ASSIGNED,
    FaultStatus.IN_PROGRESS,
    FaultStatus.REPAIRED,
    FaultStatus.ACCEPTED,
)


def make_kind(key="slide", name="滑梯", name_en="Slide"):
    kind = db.session.scalar(sa.select(AssetKind).where(AssetKind.key == key))
    if kind is None:
        kind = AssetKind(key=key, name=name, name_en=name_en)
        db.session.add(kind)
        db.session.flush()
    return kind


def make_place(
    name="操场", name_en="Playground", kind=PlaceKind.AREA, parent=None, code=None, position=None
):
    """A place with its code; `position` puts it in the walking order among its siblings."""
    place = Place(name=name, name_en=name_en, kind=kind, parent=parent, code="")
    if position is not None:
        place.position = position
    db.session.add(place)
    issue_code(place, code)
    db.session.flush()
    return place


def make_asset(
    name="滑梯 1",
    name_en="Slide 1",
    kind=None,
    place=None,
    code=None,
    status=AssetStatus.IN_SERVICE,
    asset_number=None,
    registered=None,
):
    """An asset in the register, with its code; `registered` backdates its record."""
    asset = Asset(
        name=name,
        name_en=name_en,
        kind=kind or make_kind(),
        status=status,
        place=place or make_place(),
        asset_number=asset_number,
        code="",
    )
    db.session.add(asset)
    issue_code(asset, code)
    if registered is not None:
        asset.created_at = asset.updated_at = registered
    db.session.flush()
    return asset


def make_fault(asset, photos=(), photo=None):
    """A public report of the asset with its photos, as the report form records it."""
    fault, _created = report_fault(
        asset, "Broken", Urgency.NEEDS_REPAIR, False, list(photos),
        reporter=None, public_name="王老师", public_phone="", client_id=uuid.uuid4().hex,
    )
    fault.photo = photo
    db.session.commit()
    return fault


def make_public_report(
    asset, description="Seat cracked", take_out_of_service=True, name="路人", phone=None, at=None
):
    """A fault reported without an account, by default taking its asset out of service."""
    fault = raise_fault(
        asset,
        description,
        Urgency.UNSAFE,
        take_out_of_service=take_out_of_service,
        public_name=name,
        public_phone=phone,
        public_token=secrets.token_urlsafe(16),
        at=at,
    )
    db.session.flush()
    return fault


def user(username="inspector"):
    """One of the people every test has (admin, inspector, repairer) or one made here."""
    return db.session.scalar(sa.select(User).where(User.username == username))


def make_user(
    username, role=Role.INSPECTOR, password="correct horse", display_name=None, **fields
):
    """Someone beside the admin, inspector and repairer every test has; password=None makes
    one who can never sign in. Other columns (email, active) come as keywords."""
    made = User(
        username=username,
        display_name=display_name or username.title(),
        role=role,
        password_hash=_hash_of(password) if password else "!",
        **fields,
    )
    db.session.add(made)
    db.session.flush()
    return made


def _hash_of(password):
    # The shared password's hash is made once per run (hashing is deliberately slow).
    return _password_hash() if password == PASSWORD else generate_password_hash(password)


def make_blank_code(value=None):
    """A printed label not yet stuck on anything, as issue_blank_codes prints them; or one
    with the value a test names."""
    if value is None:
        (code,) = issue_blank_codes(1)
    else:
        code = ScanCode(value=value)
        db.session.add(code)
    db.session.flush()
    return code


def make_closed_period(name="寒假", start=date(2027, 1, 20), end=date(2027, 2, 20)):
    """A holiday: every routine pauses over it, both days included."""
    period = ClosedPeriod(name=name, start_date=start, end_date=end)
    db.session.add(period)
    db.session.flush()
    return period


def make_checklist(
    kind=None,
    names=("大型玩具每周检查", "Weekly slide and large toy check"),
    frequency=Frequency.WEEKLY,
    items=None,
    asset=None,
    created_at=None,
    key=None,
    active=True,
    item_by_item=False,
    **schedule,
):
    """An active routine for a kind (or one asset), at version 1 with its items.

    Made by create_checklist, so its schedule is one the admin could set; a weekly routine
    falls on Monday, a monthly one on the 1st and a yearly one in January unless the test
    says otherwise. The items go straight into version 1, as the demo's routines do; by
    default one required check, items=[] for none. Each item is a dict of ChecklistItem's
    columns. item_by_item=True adds them instead as the admin does, with add_item, one new
    version each: n items make version n + 1.
    """
    defaults = {
        Frequency.WEEKLY: {"weekday": 0},
        Frequency.MONTHLY: {"day_of_month": 1},
        Frequency.YEARLY: {"month": 1},
    }
    checklist = create_checklist(
        user("admin"),
        name=names[0],
        name_en=names[1],
        kind=None if asset else kind,
        asset=asset,
        schedule=Schedule(frequency, **(defaults.get(frequency, {}) | schedule)),
        active=active,
    )
    checklist.key = key
    items = ONE_CHECK if items is None else items
    version = checklist.current_version
    if item_by_item:
        db.session.flush()
        for spec in items:
            version = add_item(checklist, user("admin"), version.number, **spec)
            db.session.flush()
    else:
        for position, spec in enumerate(items, start=1):
            version.items.append(ChecklistItem(lineage=new_lineage(), position=position, **spec))
    if created_at is not None:
        checklist.created_at = created_at
        for each in checklist.versions:
            each.created_at = created_at
    db.session.flush()
    return checklist


def make_slide(app):
    """Slide 1 with its daily check of SLIDE_ITEMS, committed in a context of its own; ids
    only, so tests can use them outside it (the inspection form's tests start here)."""
    with app.app_context():
        asset = make_asset()
        checklist = make_checklist(
            asset.kind, ("滑梯每周检查", "Weekly slide check"), Frequency.DAILY, SLIDE_ITEMS
        )
        db.session.commit()
        return {
            "asset_id": asset.id,
            "checklist_id": checklist.id,
            "version_id": checklist.current_version.id,
            "items": [item.id for item in checklist.current_version.items],
            "code": asset.code,
        }


def _signature(signer, at, drawn):
    # Named apart from app.core.signatures.make_signature, which turns what the
    # phone sent into one: this writes one as stored, at a time in the past.
    signature = Signature(
        signer=signer,
        signer_name=signer.display_name,
        signed_at=at,
        image=b"\x89PNG drawn" if drawn else None,
    )
    db.session.add(signature)
    return signature


def make_inspection(
    asset,
    checklist,
    day,
    passed=True,
    at=None,
    corrects=None,
    readings=None,
    drawn=True,
    inspector=None,
    note="",
    off_schedule=False,
    notes=None,
):
    """A signed inspection of the routine's newest version, done on the given school day.

    Every check item passes (or, passed=False, fails); readings maps an item's position
    (from 1, as the app numbers them) to its reading, marked out of range as the form would,
    and notes maps a position to the note written on that item.
    Signed at 08:30 school time unless `at` says when.
    """
    inspector = inspector or user()
    at = at or datetime.combine(day, SIGNED_AT)
    version = checklist.current_version
    inspection = Inspection(
        client_id=uuid.uuid4().hex,
        asset=asset,
        checklist=checklist,
        version=version,
        inspector=inspector,
        signature=_signature(inspector, at, drawn),
        submitted_at=at,
        local_date=day,
        passed=passed,
        off_schedule=off_schedule,
        note=note,
        corrects=corrects,
    )
    for item in version.items:
        reading = (readings or {}).get(item.position)
        inspection.answers.append(
            Answer(
                item=item,
                position=item.position,
                outcome=(Outcome.PASS if passed else Outcome.FAIL)
                if item.type == ItemType.CHECK
                else None,
                reading=reading,
                out_of_range=reading is not None and not item.in_range(reading),
                note=(notes or {}).get(item.position, ""),
            )
        )
    db.session.add(inspection)
    db.session.flush()
    return inspection


def make_history(
    asset, checklist, days, inspector=None, failing_every=None, readings=None, at=time(1)
):
    """Signed inspections of the routine's newest version on each of `days`, inserted in a
    few statements: the long histories the query budgets are measured against.

    Each is what make_inspection would write, with its own signature and an answer per item.
    With failing_every=n every n-th one (from the first) fails its checks; readings maps an
    item's position to values used in turn.
    """
    inspector = inspector or user()
    version = checklist.current_version
    days = list(days)

    def inserted(model, rows):
        return db.session.scalars(
            sa.insert(model).returning(model.id, sort_by_parameter_order=True), rows
        ).all()

    def passes(n):
        return not (failing_every and n % failing_every == 0)

    signature_ids = inserted(
        Signature,
        [
            {"signer_id": inspector.id, "signer_name": inspector.display_name,
             "signed_at": datetime.combine(day, at)}
            for day in days
        ],
    )
    inspection_ids = inserted(
        Inspection,
        [
            {"client_id": uuid.uuid4().hex, "asset_id": asset.id,
             "checklist_id": checklist.id, "version_id": version.id,
             "inspector_id": inspector.id, "signature_id": signature_id,
             "submitted_at": datetime.combine(day, at), "local_date": day,
             "passed": passes(n), "off_schedule": False, "note": ""}
            for n, (day, signature_id) in enumerate(zip(days, signature_ids, strict=True))
        ],
    )
    answers = []
    for n, inspection_id in enumerate(inspection_ids):
        for item in version.items:
            values = (readings or {}).get(item.position)
            reading = values[n % len(values)] if values else None
            answers.append({
                "inspection_id": inspection_id, "item_id": item.id, "position": item.position,
                "outcome": (Outcome.PASS if passes(n) else Outcome.FAIL)
                if item.type == ItemType.CHECK else None,
                "reading": reading,
                "out_of_range": reading is not None and not item.in_range(reading),
                "text": "", "note": "",
            })
    if answers:
        db.session.execute(sa.insert(Answer), answers)
    return inspection_ids


def make_staff_report(
    asset,
    description="坏了",
    urgency=Urgency.NEEDS_REPAIR,
    reporter=None,
    take_out_of_service=False,
    at=None,
    **fields,
):
    """A fault raised by someone signed in (the inspector by default), as raise_fault
    records it; other raise_fault arguments (inspection, item, photo) come as keywords."""
    fault = raise_fault(
        asset,
        description,
        urgency,
        reporter=reporter or user(),
        take_out_of_service=take_out_of_service,
        at=at,
        **fields,
    )
    db.session.flush()
    return fault


def make_fault_at(
    step,
    asset=None,
    fault=None,
    repairer=None,
    acceptor=None,
    accepted_as=None,
    done_at=None,
    note="换了螺丝",
    cause=Cause.NATURAL_WEAR,
    cost="",
    drawn="",
    **report,
):
    """A fault taken to `step` by the lifecycle's own functions: a FaultStatus along
    REPAIR_STEPS, or DISMISSED for a visitor's report found to be a prank.

    The fault is the one given, else a staff report of the asset (`report` goes to
    make_staff_report). The admin assigns it to the repairer, who starts and signs off the
    repair (note, cause, cost as typed); the reporter accepts it when they may, else the
    admin. Both sign with `drawn` (a data: URL) or, without it, their typed name; the
    acceptor types `accepted_as` instead of their own name when it is given.

    `done_at` says when the steps after the report were taken, since the lifecycle stamps
    the present: one time for them all, or a time per step ({FaultStatus.REPAIRED: ...,
    FaultStatus.ACCEPTED: ...}); a step not named takes the time of the step before it, and
    those before the first named step take its time.
    """
    fault = fault or make_staff_report(asset or make_asset(), **report)
    admin, repairer = user("admin"), repairer or user("repairer")
    if step == FaultStatus.DISMISSED:
        lifecycle.dismiss(fault, admin, "")
        reached = 0
    else:
        reached = REPAIR_STEPS.index(step)
    if reached >= 1:
        lifecycle.assign(fault, repairer, admin)
    if reached >= 2:
        lifecycle.start(fault, repairer)
    if reached >= 3:
        lifecycle.complete(
            fault, repairer, note, "", cost, cause, drawn, typed_name=repairer.display_name
        )
    if reached >= 4:
        if acceptor is None:
            acceptor = fault.reported_by if lifecycle.reporter_can_accept(fault) else admin
        lifecycle.accept(fault, acceptor, drawn, typed_name=accepted_as or acceptor.display_name)
    db.session.flush()
    if done_at is not None:
        _move_steps(fault, done_at if isinstance(done_at, dict) else {step: done_at})
    return fault


def _move_steps(fault, times):
    """Give each step after the report its time; events and signatures refuse edits once
    stored, so they are rewritten below the ORM, as that day would have written them."""
    steps = [*REPAIR_STEPS[1:], FaultStatus.DISMISSED]
    at, when = None, {}
    for status in reversed(steps):
        at = times.get(status, at)
    for status in steps:
        at = times.get(status, at)
        when[status] = at
    for status, at in when.items():
        db.session.execute(
            sa.update(FaultEvent)
            .where(FaultEvent.fault_id == fault.id, FaultEvent.action != "reported",
                   FaultEvent.status == status)
            .values(at=at)
        )
    for signature, name, status in (
        (fault.repair_signature, "repaired_at", FaultStatus.REPAIRED),
        (fault.acceptance_signature, "accepted_at", FaultStatus.ACCEPTED),
    ):
        if signature is not None:
            db.session.execute(
                sa.update(Signature)
                .where(Signature.id == signature.id)
                .values(signed_at=when[status])
            )
            setattr(fault, name, when[status])
    db.session.flush()
    db.session.expire_all()


def make_stocktake(place=None, by=None, codes=(), counted_in=None, closed=False):
    """A stocktake of the place (None: the whole school), started and counted by the admin
    by default, with the codes scanned in `counted_in` (default: its own place); closed=True
    signs and closes it with the counter's typed name."""
    by = by or user("admin")
    stocktake = start_stocktake(place, by, uuid.uuid4().hex)
    for code in codes:
        count_code(stocktake, code, counted_in or place, by)
    db.session.flush()
    if closed:
        close_stocktake(stocktake, by, typed=by.display_name)
    return stocktake


def make_duty(checklist, person, stand_in=False):
    """The person named on the routine, as one of its people or (stand_in=True) a stand-in."""
    duty = Duty(checklist=checklist, user=person, stand_in=stand_in)
    db.session.add(duty)
    db.session.flush()
    return duty


def make_channel(
    kind=ChannelKind.WECOM,
    url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-key-1",
    secret=None,
    name=None,
    reasons=(Reason.TEST,),
    **fields,
):
    """A group chat's robot (or a webhook) the school sends the `reasons` to; pass a
    receiver's url to send to one on this machine."""
    channel = Channel(
        name=name or f"{kind.value} group", kind=kind, url=url, secret=secret, **fields
    )
    channel.reason_set = reasons
    db.session.add(channel)
    db.session.flush()
    return channel


def make_notice(title="测试消息", lines=("一切正常",), path="/", recipients=(), **fields):
    """A test notice (Reason.TEST: its facts are what it says), for `recipients`."""
    notice = Notice(
        reason=Reason.TEST,
        facts={"title": title, "lines": list(lines), "path": path},
        recipients=list(recipients),
        **fields,
    )
    db.session.add(notice)
    db.session.flush()
    return notice


def make_delivery(notice, to, **fields):
    """The notice's delivery to `to`: a Channel, or a User by email."""
    if isinstance(to, Channel):
        delivery = Delivery(notice=notice, recipient=f"channel:{to.id}", channel=to, **fields)
    else:
        delivery = Delivery(notice=notice, recipient=f"email:{to.id}", user=to, **fields)
    db.session.add(delivery)
    db.session.flush()
    return delivery


def make_attempt(delivery, ok, answer="", at=None):
    """One try at sending the delivery, finished at `at` with what the other side answered
    (ok=None: interrupted, never finished)."""
    from app.models import DeliveryAttempt
    from app.models.common import utcnow

    at = at or utcnow()
    attempt = DeliveryAttempt(
        delivery=delivery,
        started_at=at,
        finished_at=None if ok is None else at,
        ok=ok,
        answer=answer,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def make_district(code="north", name="北区教育局", name_en="North district"):
    """A district (or group) that holds schools."""
    from app.models import District

    district = District(code=code, name=name, name_en=name_en)
    db.session.add(district)
    db.session.flush()
    return district


def make_school(
    code="east", name=None, name_en=None, district=None, timezone="Asia/Shanghai", language="zh"
):
    """Another school of the deployment beside the tests' first, "main", in `district` if
    given. Its records are made inside `with tenancy.in_school(school): ...`."""
    from app.models import School

    school = School(
        code=code,
        name=name or code.title(),
        name_en=name_en,
        timezone=timezone,
        language=language,
        district=district,
    )
    db.session.add(school)
    db.session.flush()
    return school


def make_membership(user, school, role):
    """The user's role in that school, added in that school (as PostgreSQL's policies want)."""
    from app import tenancy
    from app.models import Membership

    with tenancy.in_school(school):
        membership = Membership(user_id=user.id, school_id=school.id, role=role)
        db.session.add(membership)
        db.session.flush()
    return membership


def make_district_member(district, username="office", role=None, user=None):
    """Someone with a role in the district (the logistics office by default): `user` if
    given, else a new person who belongs to no school."""
    from app.models import DistrictMember, DistrictRole

    if user is None:
        user = User(
            username=username, display_name=username.title(), password_hash=_password_hash()
        )
        db.session.add(user)
    member = DistrictMember(user=user, district=district, role=role or DistrictRole.OFFICE)
    db.session.add(member)
    db.session.flush()
    return member


def make_template(district, items=("滑道表面光滑", "螺栓紧固"), kind_name="滑梯", **fields):
    """A district template published as version 1, its items checks worded as given."""
    from app.models import Frequency
    from app.routine_templates.adoption import TemplateItemDraft, create_template
    from app.schedule import Schedule

    template = create_template(
        district,
        None,
        name=fields.pop("name", "大型玩具每周检查"),
        name_en=fields.pop("name_en", "Weekly play equipment check"),
        kind_name=kind_name,
        kind_name_en=fields.pop("kind_name_en", None),
        schedule=fields.pop("schedule", Schedule(Frequency.WEEKLY, weekday=0)),
        items=[TemplateItemDraft(type=ItemType.CHECK, text=text) for text in items],
        **fields,
    )
    db.session.flush()
    return template


def set_school(app, **fields):
    """The first school's own name, name_en, time zone or language, as the district sets them."""
    from app.models import School

    with app.app_context():
        school = db.session.scalar(sa.select(School).where(School.code == "main"))
        for name, value in fields.items():
            setattr(school, name, value)
        db.session.commit()
