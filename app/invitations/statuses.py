"""The statuses of an invitation (the `invitation.status` column), in pipeline order."""

from __future__ import annotations

from app.vocabulary import Vocabulary


class InvitationStatus(Vocabulary):
    SENDING = "sending", "Sending", True  # being created at the provider
    INVITED = "invited", "Invited", True  # link issued
    PENDING = "pending", "Pending", True  # interview done, results not in yet
    PARTIAL = "partial", "Partial", True  # results in, something expected still missing
    COMPLETE = "complete", "Complete"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"  # could not be created; the reason is shown


# A recruiter may cancel an invitation that has not reached the interview yet.
CANCELLABLE = (InvitationStatus.SENDING, InvitationStatus.INVITED, InvitationStatus.FAILED)
# What the reconciliation sweep asks the provider about: waiting, with an interview there.
AT_PROVIDER = tuple(s for s in InvitationStatus if s.waiting and s is not InvitationStatus.SENDING)
# The link's expiry can be moved while it waits for the candidate, or once it has expired.
EXTENDABLE = (InvitationStatus.INVITED, InvitationStatus.EXPIRED)
# A new attempt can follow these (the card offers Retry for a failed one, the API both).
REINVITABLE = (InvitationStatus.CANCELLED, InvitationStatus.EXPIRED, InvitationStatus.FAILED)
REINVITE_ON_CARD = (InvitationStatus.CANCELLED, InvitationStatus.EXPIRED)
