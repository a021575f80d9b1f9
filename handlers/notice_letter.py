"""`/letter TYPE [CASE]`: a letter draft filled from the case (or the latest one)."""

from __future__ import annotations

from chatbot.context import Context
from chatbot.conversation import Incoming, Reply
from chatbot.evidence import copying_store
from chatbot.i18n import t
from chatbot.notices import letters, views
from chatbot.notices.cases import CaseNotFound
from chatbot.notices.models import Case
from handlers.notice_common import (
    case_id_of,
    case_service,
    error_reply,
    in_case_lang,
    lang_of,
    owner_of,
)


# -- /letter ------------------------------------------------------------------------------------
def cmd_letter(msg: Incoming, args: str, ctx: Context) -> list[Reply]:
    lang = lang_of(msg)
    words = args.split()
    if not words:
        return error_reply(msg, t("notice.letter_usage", lang))
    letter_type = letters.resolve_type(words[0])
    if letter_type is None:
        return error_reply(msg, t("notice.letter_unknown", lang, value=words[0][:40]))
    case: Case | None
    if len(words) > 1:
        case_id = case_id_of(words[1])
        if case_id is None:
            return error_reply(msg, t("notice.bad_id", lang, value=words[1][:40]))
        try:
            case = case_service(ctx).get(case_id, owner_of(msg))
        except CaseNotFound:
            return error_reply(msg, t("notice.case_not_found", lang, id=case_id))
    else:
        case = case_service(ctx).latest(owner_of(msg))
    if case is not None:
        msg = in_case_lang(msg, case.lang, value_only=True)
    return letter_replies(msg, ctx, letter_type, case)


def letter_replies(msg: Incoming, ctx: Context, letter_type: str, case: Case | None) -> list[Reply]:
    lang = lang_of(msg)
    try:
        copied = copying_store.latest(ctx, list(case.storefront_urls)) if case else None
        letter = letters.render(letter_type, case, lang, ctx.clock().date(), copying=copied)
    except letters.NotApplicable:
        assert case is not None
        return error_reply(msg, t("notice.letter_not_applicable", lang, id=case.id,
                             type=views.type_name(case.complaint_type, lang)))
    return [views.letter_reply(letter, case, lang)]


