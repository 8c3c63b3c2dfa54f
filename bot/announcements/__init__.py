"""Program owners' announcements to cohorts."""
