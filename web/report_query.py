"""The query of a report shared by ``GET /api/reports``, ``/reports`` and ``/reports.csv``:
the date window (``from`` / ``to``, local days, both required by the API, the last 7 days on
the page) and the optional ``org`` code the actor must be allowed to see."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from services.logs import DateWindow
from services.permissions import reaches, visible_org_ids
from services.reports import Report, build_report
from storage import orgs
from storage.errors import NotFound
from storage.kbot_models import Admin, Org
from web import keys
from web.api.formats import parse_date

MAX_DAYS = 366
DEFAULT_DAYS = 7
ORG_CODE_MAX = 50


class ReportQueryError(ValueError):
    """A bad parameter: ``status`` 400 (a date), 404 (an unknown org or one the actor may
    not see, as ``services.permissions`` answers); ``field`` names it, the message Korean."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


def report_window(query: Mapping[str, str], fallback: DateWindow | None = None) -> DateWindow:
    """``from`` .. ``to`` (YYYY-MM-DD, inclusive, at most ``MAX_DAYS`` days); a missing date
    is ``fallback``'s, or an error without one."""
    found: dict[str, date] = {}
    for name in ("from", "to"):
        raw = query.get(name, "").strip()
        if not raw:
            default = None if fallback is None else getattr(fallback, _SIDE[name])
            if default is None:
                raise ReportQueryError(400, name, f"{name}: 날짜(YYYY-MM-DD)를 적어 주세요.")
            found[name] = default
            continue
        try:
            found[name] = parse_date(raw[:20])
        except ValueError as problem:
            raise ReportQueryError(400, name, f"{name}: {problem}") from None
    first, last = found["from"], found["to"]
    if last < first:
        raise ReportQueryError(400, "to", "to: 끝 날짜가 시작 날짜보다 앞설 수 없습니다.")
    if (last - first).days + 1 > MAX_DAYS:
        raise ReportQueryError(400, "to", f"to: 기간은 {MAX_DAYS}일 이하여야 합니다.")
    return DateWindow(first, last)


_SIDE = {"from": "first", "to": "last"}


async def report_org(
    session: AsyncSession, org_ids: set[int] | None, code: str | None
) -> Org | None:
    """The org ``code`` names when the actor may see it; None without a code."""
    code = (code or "").strip()
    if not code:
        return None
    if len(code) > ORG_CODE_MAX:
        raise ReportQueryError(400, "org", f"org: 조직 코드는 {ORG_CODE_MAX}자 이하여야 합니다.")
    try:
        org: Org | None = await orgs.get_by_code(session, code)
    except NotFound:
        org = None
    if org is None or not reaches(org_ids, org.id):  # another's org is answered as unknown
        raise ReportQueryError(404, "org", f"org: 조직 '{code}'을(를) 찾을 수 없습니다.")
    return org


async def load_report(
    app: web.Application,
    admin: Admin,
    query: Mapping[str, str],
    fallback: DateWindow | None = None,
) -> tuple[Report, Org | None]:
    """The report ``query`` asks for, of what ``admin`` may see (``ReportQueryError``)."""
    window = report_window(query, fallback)
    async with app[keys.SESSIONS]() as session:
        org_ids = await visible_org_ids(session, admin)
        org = await report_org(session, org_ids, query.get("org"))
        report = await build_report(
            session,
            org_ids,
            window,
            org_id=None if org is None else org.id,
            tz=app[keys.CONFIG].tz,
        )
    return report, org
