"""What each report number means and what a report cannot see, in the words every door uses
(the ``/reports`` page, ``GET /api/reports``'s ``notes``, the end of the chat's ``!리포트``).
A report must not claim more than kbot can measure."""

from __future__ import annotations

from services.report_math import ACTIVITY_HOURS, BASELINE_WEEKS, ON_TIME_S
from storage.engagement import REPLY_TIE_DAYS
from storage.links import CLICK_WINDOW_S

MEANINGS: tuple[tuple[str, str], ...] = (
    ("발송", "예약·수동 발송 건수(테스트 발송 제외, 누락은 따로 셉니다)."),
    ("확인", "봇이 보낸 메시지가 방에 올라온 것을 봇 자신의 에코로 확인한 건수."),
    ("미확인", "보냈지만 에코가 돌아오지 않은 건수(도착하지 않았다는 증거는 아닙니다)."),
    ("누락", "예정 시각을 놓쳐 보내지 않은 건수."),
    ("정시율", f"예정 시각 {ON_TIME_S}초 안에 발송을 시작한 비율. 지연 p50/p95는 초 단위입니다."),
    ("답장", "봇 메시지에 단 카카오톡 답장 수."),
    (
        "방 활동",
        f"발송 후 {ACTIVITY_HOURS}시간 동안 방의 메시지 수(시간 단위)와 "
        f"지난 {BASELINE_WEEKS}주 같은 요일·시간의 평균 비교.",
    ),
    (
        "클릭",
        "단축 링크 클릭 수(봇·미리보기 제외, 같은 사람이 "
        f"{CLICK_WINDOW_S // 60}분 안에 다시 누른 것은 1번).",
    ),
)
LIMITS: tuple[str, ...] = (
    "읽음 수와 공감(반응)은 Iris로 알 수 없어 세지 않습니다.",
    "방이 조용하다고 메시지를 읽지 않았다는 뜻은 아닙니다.",
    f"{REPLY_TIE_DAYS}일보다 오래된 메시지에 단 답장은 발송과 연결할 수 없습니다.",
    "카카오톡 인앱 브라우저로 연 링크는 클릭으로 세고, 링크 미리보기는 세지 않습니다.",
    "방 활동은 시간 단위 메시지 수만 저장합니다(내용·작성자는 저장하지 않음).",
    "방 활동은 그 방의 발송 기기로 들어온 메시지만 셉니다. 그 기기가 멈춘 동안은 비어 있습니다.",
)


def notes() -> dict[str, object]:
    """The notes as the API's ``notes`` object."""
    return {"meanings": dict(MEANINGS), "limits": list(LIMITS)}


def short_notes() -> str:
    """Two lines for the end of a chat summary."""
    return (
        f"※ 확인=봇 에코 도착, 정시={ON_TIME_S}초 이내, "
        f"방 활동=발송 후 {ACTIVITY_HOURS}시간 vs 지난 {BASELINE_WEEKS}주.\n"
        "※ 읽음 수·공감은 알 수 없고, 조용한 방이 안 읽었다는 뜻은 아닙니다."
    )
