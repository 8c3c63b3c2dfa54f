"""Sessions in people's calendars: .ics files and personal feeds."""
