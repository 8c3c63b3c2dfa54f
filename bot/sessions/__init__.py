"""The session series: slots, holidays, planning, reminders, agenda and the topic library."""
