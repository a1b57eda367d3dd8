"""The Korean answers about a send somebody asked for (``services.schedule_sends``): its
outcome, a room that was just sent to, a live room refused for a test send. Shared by the
chat handlers and the REST API."""

from __future__ import annotations

from services.ports import RoomBusy, SendResult


def outcome_text(
    schedule_id: int, icon: str, what: str, where: str, result: SendResult, prefix: str
) -> str:
    """``what`` (e.g. "지금 발송") of ``#schedule_id`` into ``where`` (e.g. "이 방"): done,
    going on (with why, and where its result will show), or not (with the reason)."""
    head = f"#{schedule_id} {what}을 {where}으로"
    logs = f"결과는 '{prefix}스케줄 로그 {schedule_id}'로 볼 수 있습니다."
    if result.status == "success":
        return f"{icon} {head} 보냈습니다. 다음 발송 시각은 그대로입니다."
    if result.status == "pending" and result.starts_in_s is not None:  # waits for its slot
        return f"⏳ {head} {result.starts_in_s}초 뒤에 보냅니다. {logs}"
    if result.status == "pending":
        reason = f" ({result.error})" if result.error else ""
        return f"⏳ {head} 아직 보내는 중입니다{reason}. {logs}"
    reason = f": {result.error}" if result.error else ""
    label = "일부만 보냈습니다" if result.status == "partial" else "실패했습니다"
    return f"❌ {head} {label}{reason}"


def busy_text(busy: RoomBusy, where: str) -> str:
    """Why a send was not queued: ``where`` (e.g. "이 방") was just sent to."""
    if busy.queued:
        first = f"{where}에는 이미 차례를 기다리는 발송이 있습니다."
    else:
        first = f"방금 {where}에 보냈습니다."
    return f"{first} {busy.wait_s}초 뒤에 다시 보낼 수 있습니다."


def not_a_test_room_text(prefix: str, schedule_id: int) -> str:
    return (
        "❌ 이 방은 고객도 보는 방이라 테스트 발송을 하지 않았습니다.\n"
        f"테스트방을 정하려면:\n{prefix}스케줄 수정 {schedule_id}\n테스트방: 방이름\n"
        f"또는 봇과의 1:1 채팅에서 '{prefix}스케줄 테스트 {schedule_id}' 명령을 보내 주세요."
    )
