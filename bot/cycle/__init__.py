"""The program cycle's private check-ins (SPEC.md, "Program cycle"): the mentee's
self-assessment when a pair becomes active, the pulses 30 days in and at the middle of
the term, the closing survey when the term ends, and the nudge and close of pairs that
have stopped meeting."""
