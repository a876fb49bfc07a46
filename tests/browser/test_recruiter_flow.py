"""A recruiter's day in Chromium against a real server and its sandbox: log in, create a job,
import candidates from a CSV, create an assessment with three questions, invite 20 at once
while the progress bar moves to done, and read one candidate's email."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.async_api import expect

from app import db
from tests.browser.conftest import log_in, screenshot

PEOPLE = [
    ("Ada", "Lovelace"), ("Alan", "Turing"), ("Grace", "Hopper"), ("Edsger", "Dijkstra"),
    ("Barbara", "Liskov"), ("Donald", "Knuth"), ("Margaret", "Hamilton"), ("Ken", "Thompson"),
    ("Frances", "Allen"), ("John", "McCarthy"), ("Radia", "Perlman"), ("Tim", "Berners-Lee"),
    ("Hedy", "Lamarr"), ("Dennis", "Ritchie"), ("Karen", "Spärck Jones"), ("Niklaus", "Wirth"),
    ("Shafi", "Goldwasser"), ("Leslie", "Lamport"), ("Sophie", "Wilson"), ("Guido", "van Rossum"),
]  # fmt: skip


def _csv() -> bytes:
    rows = [
        f"{first.lower()}.{last.lower().replace(' ', '')}@example.com,{first},{last}"
        for first, last in PEOPLE
    ]
    rows += ["not-an-email,Bad,Row", "ada.lovelace@example.com,Ada,Again"]
    return ("\ufeffemail,first_name,last_name\n" + "\n".join(rows) + "\n").encode()


async def test_recruiter_flow(page, make_account, live_server, tmp_path):
    account = await make_account(org_name="Northwind Talent", ribbon_api_key=str(uuid.uuid4()))
    await log_in(page, account)

    await page.goto("/settings")
    await expect(page.get_by_role("heading", name="Ribbon connection")).to_be_visible()
    await page.get_by_role("button", name="Test connection").click()
    await expect(page.locator("#verdict")).to_contain_text("Connected")
    await screenshot(page, "settings")
    await screenshot(page, "settings", phone=True)

    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs").click()
    await page.get_by_role("link", name="New job").first.click()
    await page.get_by_label("Title").fill("Staff Software Engineer")
    await page.get_by_label("Department").fill("Platform")
    await page.get_by_label("Location").fill("Remote (EU)")
    await screenshot(page, "job-form")
    await page.get_by_role("button", name="Create job").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Staff Software Engineer")

    await page.get_by_role("link", name="Import CSV").first.click()
    await screenshot(page, "import-form")
    csv_path = tmp_path / "candidates.csv"
    csv_path.write_bytes(_csv())
    await page.get_by_label("CSV file").set_input_files(str(csv_path))
    await page.get_by_role("button", name="Check the file").click()
    await expect(page.get_by_text("20 ready to import")).to_be_visible()
    await expect(page.get_by_text("The same email as line 2 of this file.")).to_be_visible()
    await screenshot(page, "import-preview")
    await page.get_by_role("button", name="Import 20 candidates").click()
    await expect(page.get_by_role("status")).to_contain_text("20 candidates added")
    await page.get_by_role("link", name="Back to the job").click()

    await page.get_by_role("link", name="New assessment").first.click()
    await page.get_by_label("Title").fill("Engineering screen")
    await page.get_by_role("textbox", name="Question 1", exact=True).fill(
        "Walk us through a system you designed."
    )
    for _ in range(2):
        await page.get_by_role("button", name="+ Add a question").click()
    await expect(page.get_by_role("textbox", name="Question 3", exact=True)).to_be_visible()
    await page.get_by_role("textbox", name="Question 2", exact=True).fill("How do you review code?")
    await page.get_by_role("textbox", name="Question 3", exact=True).fill(
        "Why do you want to join us?"
    )
    await page.get_by_role("button", name="Move question 3 up").click()
    await expect(page.get_by_role("textbox", name="Question 2", exact=True)).to_have_value(
        "Why do you want to join us?"
    )
    await page.get_by_label("Record video").check()
    await screenshot(page, "assessment-form")
    await page.get_by_role("button", name="Create assessment").click()
    await expect(page.locator("h1 .badge")).to_have_text("Active")
    await expect(page.get_by_text("How do you review code?")).to_be_visible()
    await screenshot(page, "assessment")

    # Slow Ribbon down a little so the bar has something to show.
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        knobs = {"api_error": "503", "api_error_next": 14}
        assert (await http.post("/sandbox/api/admin/knobs", json=knobs)).status_code == 200
    await page.get_by_role("link", name="Invite candidates").click()
    await page.get_by_role("button", name="Invite all not yet invited").click()
    bar = page.locator(".bulk progress").first
    await expect(bar).to_be_visible()
    first_value = int(await bar.get_attribute("value") or "0")
    await screenshot(page, "job-bulk-progress")
    assert first_value < 20
    done = page.locator('.bulk[data-done="true"]').first  # finished: one line
    await expect(done).to_contain_text("Invited 20 of 20", timeout=90_000)
    await expect(page.locator(".bulk progress")).to_have_count(0)
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        await http.post("/sandbox/api/admin/knobs", json={"reset": True})
    await page.reload()
    await expect(page.locator(".inv-card.status-invited")).to_have_count(20)
    await screenshot(page, "job")
    assert await db.fetchval("SELECT count(*) FROM invitation WHERE status = 'invited'") == 20
    assert await db.fetchval("SELECT count(DISTINCT email) FROM sandbox_interview") == 20

    await page.get_by_role("link", name=re.compile("Grace Hopper")).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Grace Hopper")
    await expect(
        page.get_by_text("Your video interview for Staff Software Engineer")
    ).to_be_visible()
    inline = page.frame_locator("iframe.email-frame").first
    await expect(inline.get_by_role("link", name="Start your interview")).to_be_visible()
    await page.locator("iframe.email-frame").first.scroll_into_view_if_needed()
    await screenshot(page, "candidate")
    await page.get_by_role("link", name="Open this email").first.click()
    frame = page.frame_locator("iframe.email-frame")
    await expect(frame.get_by_role("link", name="Start your interview")).to_be_visible()
    await screenshot(page, "email")
    await screenshot(page, "email", phone=True)
    await page.goto("/jobs")
    await expect(page.get_by_text("20 invited")).to_be_visible()
    await screenshot(page, "jobs")


async def test_import_an_excel_file_with_its_own_column_names(page, make_account, tmp_path):
    account = await make_account(org_name="Northwind Talent")
    await log_in(page, account)
    await page.goto("/jobs")
    await page.get_by_role("link", name="New job").first.click()
    await page.get_by_label("Title").fill("Ingeniería")
    await page.get_by_role("button", name="Create job").click()
    await page.get_by_role("link", name="Import CSV").first.click()
    rows = ["Correo,Nombre,Apellido,Móvil", "zoe@example.com,Zoé,Núñez,+34 600 111 222"]
    rows += ["jose@example.com,José,García,", "sin-arroba,Ana,Ruiz,"]
    path = tmp_path / "excel.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    await page.get_by_label("CSV file").set_input_files(str(path))
    await page.get_by_role("button", name="Check the file").click()
    await expect(page.get_by_role("heading", name="Which column is which?")).to_be_visible()
    await page.get_by_label("Email").select_option(
        label="Correo (e.g. zoe@example.com, jose@example.com)"
    )
    await page.get_by_label("First name").select_option(index=2)
    await page.get_by_label("Last name").select_option(index=3)
    await page.get_by_label("Phone").select_option(index=4)
    await screenshot(page, "import-map")
    await screenshot(page, "import-map", phone=True)
    await page.get_by_role("button", name="Check the rows").click()
    await expect(page.get_by_text("2 ready to import")).to_be_visible()
    await expect(page.get_by_text("Read as Windows-1252")).to_be_visible()
    await expect(page.locator("table.data")).to_contain_text("Núñez")
    await expect(page.locator("table.data")).to_contain_text("+34 600 111 222")
    await expect(page.get_by_text("it has no @")).to_be_visible()
    await screenshot(page, "import-mapped-preview")
    await screenshot(page, "import-mapped-preview", phone=True)
    await page.get_by_role("button", name="Import 2 candidates").click()
    await expect(page.get_by_text("2 candidates added")).to_be_visible()


async def test_write_the_invitation_email_and_export_the_ranking(page, make_account):
    account = await make_account(org_name="Northwind Talent")
    await log_in(page, account)
    await page.goto("/settings")
    await page.get_by_role("link", name="Edit the candidate emails").click()
    invite = page.locator("#invite")
    await expect(invite).to_contain_text("Hirewire's wording")
    await invite.get_by_label("Sender name").fill("Northwind Talent team")
    await invite.get_by_label("Subject").fill("{job_title} at {org_name}: your interview")
    await invite.locator("textarea[name=body]").fill(
        "Hi {first_name},\n\nThanks for applying.\n\n{link}"
    )
    await invite.get_by_role("button", name="Save the invitation email").click()
    await expect(page.get_by_role("status")).to_contain_text("Saved. New emails use it.")
    preview = page.frame_locator("#invite iframe.email-frame")
    await expect(preview.get_by_text("Thanks for applying.")).to_be_visible()
    await expect(preview.get_by_role("link", name="Start your interview")).to_be_visible()
    reminder = page.frame_locator("#reminder iframe.email-frame")
    await expect(reminder.get_by_text("Hello Ada,")).to_be_visible()  # loaded before the shot
    await screenshot(page, "candidate-emails")
    await screenshot(page, "candidate-emails", phone=True)
    await invite.locator("textarea[name=body]").fill("Hi {first_name}, no link.")
    await expect(invite.get_by_label("Subject")).to_have_value(
        "{job_title} at {org_name}: your interview"  # the saved wording is shown for editing
    )
    await invite.get_by_role("button", name="Save the invitation email").click()
    await expect(page.get_by_role("alert")).to_contain_text("must contain {link}")
