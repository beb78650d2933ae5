"""The event organizer: incidents from rules, their owners and deadlines, the monthly staff
review and the half-year policy review, notifications and digests."""
