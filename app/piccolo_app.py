"""Hirewire's Piccolo app: every table of every feature, and the top-level migrations folder.
The Ribbon sandbox has an app of its own (`app/providers/ribbon/sandbox/piccolo_app.py`)."""

from piccolo.conf.apps import AppConfig

from app.accounts.tables import (
    ApiToken,
    AppUser,
    LoginAttempt,
    Organisation,
    PasswordReset,
    UserSession,
)
from app.assessments.tables import Assessment
from app.audit.tables import AuditEvent
from app.candidates.tables import Application, Candidate
from app.db import MIGRATIONS_FOLDER
from app.emails.tables import EmailMessage, EmailTemplate
from app.invitations.tables import (
    AssessmentResult,
    BulkInvite,
    Invitation,
    InvitationAttempt,
    InvitationEvent,
    InvitationReminder,
    ProviderStageMove,
)
from app.jobs.tables import Job
from app.privacy.tables import ErasedEmail, ErasedInterview
from app.queue.tables import QueueJob
from app.reviews.tables import Decision, Review
from app.webhooks.tables import WebhookDelivery

APP_CONFIG = AppConfig(
    app_name="hirewire",
    migrations_folder_path=str(MIGRATIONS_FOLDER),
    table_classes=[
        Organisation,
        AppUser,
        UserSession,
        ApiToken,
        LoginAttempt,
        PasswordReset,
        AuditEvent,
        Job,
        Candidate,
        Application,
        Assessment,
        Invitation,
        BulkInvite,
        AssessmentResult,
        InvitationEvent,
        InvitationReminder,
        InvitationAttempt,
        EmailMessage,
        EmailTemplate,
        WebhookDelivery,
        ProviderStageMove,
        ErasedInterview,
        ErasedEmail,
        QueueJob,
        Review,
        Decision,
    ],
)
