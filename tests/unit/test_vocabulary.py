"""The vocabulary enums: values as the database stores them, labels, order and waiting."""

from __future__ import annotations

from app.emails.statuses import EmailStatus
from app.invitations.statuses import AT_PROVIDER, CANCELLABLE, InvitationStatus
from app.webhooks.statuses import DeliveryStatus


def test_a_member_is_its_stored_string() -> None:
    assert InvitationStatus.PARTIAL == "partial"
    assert InvitationStatus("partial") is InvitationStatus.PARTIAL
    assert f"{InvitationStatus.PARTIAL}" == "partial"
    assert {"partial": 1}[InvitationStatus.PARTIAL] == 1


def test_labels_order_and_waiting() -> None:
    assert EmailStatus.NOT_SENT.label == "Not sent"
    assert [s.order for s in InvitationStatus][:2] == [0, 1]
    assert InvitationStatus.waiting_values() == ("sending", "invited", "pending", "partial")
    assert DeliveryStatus.waiting_values() == ("received", "processing", "failed")
    assert InvitationStatus.labels()["cancelled"] == "Cancelled"


def test_derived_sets() -> None:
    assert set(AT_PROVIDER) == {"invited", "pending", "partial"}
    assert set(CANCELLABLE) == {"sending", "invited", "failed"}
