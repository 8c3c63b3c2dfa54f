"""Callback and action IDs shared by the view builders and the handlers.

The values named in SPEC.md are an interface: Slack payloads (and people's scripts) use
them, so they never change.
"""

COMMAND = "/mentor"

# modals (callback_id)
JOIN = "join"
GOALS = "goals"
REFLECTION = "reflection"
GOAL_CHECKIN = "goal_checkin"
MOVE = "session_move"

# buttons (action_id)
PAIR_ACCEPT = "pair_accept"
PAIR_DECLINE = "pair_decline"
REFLECT_OPEN = "reflect_open"
FORGET_CONFIRM = "forget_confirm"
HOME_JOIN = "home_join"
SESSION_SKIP = "session_skip"
SESSION_MOVE = "session_move"
MOVE_DATE = "move_date"
MOVE_TIME = "move_time"
GOAL_CHECKIN_OPEN = "goal_checkin_open"
ANNOUNCE_CONFIRM = "announce_confirm"
ANNOUNCE_CANCEL = "announce_cancel"

# goal modals
GOAL_SLOTS = ("goal_1", "goal_2", "goal_3")
GOAL_DONE = "done"

# reflection modal inputs (block_id == action_id)
HAPPENED = "happened"
LEARNED = "learned"
RATING = "rating"
SHARE = "share"

# join modal inputs (block_id == action_id)
ROLE = "role"
TOPICS = "topics"
DEPARTMENT = "department"
COHORT = "cohort"
WEEKDAYS = "weekdays"
TIME_WINDOW = "time_window"

# calendar (SPEC.md, "Calendar")
CALENDAR_RESET = "calendar_reset"
MEETING_LINK_OPEN = "meeting_link_open"
MEETING_LINK = "meeting_link"

# program cycle (SPEC.md, "Program cycle")
COHORT_CLOSE_CONFIRM = "cohort_close_confirm"
SELF_ASSESSMENT_OPEN = "self_assessment_open"
SELF_ASSESSMENT = "self_assessment"
PULSE_OPEN = "pulse_open"
PULSE = "pulse"
CLOSING_SURVEY_OPEN = "closing_survey_open"
CLOSING_SURVEY = "closing_survey"

# the program cycle's modal inputs (block_id == action_id; a topic's confidence block is
# CONFIDENCE_PREFIX + the topic's key)
CONFIDENCE_PREFIX = "confidence_"
PULSE_SCORE = "pulse_score"
NEW_PARTNER = "new_partner"
RECOMMEND = "recommend"
SURVEY_LEARNING = "survey_learning"
