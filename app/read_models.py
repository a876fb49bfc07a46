"""The allowed cross-owner reads: every module that reads a table another package owns (see
the README's table of owners), with those tables. Writes never cross owners, here or anywhere
(tests/unit/test_table_ownership.py holds the code to both)."""

from __future__ import annotations

READ_MODELS: dict[str, tuple[str, ...]] = {
    # Pages that put several features side by side.
    "app.dashboard.home": ("application", "invitation", "job", "webhook_delivery"),
    "app.dashboard.compare": (
        "application",
        "assessment",
        "assessment_result",
        "candidate",
        "invitation",
        "job",
    ),
    "app.dashboard.stream": ("job",),  # the job a live stream is for, checked per organisation
    "app.dashboard.job_window": (
        "application",
        "assessment",
        "candidate",
        "invitation",
    ),  # job page rows
    "app.jobs.service": ("application", "invitation"),  # counts on the jobs list
    # A job's cards and one result: the invitation with its candidate, assessment and emails.
    "app.invitations.cards": ("application", "assessment", "candidate", "email_message"),
    "app.invitations.service": (
        "app_user",
        "application",
        "assessment",
        "candidate",
        "email_message",
    ),
    "app.invitations.result_view": ("app_user",),  # who moved a stage
    "app.invitations.blind": ("assessment", "review"),  # blind-first: rated yet?
    "app.reviews.bulk": ("assessment", "assessment_result", "invitation"),  # what matches
    # Reviews: what is reviewed (the result, its assessment's setting, the stage), by whom.
    "app.reviews.service": (
        "app_user",
        "application",
        "assessment",
        "assessment_result",
        "invitation",
    ),
    "app.invitations.bulk": ("assessment",),
    "app.invitations.jobs": ("assessment", "candidate"),  # what an invitation is sent with
    "app.invitations.lifecycle": ("assessment", "candidate"),  # video wanted; moves by email
    "app.invitations.waits": ("webhook_delivery",),  # the provider said it will not come
    "app.invitations.reminders": ("assessment", "email_message"),  # schedule; last email
    "app.invitations.renewal": ("candidate",),  # an erased candidate is not invited again
    "app.candidates.service": ("job",),  # the job a candidate is added to is open
    "app.assessments.service": ("invitation", "organisation"),  # deletable; provider key set
    "app.emails.service": ("candidate", "invitation", "job", "organisation"),  # the outbox
    "app.emails.sender": ("invitation",),
    "app.emails.template_routes": ("job",),
    # The webhook inbox: the endpoint's assessment, erased people; the delivery log's names.
    "app.webhooks.inbox": (
        "assessment",
        "candidate",
        "erased_email",
        "erased_interview",
        "erasure_marker",
    ),
    "app.webhooks.redaction": ("erased_email", "erased_interview"),
    "app.webhooks.processing": ("assessment",),  # the flow of the endpoint's assessment
    "app.webhooks.reconcile": ("invitation", "organisation"),  # what waits too long
    "app.webhooks.service": (
        "assessment",
        "candidate",
        "invitation",
        "invitation_event",
        "queue_job",
    ),
    "app.providers.connection": ("organisation",),  # the provider key
    "app.settings_page.service": ("organisation",),  # the provider key's hint
    # Privacy finds everything that names a person before erasing it through the owners.
    "app.privacy.erasure": (
        "application",
        "assessment_result",
        "candidate",
        "email_message",
        "invitation",
        "job",
        "webhook_delivery",
    ),
    "app.privacy.deliveries": ("invitation",),  # the erased person's interview ids
    "app.privacy.rotation": ("assessment", "audit_event", "job", "organisation"),
    # Demo data is made through the owners' functions, looking up what it made.
    "app.demo": ("app_user", "application", "assessment", "invitation", "job", "organisation"),
}
