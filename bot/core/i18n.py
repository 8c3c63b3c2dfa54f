"""German and English texts, picked from the person's Slack locale.

Every key exists in both languages with the same ``{placeholders}``; a test checks that.
Dates are formatted with Babel in the person's language and time zone.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time

LANGUAGES = ("en", "de")


def lang_of(locale: str | None) -> str:
    """``de`` for a German Slack locale (de-DE, de-AT, de-CH…), else ``en``."""
    return "de" if locale and locale.lower().startswith("de") else "en"


def zone(tz: str | None) -> ZoneInfo:
    """The person's time zone, UTC when unknown."""
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def fmt_date(value: datetime, lang: str, tz: str | None) -> str:
    """A date like "15 Dec 2026" / "15.12.2026" in the person's zone."""
    return format_date(value.astimezone(zone(tz)).date(), format="medium", locale=lang)


def fmt_datetime(value: datetime, lang: str, tz: str | None) -> str:
    """A weekday, date and time in the person's zone and language, e.g.
    "Tuesday, December 1, 2026, 9:00 AM" / "Dienstag, 1. Dezember 2026, 15:00"."""
    local = value.astimezone(zone(tz))
    day = format_date(local.date(), format="full", locale=lang)
    return f"{day}, {format_time(local, format='short', locale=lang)}"


MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        # announcements
        "help.admin_announce": "`/mentor admin announce [COHORT] MESSAGE` – post MESSAGE in "
        "the cohort's channel and send it to each active member, once (without COHORT: every "
        "open cohort)",
        "announce.header": "📣 Announcement from the reverse mentoring program",
        "announce.usage": "Usage: `/mentor admin announce [COHORT] MESSAGE`, e.g. `/mentor "
        "admin announce board Our kick-off is on Monday at 10:00.` Without a cohort, every "
        "open cohort gets it.",
        "announce.too_long": "Your announcement has {length} characters; one message shows "
        "at most {limit}. Please shorten it.",
        "announce.nobody": "Nobody to announce to: no active members and no cohort channel.",
        "announce.started": "📣 Sending your announcement to {members} active member(s) of "
        "{audience}{channels}. You'll see the progress in our direct messages.",
        "announce.started_channels": " and posting it in {channels}",
        "announce.repeated": "This announcement is already on its way.",
        "announce.held": "You sent this same announcement {seconds} seconds ago. Send it "
        "again anyway?",
        "announce.send_again": "Send again",
        "announce.dont_send": "Don't send",
        "announce.confirmed": "📣 Sending it again to {members} active member(s).",
        "announce.cancelled": "Not sent again.",
        "announce.decided": "This announcement was already sent or dropped.",
        "announce.all_cohorts": "every open cohort",
        "announce.progress": "📣 Your announcement to {audience}: sent {sent} of {total}…",
        "announce.progress_other": "({count} could not be sent; see the final count.)",
        "announce.done": "📣 Your announcement to {audience} is out: delivered to {sent} of "
        "{total} active member(s).",
        "announce.done_all": "📣 Your announcement to {audience} is out: delivered to every "
        "active member ({total}).",
        "announce.done_most": "📣 Your announcement to {audience} is out: delivered to all "
        "but {missing} of {total} active member(s).",
        "announce.progress_small": "📣 Your announcement to {audience} is on its way…",
        "announce.posted_many": "Posted in {count} channels.",
        "announce.posted": "Posted in <#{channel}>.",
        "announce.channel_failed": "Not posted in <#{channel}>: {reason}.",
        "announce.skipped": "{count} left the program before it reached them.",
        "announce.failed": "{count} not delivered: {reason}.",
        "announce.reason.not_in_channel": "the bot is not in the channel (invite it with "
        "`/invite`)",
        "announce.reason.is_archived": "the channel is archived",
        "announce.reason.channel_not_found": "the conversation no longer exists",
        "announce.reason.user_not_found": "the account is no longer in the workspace",
        "announce.reason.account_inactive": "the account is deactivated",
        "announce.reason.user_disabled": "the account is deactivated",
        "announce.reason.cannot_dm_bot": "the account takes no direct messages",
        "announce.reason.other": "Slack answered `{code}`",
        # help
        "help.intro": "*Reverse mentoring* – here is what you can do:",
        "help.join": "`/mentor join` – take part, or change your enrollment",
        "help.status": "`/mentor status` – your role, cohort, partner and next session",
        "help.pause": "`/mentor pause [weeks]` – pause sessions and matching; "
        "`/mentor resume` to come back",
        "help.leave": "`/mentor leave` – leave the program",
        "help.export": "`/mentor export` – get everything the bot holds about you",
        "help.forget": "`/mentor forget` – delete all your data",
        "help.help": "`/mentor help` – this list",
        "help.admin": "*Admin*",
        "help.admin_cohort": "`/mentor admin cohort create NAME [#channel] "
        "[weekly|biweekly|monthly]` – create a cohort",
        "help.privacy": "What you write is private: your partner, your manager and the "
        "admins never see it.",
        # general
        "unknown": "I don't know `/mentor {sub}`. Type `/mentor help` to see what you can do.",
        "no_args": "`/mentor {sub}` takes nothing after it: type just `/mentor {sub}`. "
        "`/mentor help` lists every command.",
        "not_enrolled": "You're not enrolled yet. Type `/mentor join` to take part.",
        "error.slack": "Slack didn't accept that just now ({error}). Please try again in a moment.",
        "error.internal": "Something went wrong on my side, and nothing was changed. "
        "Please try again in a moment.",
        "error.database": "I can't reach my database right now, so nothing was changed. "
        "Please try again in a few minutes.",
        "dm.hello": "Hi! I work through the `/mentor` command. Type `/mentor help` to see "
        "what you can do.",
        # join modal
        "join.title": "Reverse mentoring",
        "join.submit": "Join",
        "join.submit_update": "Save",
        "join.close": "Cancel",
        "join.intro": "Younger colleagues mentor senior leaders on today's digital world, "
        "in regular, confidential 1:1 sessions. Nobody is paired without saying yes.",
        "join.role": "Your role",
        "join.role.mentor": "Mentor – I share what I know",
        "join.role.mentor_hint": "You know the digital world first-hand and teach a leader.",
        "join.role.mentee": "Mentee – I want to learn",
        "join.role.mentee_hint": "You are a leader and learn from a younger colleague.",
        "join.topics": "Topics",
        "join.topics_hint": "Mentors: what you can teach. Mentees: what you want to learn.",
        "join.topics_placeholder": "Pick one or more",
        "join.department": "Department (optional)",
        "join.department_hint": "You are never paired with someone from your own department.",
        "join.cohort": "Cohort",
        "join.weekdays": "Preferred weekdays (optional)",
        "join.time_window": "Preferred time of day",
        "window.any": "Any time",
        "window.morning": "Morning (9–12)",
        "window.midday": "Around midday (12–14)",
        "window.afternoon": "Afternoon (14–17)",
        "join.error.topics": "Pick at least one topic.",
        "join.error.department": "Keep the department under {max} characters.",
        "join.error.role": "Choose mentor or mentee.",
        "join.error.cohort": "That cohort is no longer open; pick another one.",
        "join.error.paired": "You are in a pair right now. To change role or cohort, type "
        "`/mentor leave` first.",
        "join.done": "You're enrolled as *{role}* in the cohort *{cohort}*. Topics: {topics}.\n"
        "You'll get a message as soon as you are matched; nobody is paired without "
        "saying yes. `/mentor status` shows where you stand.",
        "join.updated": "Your enrollment is updated: *{role}* in the cohort *{cohort}*. "
        "Topics: {topics}.",
        "role.mentor": "mentor",
        "role.mentee": "mentee",
        # status
        "status.title": "*Your reverse mentoring*",
        "status.role": "Role: {role}",
        "status.cohort": "Cohort: {cohort}",
        "status.active": "Status: active",
        "status.paused_until": "Status: paused until {date}",
        "status.paused": "Status: paused until you type `/mentor resume`",
        "status.left": "Status: you left the program; `/mentor join` to come back",
        "status.partner": "Partner: <@{user}> ({role})",
        "status.partner_proposed": "Partner: <@{user}> ({role}), waiting until you both accept",
        "status.no_partner": "Partner: not matched yet – you are in the pool",
        "status.next_session": "Next session: {when}",
        "status.no_session": "Next session: not scheduled yet",
        "status.topics": "Topics: {topics}",
        "status.department": "Department: {department}",
        # pause / resume / leave
        "pause.usage": "`/mentor pause` takes a number of weeks from 1 to 52, e.g. "
        "`/mentor pause 3`, or nothing to pause until you resume.",
        "pause.done_until": "Paused until {date}. No sessions, reminders or matching until "
        "then; `/mentor resume` to come back earlier.",
        "pause.done": "Paused. No sessions, reminders or matching until you type `/mentor resume`.",
        "pause.left": "You left the program, so there is nothing to pause. `/mentor join` "
        "to come back.",
        "resume.done": "Welcome back! You're active again.",
        "resume.not_paused": "You're not paused; nothing to resume.",
        "leave.done": "You left the program. {partner_note}`/mentor join` brings you back "
        "any time; `/mentor forget` deletes your data.",
        "leave.partner_note": "Your partner was told that the pair ended. ",
        "leave.already": "You're not in the program right now. `/mentor join` to take part.",
        "pair.ended": "Your reverse mentoring pair has ended. If you are still in the "
        "program, you are back in the pool and will hear from me when there is a new match.",
        # export / forget
        "export.sent": "I've sent you a direct message with everything I hold about you, "
        "as a JSON file.",
        "export.comment": "Here is everything the reverse mentoring bot holds about you.",
        "export.title": "Your reverse mentoring data",
        "forget.confirm_text": "*Delete all your data?* This removes your enrollment, your "
        "pair history and everything you wrote. It can't be undone. If you have a partner, "
        "they are told only that the pair ended.",
        "forget.button": "Delete my data",
        "forget.done": "All your data was deleted. Thank you for taking part.",
        "forget.nothing": "There is no data about you to delete.",
        # admin
        "admin.denied": "Only program admins can use `/mentor admin`. Ask your HR or "
        "learning team if you need something.",
        "admin.usage": "Admin commands:\n{commands}",
        "cohort.usage": "Usage: `/mentor admin cohort create NAME [#channel] "
        "[weekly|biweekly|monthly]`, e.g. `/mentor admin cohort create board #rm-board "
        "monthly`",
        "cohort.bad_name": "A cohort name is 1–40 letters, digits, '-' or '_', e.g. `board-2026`.",
        "cohort.bad_arg": "I don't understand `{arg}`. {usage}",
        "cohort.exists": "A cohort named *{name}* already exists.",
        "cohort.created": "Cohort *{name}* created: sessions {cadence}{channel}. People can "
        "now pick it when they type `/mentor join`.",
        "cohort.channel": ", announcements in <#{channel}>",
        "cohort.channel_private_hint": "For a private channel, invite me there first.",
        "cadence.weekly": "every week",
        "cadence.biweekly": "every two weeks",
        "cadence.monthly": "every month",
        # matching and consent
        "help.admin_match": "`/mentor admin match [COHORT]` – propose pairs among everyone "
        "waiting (all open cohorts when none is named)",
        "match.started": "Matching {cohorts} now; the result follows here in a moment.",
        "match.report": "*{cohort}*: {proposed} pairs proposed, {waiting} people on the "
        "waiting list.",
        "match.failed": "*{cohort}*: matching failed and changed nothing; please try again.",
        "match.unknown": "There is no open cohort called *{name}*. "
        "`/mentor admin cohort create {name}` creates it.",
        "match.no_cohorts": "There is no open cohort yet: people who `/mentor join` create "
        "one, or an admin does with `/mentor admin cohort create NAME`.",
        "match.waiting": "You're on the waiting list: right now nobody in your cohort fits "
        "your topics (people from your own department and former partners are never "
        "proposed). You'll hear from me as soon as there is a match.",
        "intro.title": "*Welcome to your reverse mentoring pair!*",
        "intro.mentor": "<@{user}> is the *mentor*: shares what they know of today's "
        "digital world.",
        "intro.mentee": "<@{user}> is the *mentee*: a leader who wants to learn.",
        "intro.topics": "Your shared topics: {topics}.",
        "intro.ask": "Your pair starts when you both say yes; a no ends it quietly, "
        "without a reason. What you write to me stays private.",
        "intro.accept": "Yes, let's start",
        "intro.decline": "No, thanks",
        "pair.active": "*You both said yes – your pair is active!* Agree on a first "
        "meeting; `/mentor status` shows your partner any time.",
        "pair.closed": "This introduction is closed. You are both back in the pool; a new "
        "match will come.",
        "pair.declined": "This pairing won't go ahead. You're back in the pool, and I'll let "
        "you know when there is a new match.",
        "consent.accepted": "Thanks! As soon as your partner says yes too, your pair starts.",
        "consent.active": "You're both in – your pair is active.",
        "consent.declined": "Understood. You're back in the pool; nobody is told why.",
        "consent.already": "You already said yes.",
        "consent.closed": "This proposal is no longer open.",
        "consent.not_yours": "This proposal is for someone else.",
        # reflections
        "help.reflect": "`/mentor reflect` – note what you took from your latest session (private)",
        "reflection.title": "Reflection",
        "reflection.submit": "Save",
        "reflection.intro": "Only you can read this. Your partner, your manager and the "
        "admins never see it; the program only counts ratings, in groups of 5 or more.",
        "reflection.when": "Session of {when}",
        "reflection.happened": "Did the session take place?",
        "reflection.happened.yes": "Yes",
        "reflection.happened.no": "No",
        "reflection.learned": "What did you learn or take away?",
        "reflection.rating": "How useful was it? (1–5)",
        "reflection.share": "Share",
        "reflection.share.option": "Share my learning anonymously as a best practice",
        "reflection.share.hint": "Shared learnings carry no name and stay in the program's "
        "playbook, also if you later delete your data.",
        "reflection.saved": "Thanks – your reflection is saved, privately.",
        "reflection.saved_shared": "Thanks – your reflection is saved, privately, and your "
        "learning was shared anonymously.",
        "reflection.none": "There is no session to reflect on yet.",
        "reflection.not_yours": "That session is not one of yours.",
        "reflection.too_long": "Please keep it under {max} characters.",
        "reflection.prompt": "How was your session? Take two minutes to note what you took "
        "from it – only you will see it.",
        "reflection.button": "Reflect",
        # sessions
        "reminder.title": "*Reminder: your reverse mentoring session with <@{partner}> is "
        "on {when} ({minutes} minutes).*",
        "reminder.move": "Move it",
        "move.title": "Move this session",
        "move.intro": "Pick a new date and time (your time zone: {tz}). Only this one session "
        "moves; the rhythm stays.",
        "move.date": "Date",
        "move.time": "Time",
        "move.submit": "Move",
        "move.error.past": "Pick a time at least an hour from now.",
        "move.error.far": "Pick a time before the next session ({when}).",
        "move.done": "Done – the session is now on {when}.",
        "move.partner": "<@{user}> moved your reverse mentoring session to {when}.",
        "reminder.agenda_topic": "Agenda: *{topic}*",
        "reminder.agenda_goal_own": "Agenda: your learning goal _{goal}_",
        "reminder.agenda_goal_partner": "Agenda: one of <@{user}>'s learning goals (they "
        "will bring it)",
        "reminder.agenda_open": "Agenda: open – bring what is on your mind",
        "reminder.prompts": "Conversation prompts:",
        "reminder.skip": "Skip this session",
        "status.next_session_none": "Next session: none planned",
        "session.skipped": "Done – this session is skipped; the next one stays as planned.",
        "session.skipped_partner": "The reverse mentoring session on {when} is skipped. The "
        "next one stays as planned.",
        "session.not_yours": "That session is not one of yours.",
        "session.past": "That session has already started.",
        "session.already": "That session is already skipped.",
        # goals
        "help.goals": "`/mentor goals` – set your learning goals (mentees; private)",
        "goals.title": "Learning goals",
        "goals.intro": "What do you want to be able to do after this program? Up to three "
        "goals. Only you see them; your partner sees only that a goal is on the agenda.",
        "goals.slot": "Goal {n}",
        "goals.placeholder": "e.g. use an AI assistant for my weekly report",
        "goals.saved": "Saved: {count} open learning goals. They will come up on your "
        "agenda, and every third session I'll ask how far you got.",
        "goals.mentees_only": "Learning goals are for mentees; as a mentor, you help your "
        "mentee reach theirs.",
        "goals.too_long": "Please keep each goal under {max} characters.",
        "checkin.title": "Goal check-in",
        "checkin.prompt": "Three sessions in: how far along are you with your learning "
        "goals? It takes a minute and only you see it.",
        "checkin.button": "Check in",
        "checkin.done": "Reached",
        "checkin.saved": "Thanks – your progress is noted.",
        "checkin.none": "You have no open learning goals. `/mentor goals` sets some.",
        # home
        "home.title": "Reverse mentoring",
        "home.not_enrolled": "Younger colleagues mentor senior leaders on today's digital "
        "world, in regular, confidential 1:1 sessions. You are not enrolled yet.",
        "home.join": "Join the program",
        "home.update": "Change my enrollment",
        "home.commands": "Type `/mentor help` in any channel for all commands.",
        # admin report and export
        "help.admin_report": "`/mentor admin report [COHORT]` – the program's figures as a "
        "direct message (every cohort and a total when none is named)",
        "help.admin_export": "`/mentor admin export [COHORT]` – the figures per month as CSV "
        "and the anonymous best-practice playbook, as files",
        "report.building": "Building the report; it arrives as a direct message in a moment.",
        "report.unknown": "There is no cohort called *{name}*. `/mentor admin {command}` "
        "without a name covers every cohort.",
        "report.no_cohorts": "There is no cohort yet, so there is nothing to report.",
        "report.title": "Reverse mentoring report",
        "report.continued": "Reverse mentoring report, continued",
        "report.as_of": "as of {date}",
        "report.trend_note": "In brackets: the change since the last report.",
        "report.total": "All cohorts",
        "report.cohort": "Cohort {name}",
        "report.metric.mentors": "Participants: mentors",
        "report.metric.mentees": "Participants: mentees",
        "report.metric.pairs_proposed": "Pairs proposed, waiting for both to say yes",
        "report.metric.pairs_active": "Pairs active",
        "report.metric.pairs_ended": "Pairs ended",
        "report.metric.sessions_held": "Sessions held",
        "report.metric.sessions_skipped": "Sessions skipped",
        "report.metric.reflection_rate": "Reflection rate",
        "report.metric.average_rating": "Average rating (1–5)",
        "report.metric.goals_set": "Learning goals set",
        "report.metric.goals_done": "Learning goals reached",
        "report.metric.goal_progress": "Average goal progress (1–5)",
        "report.fewer": "fewer than 5",
        "report.withheld": "not shown: would single out fewer than 5 people",
        "report.unchanged": "unchanged since {date}",
        "report.points": "{value} pp",
        "report.footer": "Only aggregates, never names: a figure over fewer than 5 people "
        'reads "fewer than 5", and a figure is not updated while the change since an '
        "earlier report concerns fewer than 5 people, so no two reports single anyone out "
        "by subtraction.",
        "export.admin_building": "Preparing the export: the figures per month (CSV) and the "
        "best-practice playbook arrive as a direct message in a moment.",
        "export.csv_title": "Reverse mentoring figures per month",
        "export.csv_comment": "The program's figures per cohort and month (UTC). A month "
        "counts what happened in it: people who joined, pairs proposed, activated or ended, "
        "sessions that started, goals set, rated or reached. `fewer than 5` marks a figure "
        "over fewer than 5 people; a figure that would single out fewer than 5 people reads "
        "`not shown`, or its earlier value with a note.",
        "export.playbook_title": "Best-practice playbook",
        "export.playbook_comment": "What participants chose to share anonymously after "
        "their sessions, by topic and month. No names, no authors.",
        "playbook.title": "Reverse mentoring playbook",
        "playbook.intro": "Learnings that participants chose to share anonymously after "
        "their sessions, by calendar month (UTC). No names, no authors.",
        "playbook.this_month": "Learnings shared this month appear once the month is over.",
        "playbook.empty": "No learnings from past months yet.",
        "playbook.other": "Other learnings",
        "playbook.various_months": "Various months",
        "playbook.various": "Various topics and months",
        "playbook.held_back": "Some learnings are held back until more people have shared "
        "theirs: no group of learnings here stands for fewer than 5 people.",
    },
    "de": {
        # announcements
        "help.admin_announce": "`/mentor admin announce [KOHORTE] NACHRICHT` – NACHRICHT im "
        "Kanal der Kohorte posten und jedem aktiven Mitglied einmal schicken (ohne KOHORTE: "
        "alle offenen Kohorten)",
        "announce.header": "📣 Ankündigung des Reverse-Mentoring-Programms",
        "announce.usage": "So geht's: `/mentor admin announce [KOHORTE] NACHRICHT`, z. B. "
        "`/mentor admin announce vorstand Unser Kick-off ist am Montag um 10:00.` Ohne "
        "Kohorte geht sie an alle offenen Kohorten.",
        "announce.too_long": "Deine Ankündigung hat {length} Zeichen; eine Nachricht zeigt "
        "höchstens {limit}. Bitte kürze sie.",
        "announce.nobody": "Niemand zu erreichen: keine aktiven Mitglieder und kein "
        "Kohorten-Kanal.",
        "announce.started": "📣 Ich schicke deine Ankündigung an {members} aktive(s) "
        "Mitglied(er) von {audience}{channels}. Den Fortschritt siehst du in unseren "
        "Direktnachrichten.",
        "announce.started_channels": " und poste sie in {channels}",
        "announce.repeated": "Diese Ankündigung ist schon unterwegs.",
        "announce.held": "Du hast genau diese Ankündigung vor {seconds} Sekunden geschickt. "
        "Trotzdem noch einmal senden?",
        "announce.send_again": "Noch einmal senden",
        "announce.dont_send": "Nicht senden",
        "announce.confirmed": "📣 Ich schicke sie noch einmal an {members} aktive(s) Mitglied(er).",
        "announce.cancelled": "Nicht noch einmal gesendet.",
        "announce.decided": "Über diese Ankündigung wurde schon entschieden.",
        "announce.all_cohorts": "alle offenen Kohorten",
        "announce.progress": "📣 Deine Ankündigung an {audience}: {sent} von {total} gesendet …",
        "announce.progress_other": "({count} konnten nicht gesendet werden; siehe das "
        "Endergebnis.)",
        "announce.done": "📣 Deine Ankündigung an {audience} ist raus: zugestellt an {sent} "
        "von {total} aktiven Mitgliedern.",
        "announce.done_all": "📣 Deine Ankündigung an {audience} ist raus: zugestellt an alle "
        "aktiven Mitglieder ({total}).",
        "announce.done_most": "📣 Deine Ankündigung an {audience} ist raus: zugestellt an "
        "alle außer {missing} von {total} aktiven Mitgliedern.",
        "announce.progress_small": "📣 Deine Ankündigung an {audience} ist unterwegs …",
        "announce.posted_many": "Gepostet in {count} Kanälen.",
        "announce.posted": "Gepostet in <#{channel}>.",
        "announce.channel_failed": "Nicht gepostet in <#{channel}>: {reason}.",
        "announce.skipped": "{count} haben das Programm verlassen, bevor sie sie erreichte.",
        "announce.failed": "{count} nicht zugestellt: {reason}.",
        "announce.reason.not_in_channel": "der Bot ist nicht im Kanal (lade ihn mit `/invite` ein)",
        "announce.reason.is_archived": "der Kanal ist archiviert",
        "announce.reason.channel_not_found": "die Unterhaltung gibt es nicht mehr",
        "announce.reason.user_not_found": "das Konto ist nicht mehr im Workspace",
        "announce.reason.account_inactive": "das Konto ist deaktiviert",
        "announce.reason.user_disabled": "das Konto ist deaktiviert",
        "announce.reason.cannot_dm_bot": "das Konto nimmt keine Direktnachrichten an",
        "announce.reason.other": "Slack antwortete `{code}`",
        "help.intro": "*Reverse Mentoring* – das kannst du tun:",
        "help.join": "`/mentor join` – mitmachen oder deine Anmeldung ändern",
        "help.status": "`/mentor status` – deine Rolle, Kohorte, dein Tandem und der "
        "nächste Termin",
        "help.pause": "`/mentor pause [Wochen]` – Termine und Matching pausieren; "
        "`/mentor resume` zum Weitermachen",
        "help.leave": "`/mentor leave` – das Programm verlassen",
        "help.export": "`/mentor export` – alle Daten erhalten, die der Bot über dich speichert",
        "help.forget": "`/mentor forget` – alle deine Daten löschen",
        "help.help": "`/mentor help` – diese Liste",
        "help.admin": "*Admin*",
        "help.admin_cohort": "`/mentor admin cohort create NAME [#kanal] "
        "[weekly|biweekly|monthly]` – eine Kohorte anlegen",
        "help.privacy": "Was du schreibst, bleibt privat: weder dein Tandem noch deine "
        "Führungskraft noch die Admins sehen es.",
        "unknown": "`/mentor {sub}` kenne ich nicht. Mit `/mentor help` siehst du, was "
        "du tun kannst.",
        "no_args": "Hinter `/mentor {sub}` gehört nichts: gib nur `/mentor {sub}` ein. "
        "`/mentor help` zeigt alle Befehle.",
        "not_enrolled": "Du bist noch nicht angemeldet. Mit `/mentor join` machst du mit.",
        "error.slack": "Slack hat das gerade nicht angenommen ({error}). Bitte versuch es "
        "gleich noch einmal.",
        "error.internal": "Bei mir ist etwas schiefgegangen; es wurde nichts geändert. "
        "Bitte versuch es gleich noch einmal.",
        "error.database": "Ich erreiche gerade meine Datenbank nicht, deshalb wurde nichts "
        "geändert. Bitte versuch es in ein paar Minuten noch einmal.",
        "dm.hello": "Hallo! Ich arbeite über den Befehl `/mentor`. Mit `/mentor help` "
        "siehst du, was du tun kannst.",
        "join.title": "Reverse Mentoring",
        "join.submit": "Anmelden",
        "join.submit_update": "Speichern",
        "join.close": "Abbrechen",
        "join.intro": "Jüngere Kolleg:innen begleiten Führungskräfte durch die digitale "
        "Welt, in regelmäßigen, vertraulichen 1:1-Gesprächen. Niemand wird ohne Zustimmung "
        "zugeordnet.",
        "join.role": "Deine Rolle",
        "join.role.mentor": "Mentor:in – ich gebe Wissen weiter",
        "join.role.mentor_hint": "Du kennst die digitale Welt und begleitest eine Führungskraft.",
        "join.role.mentee": "Mentee – ich möchte lernen",
        "join.role.mentee_hint": "Du bist Führungskraft und lernst von Jüngeren.",
        "join.topics": "Themen",
        "join.topics_hint": "Mentor:innen: was du vermitteln kannst. Mentees: was du lernen "
        "möchtest.",
        "join.topics_placeholder": "Ein oder mehrere wählen",
        "join.department": "Abteilung (optional)",
        "join.department_hint": "Du wirst nie mit jemandem aus deiner eigenen Abteilung "
        "zusammengebracht.",
        "join.cohort": "Kohorte",
        "join.weekdays": "Bevorzugte Wochentage (optional)",
        "join.time_window": "Bevorzugte Tageszeit",
        "window.any": "Egal",
        "window.morning": "Vormittags (9–12 Uhr)",
        "window.midday": "Mittags (12–14 Uhr)",
        "window.afternoon": "Nachmittags (14–17 Uhr)",
        "join.error.topics": "Wähle mindestens ein Thema.",
        "join.error.department": "Die Abteilung darf höchstens {max} Zeichen lang sein.",
        "join.error.role": "Wähle Mentor:in oder Mentee.",
        "join.error.cohort": "Diese Kohorte ist nicht mehr offen; wähle eine andere.",
        "join.error.paired": "Du bist gerade in einem Tandem. Um Rolle oder Kohorte zu "
        "ändern, gib zuerst `/mentor leave` ein.",
        "join.done": "Du bist als *{role}* in der Kohorte *{cohort}* angemeldet. Themen: "
        "{topics}.\nDu bekommst eine Nachricht, sobald es ein passendes Tandem gibt; "
        "niemand wird ohne Zustimmung zugeordnet. `/mentor status` zeigt, wo du stehst.",
        "join.updated": "Deine Anmeldung ist aktualisiert: *{role}* in der Kohorte "
        "*{cohort}*. Themen: {topics}.",
        "role.mentor": "Mentor:in",
        "role.mentee": "Mentee",
        "status.title": "*Dein Reverse Mentoring*",
        "status.role": "Rolle: {role}",
        "status.cohort": "Kohorte: {cohort}",
        "status.active": "Status: aktiv",
        "status.paused_until": "Status: pausiert bis {date}",
        "status.paused": "Status: pausiert, bis du `/mentor resume` eingibst",
        "status.left": "Status: du hast das Programm verlassen; mit `/mentor join` kommst "
        "du zurück",
        "status.partner": "Tandem: <@{user}> ({role})",
        "status.partner_proposed": "Tandem: <@{user}> ({role}), wartet darauf, dass ihr "
        "beide zustimmt",
        "status.no_partner": "Tandem: noch keins – du bist im Pool",
        "status.next_session": "Nächster Termin: {when}",
        "status.no_session": "Nächster Termin: noch nicht geplant",
        "status.topics": "Themen: {topics}",
        "status.department": "Abteilung: {department}",
        "pause.usage": "`/mentor pause` nimmt eine Zahl von Wochen von 1 bis 52, z. B. "
        "`/mentor pause 3`, oder nichts, um bis `/mentor resume` zu pausieren.",
        "pause.done_until": "Pausiert bis {date}. Bis dahin keine Termine, Erinnerungen oder "
        "Matchings; mit `/mentor resume` geht es früher weiter.",
        "pause.done": "Pausiert. Keine Termine, Erinnerungen oder Matchings, bis du "
        "`/mentor resume` eingibst.",
        "pause.left": "Du hast das Programm verlassen, es gibt nichts zu pausieren. Mit "
        "`/mentor join` kommst du zurück.",
        "resume.done": "Willkommen zurück! Du bist wieder aktiv.",
        "resume.not_paused": "Du bist nicht pausiert; es gibt nichts fortzusetzen.",
        "leave.done": "Du hast das Programm verlassen. {partner_note}Mit `/mentor join` "
        "kommst du jederzeit zurück; `/mentor forget` löscht deine Daten.",
        "leave.partner_note": "Dein Tandem hat erfahren, dass es beendet ist. ",
        "leave.already": "Du bist gerade nicht im Programm. Mit `/mentor join` machst du mit.",
        "pair.ended": "Dein Reverse-Mentoring-Tandem ist beendet. Wenn du weiter im "
        "Programm bist, bist du wieder im Pool und hörst von mir, sobald es ein neues "
        "Tandem gibt.",
        "export.sent": "Ich habe dir eine Direktnachricht mit allem geschickt, was ich über "
        "dich speichere, als JSON-Datei.",
        "export.comment": "Hier ist alles, was der Reverse-Mentoring-Bot über dich speichert.",
        "export.title": "Deine Reverse-Mentoring-Daten",
        "forget.confirm_text": "*Alle deine Daten löschen?* Das entfernt deine Anmeldung, "
        "deine Tandem-Historie und alles, was du geschrieben hast. Das lässt sich nicht "
        "rückgängig machen. Dein Tandem erfährt nur, dass es beendet ist.",
        "forget.button": "Meine Daten löschen",
        "forget.done": "Alle deine Daten wurden gelöscht. Danke, dass du mitgemacht hast.",
        "forget.nothing": "Es gibt keine Daten über dich, die ich löschen könnte.",
        "admin.denied": "Nur Programm-Admins können `/mentor admin` verwenden. Wende dich "
        "an dein HR- oder Learning-Team, wenn du etwas brauchst.",
        "admin.usage": "Admin-Befehle:\n{commands}",
        "cohort.usage": "So geht's: `/mentor admin cohort create NAME [#kanal] "
        "[weekly|biweekly|monthly]`, z. B. `/mentor admin cohort create vorstand "
        "#rm-vorstand monthly`",
        "cohort.bad_name": "Ein Kohortenname besteht aus 1–40 Buchstaben, Ziffern, '-' oder "
        "'_', z. B. `vorstand-2026`.",
        "cohort.bad_arg": "`{arg}` verstehe ich nicht. {usage}",
        "cohort.exists": "Eine Kohorte namens *{name}* gibt es schon.",
        "cohort.created": "Kohorte *{name}* angelegt: Termine {cadence}{channel}. Wer "
        "`/mentor join` eingibt, kann sie jetzt wählen.",
        "cohort.channel": ", Ankündigungen in <#{channel}>",
        "cohort.channel_private_hint": "Lade mich bei einem privaten Kanal zuerst dort ein.",
        "cadence.weekly": "jede Woche",
        "cadence.biweekly": "alle zwei Wochen",
        "cadence.monthly": "jeden Monat",
        "help.admin_match": "`/mentor admin match [KOHORTE]` – Tandems unter allen "
        "Wartenden vorschlagen (alle offenen Kohorten, wenn keine genannt ist)",
        "match.started": "Ich bilde jetzt Tandems in {cohorts}; das Ergebnis folgt gleich hier.",
        "match.report": "*{cohort}*: {proposed} Tandems vorgeschlagen, {waiting} Personen auf "
        "der Warteliste.",
        "match.failed": "*{cohort}*: Das Matching ist fehlgeschlagen und hat nichts "
        "geändert; bitte versuch es noch einmal.",
        "match.unknown": "Es gibt keine offene Kohorte namens *{name}*. "
        "`/mentor admin cohort create {name}` legt sie an.",
        "match.no_cohorts": "Es gibt noch keine offene Kohorte: Sie entsteht mit dem ersten "
        "`/mentor join` oder durch `/mentor admin cohort create NAME`.",
        "match.waiting": "Du stehst auf der Warteliste: Gerade passt in deiner Kohorte "
        "niemand zu deinen Themen (Personen aus deiner Abteilung und frühere Tandems werden "
        "nie vorgeschlagen). Du hörst von mir, sobald es passt.",
        "intro.title": "*Willkommen in eurem Reverse-Mentoring-Tandem!*",
        "intro.mentor": "<@{user}> ist *Mentor:in*: teilt Wissen über die digitale Welt von heute.",
        "intro.mentee": "<@{user}> ist *Mentee*: eine Führungskraft, die lernen möchte.",
        "intro.topics": "Eure gemeinsamen Themen: {topics}.",
        "intro.ask": "Euer Tandem startet, wenn ihr beide zusagt; ein Nein beendet es "
        "still, ohne Begründung. Was ihr mir schreibt, bleibt privat.",
        "intro.accept": "Ja, los geht's",
        "intro.decline": "Nein, danke",
        "pair.active": "*Ihr habt beide zugesagt – euer Tandem ist aktiv!* Verabredet ein "
        "erstes Treffen; `/mentor status` zeigt jederzeit, wer euer Tandem ist.",
        "pair.closed": "Diese Vorstellung ist abgeschlossen. Ihr seid beide wieder im Pool; "
        "ein neues Tandem kommt.",
        "pair.declined": "Dieses Tandem kommt nicht zustande. Du bist wieder im Pool und "
        "hörst von mir, sobald es ein neues gibt.",
        "consent.accepted": "Danke! Sobald auch dein Tandem zusagt, geht es los.",
        "consent.active": "Ihr seid beide dabei – euer Tandem ist aktiv.",
        "consent.declined": "Verstanden. Du bist wieder im Pool; niemand erfährt, warum.",
        "consent.already": "Du hast schon zugesagt.",
        "consent.closed": "Dieser Vorschlag ist nicht mehr offen.",
        "consent.not_yours": "Dieser Vorschlag gilt jemand anderem.",
        "help.reflect": "`/mentor reflect` – festhalten, was du aus dem letzten Termin "
        "mitnimmst (privat)",
        "reflection.title": "Reflexion",
        "reflection.submit": "Speichern",
        "reflection.intro": "Nur du kannst das lesen. Weder dein Tandem noch deine "
        "Führungskraft noch die Admins sehen es; das Programm zählt nur Bewertungen, in "
        "Gruppen ab 5 Personen.",
        "reflection.when": "Termin am {when}",
        "reflection.happened": "Hat der Termin stattgefunden?",
        "reflection.happened.yes": "Ja",
        "reflection.happened.no": "Nein",
        "reflection.learned": "Was hast du gelernt oder mitgenommen?",
        "reflection.rating": "Wie hilfreich war es? (1–5)",
        "reflection.share": "Teilen",
        "reflection.share.option": "Meine Erkenntnis anonym als Best Practice teilen",
        "reflection.share.hint": "Geteilte Erkenntnisse tragen keinen Namen und bleiben im "
        "Playbook des Programms, auch wenn du später deine Daten löschst.",
        "reflection.saved": "Danke – deine Reflexion ist gespeichert, privat.",
        "reflection.saved_shared": "Danke – deine Reflexion ist gespeichert, privat, und "
        "deine Erkenntnis wurde anonym geteilt.",
        "reflection.none": "Es gibt noch keinen Termin, über den du reflektieren könntest.",
        "reflection.not_yours": "Dieser Termin gehört nicht zu dir.",
        "reflection.too_long": "Bitte bleib unter {max} Zeichen.",
        "reflection.prompt": "Wie war euer Termin? Nimm dir zwei Minuten und halte fest, was "
        "du mitnimmst – nur du wirst es sehen.",
        "reflection.button": "Reflektieren",
        "reminder.title": "*Erinnerung: Euer Reverse-Mentoring-Termin mit <@{partner}> ist "
        "am {when} ({minutes} Minuten).*",
        "reminder.move": "Verschieben",
        "move.title": "Termin verschieben",
        "move.intro": "Wähle ein neues Datum und eine Uhrzeit (deine Zeitzone: {tz}). Nur "
        "dieser eine Termin verschiebt sich; der Rhythmus bleibt.",
        "move.date": "Datum",
        "move.time": "Uhrzeit",
        "move.submit": "Verschieben",
        "move.error.past": "Wähle einen Zeitpunkt mindestens eine Stunde ab jetzt.",
        "move.error.far": "Wähle einen Zeitpunkt vor dem nächsten Termin ({when}).",
        "move.done": "Erledigt – der Termin ist jetzt am {when}.",
        "move.partner": "<@{user}> hat euren Reverse-Mentoring-Termin auf {when} verschoben.",
        "reminder.agenda_topic": "Thema: *{topic}*",
        "reminder.agenda_goal_own": "Thema: dein Lernziel _{goal}_",
        "reminder.agenda_goal_partner": "Thema: eines der Lernziele von <@{user}> (bringt es mit)",
        "reminder.agenda_open": "Thema: offen – bringt mit, was euch beschäftigt",
        "reminder.prompts": "Gesprächsimpulse:",
        "reminder.skip": "Diesen Termin auslassen",
        "status.next_session_none": "Nächster Termin: keiner geplant",
        "session.skipped": "Erledigt – dieser Termin fällt aus; der nächste bleibt wie geplant.",
        "session.skipped_partner": "Der Reverse-Mentoring-Termin am {when} fällt aus. Der "
        "nächste bleibt wie geplant.",
        "session.not_yours": "Dieser Termin gehört nicht zu dir.",
        "session.past": "Dieser Termin hat schon begonnen.",
        "session.already": "Dieser Termin fällt bereits aus.",
        "help.goals": "`/mentor goals` – deine Lernziele festlegen (Mentees; privat)",
        "goals.title": "Lernziele",
        "goals.intro": "Was möchtest du nach dem Programm können? Bis zu drei Ziele. Nur du "
        "siehst sie; dein Tandem sieht nur, dass ein Ziel auf der Agenda steht.",
        "goals.slot": "Ziel {n}",
        "goals.placeholder": "z. B. einen KI-Assistenten für meinen Wochenbericht nutzen",
        "goals.saved": "Gespeichert: {count} offene Lernziele. Sie kommen auf eure Agenda, "
        "und jeden dritten Termin frage ich, wie weit du bist.",
        "goals.mentees_only": "Lernziele sind für Mentees; als Mentor:in hilfst du deinem "
        "Mentee, seine zu erreichen.",
        "goals.too_long": "Bitte halte jedes Ziel unter {max} Zeichen.",
        "checkin.title": "Lernziel-Check-in",
        "checkin.prompt": "Drei Termine sind geschafft: Wie weit bist du mit deinen "
        "Lernzielen? Das dauert eine Minute, und nur du siehst es.",
        "checkin.button": "Einschätzen",
        "checkin.done": "Erreicht",
        "checkin.saved": "Danke – dein Fortschritt ist notiert.",
        "checkin.none": "Du hast keine offenen Lernziele. Mit `/mentor goals` legst du "
        "welche fest.",
        "home.title": "Reverse Mentoring",
        "home.not_enrolled": "Jüngere Kolleg:innen begleiten Führungskräfte durch die "
        "digitale Welt, in regelmäßigen, vertraulichen 1:1-Gesprächen. Du bist noch nicht "
        "angemeldet.",
        "home.join": "Beim Programm anmelden",
        "home.update": "Anmeldung ändern",
        "home.commands": "Mit `/mentor help` in einem beliebigen Kanal siehst du alle Befehle.",
        # admin report and export
        "help.admin_report": "`/mentor admin report [KOHORTE]` – die Kennzahlen des Programms "
        "als Direktnachricht (alle Kohorten und gesamt, wenn keine genannt ist)",
        "help.admin_export": "`/mentor admin export [KOHORTE]` – die Kennzahlen pro Monat als "
        "CSV und das anonyme Best-Practice-Playbook, als Dateien",
        "report.building": "Ich erstelle den Bericht; er kommt gleich als Direktnachricht.",
        "report.unknown": "Es gibt keine Kohorte namens *{name}*. `/mentor admin {command}` "
        "ohne Namen umfasst alle Kohorten.",
        "report.no_cohorts": "Es gibt noch keine Kohorte, also auch nichts zu berichten.",
        "report.title": "Reverse-Mentoring-Bericht",
        "report.continued": "Reverse-Mentoring-Bericht, Fortsetzung",
        "report.as_of": "Stand {date}",
        "report.trend_note": "In Klammern: die Veränderung seit dem letzten Bericht.",
        "report.total": "Alle Kohorten",
        "report.cohort": "Kohorte {name}",
        "report.metric.mentors": "Teilnehmende: Mentor:innen",
        "report.metric.mentees": "Teilnehmende: Mentees",
        "report.metric.pairs_proposed": "Vorgeschlagene Tandems, die auf beide Zusagen warten",
        "report.metric.pairs_active": "Aktive Tandems",
        "report.metric.pairs_ended": "Beendete Tandems",
        "report.metric.sessions_held": "Stattgefundene Termine",
        "report.metric.sessions_skipped": "Ausgefallene Termine",
        "report.metric.reflection_rate": "Reflexionsquote",
        "report.metric.average_rating": "Durchschnittliche Bewertung (1–5)",
        "report.metric.goals_set": "Gesetzte Lernziele",
        "report.metric.goals_done": "Erreichte Lernziele",
        "report.metric.goal_progress": "Durchschnittlicher Zielfortschritt (1–5)",
        "report.fewer": "weniger als 5",
        "report.withheld": "nicht angezeigt: würde weniger als 5 Personen erkennbar machen",
        "report.unchanged": "unverändert seit {date}",
        "report.points": "{value} Pp.",
        "report.footer": "Nur Summen, nie Namen: Eine Zahl über weniger als 5 Personen "
        "lautet „weniger als 5“, und eine Zahl wird nicht aktualisiert, solange die "
        "Veränderung seit einem früheren Bericht weniger als 5 Personen betrifft, damit sich "
        "aus zwei Berichten niemand herausrechnen lässt.",
        "export.admin_building": "Ich bereite den Export vor: Die Kennzahlen pro Monat (CSV) "
        "und das Best-Practice-Playbook kommen gleich als Direktnachricht.",
        "export.csv_title": "Reverse-Mentoring-Kennzahlen pro Monat",
        "export.csv_comment": "Die Kennzahlen des Programms pro Kohorte und Monat (UTC). Ein "
        "Monat zählt, was in ihm geschah: Anmeldungen, vorgeschlagene, aktivierte oder "
        "beendete Tandems, begonnene Termine, gesetzte, bewertete oder erreichte Ziele. "
        "`fewer than 5` steht für eine Zahl über weniger als 5 Personen (die CSV bleibt "
        "englisch, damit Programme sie lesen können); eine Zahl, die weniger als 5 Personen "
        "erkennbar machen würde, lautet `not shown` oder zeigt ihren früheren Wert mit einer "
        "Notiz.",
        "export.playbook_title": "Best-Practice-Playbook",
        "export.playbook_comment": "Was Teilnehmende nach ihren Terminen anonym geteilt "
        "haben, nach Thema und Monat. Keine Namen, keine Verfasser:innen.",
        "playbook.title": "Reverse-Mentoring-Playbook",
        "playbook.intro": "Erkenntnisse, die Teilnehmende nach ihren Terminen anonym geteilt "
        "haben, nach Kalendermonat (UTC). Keine Namen, keine Verfasser:innen.",
        "playbook.this_month": "Erkenntnisse aus diesem Monat erscheinen, sobald der Monat "
        "vorbei ist.",
        "playbook.empty": "Noch keine Erkenntnisse aus vergangenen Monaten.",
        "playbook.other": "Weitere Erkenntnisse",
        "playbook.various_months": "Verschiedene Monate",
        "playbook.various": "Verschiedene Themen und Monate",
        "playbook.held_back": "Einige Erkenntnisse halten wir zurück, bis mehr Personen "
        "ihre geteilt haben: Keine Gruppe von Erkenntnissen hier steht für weniger als 5 "
        "Personen.",
    },
}


def t(lang: str, key: str, **values: object) -> str:
    """The text for ``key`` in ``lang`` (English when the language is unknown).

    Raises:
        KeyError: ``key`` is not in the catalogue (a programming error, caught by tests).
    """
    catalogue = MESSAGES.get(lang, MESSAGES["en"])
    text = catalogue[key]
    return text.format(**values) if values else text
