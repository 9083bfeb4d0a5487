"""Demo service desk: a knowledge base and tickets in every status, some breached, some rated.

Everything goes through the services with explicit times relative to
``ctx.now``, so the SLA clocks, pauses and breaches are exactly what the
service rules make of the story: when the ticket came in, when an agent first
answered, how long it waited on the customer, when it was resolved and closed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from termcrm.models import Contact, KbArticle, Ticket
from termcrm.services import history, kb, sla_policies, tickets

ARTICLES: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    (
        "Resetting your password",
        ("account", "login"),
        "published",
        "If you forgot your password or a reset link does not work:\n\n"
        "1. Open the sign-in page and choose **Forgot password**.\n"
        "2. Enter the email address of your account; the link arrives within a few minutes.\n"
        "3. The link is valid for **60 minutes** and works once. Requesting a new link invalidates older ones.\n\n"
        "If the page says *invalid token*, the link was used or expired: request a fresh one and open it in the "
        "same browser. Password managers that pre-fill the old password are a common cause of a second failure.",
    ),
    (
        "Two-factor authentication troubleshooting",
        ("account", "login", "security"),
        "published",
        "Codes from an authenticator app depend on the phone's clock. If codes are rejected:\n\n"
        "- Turn on automatic date and time on the phone.\n"
        "- In Google Authenticator, use *Settings → Time correction for codes*.\n"
        "- Use one of your **backup codes** to sign in, then re-enrol the device under *Profile → Security*.\n\n"
        "An administrator can reset two-factor enrolment for a user; the user enrols again at the next sign-in.",
    ),
    (
        "Setting tax rates per country",
        ("billing", "invoices", "tax"),
        "published",
        "Invoices use the tax rate of the customer's billing country.\n\n"
        "1. Go to *Settings → Billing → Tax rates*.\n"
        "2. Add a rate per country (for example DE 19 %, FR 20 %, NL 21 %).\n"
        "3. For EU business customers with a valid VAT number the reverse charge applies and the rate is 0 %.\n\n"
        "Changing a rate affects new invoices only; issue a credit note to correct an invoice already sent.",
    ),
    (
        "Exporting data to CSV",
        ("data", "export"),
        "published",
        "Every list has an **Export** button that writes the rows currently shown (filters applied) as CSV in "
        "UTF-8 with a header row. Excel users: use *Data → From Text/CSV* so accented names survive.\n\n"
        "Exports over 50,000 rows are prepared in the background and emailed as a download link.",
    ),
    (
        "Importing large CSV files",
        ("data", "import"),
        "published",
        "Imports are checked before anything is written: a file with an invalid row is rejected as a whole and "
        "the error names the line. For very large files:\n\n"
        "- Split files above 100,000 rows.\n"
        "- Save as UTF-8; files from older Excel versions are often Windows-1252.\n"
        "- Make sure dates are unambiguous (2026-03-01 rather than 03/01/26).",
    ),
    (
        "Adding and removing user seats",
        ("billing", "account"),
        "published",
        "Owners can change the number of seats under *Settings → Subscription*. New seats are billed pro rata "
        "for the rest of the period; removed seats are credited on the next invoice. Deactivated users do not "
        "use a seat.",
    ),
    (
        "Calendar sync: reconnecting your account",
        ("integrations", "calendar"),
        "published",
        "Google and Microsoft revoke access when a password changes or after 6 months without use. "
        "To reconnect, open *Profile → Integrations*, choose **Disconnect**, then **Connect** and approve the "
        "permissions again. Events created while sync was off are sent on the next run (every 10 minutes).",
    ),
    (
        "Duplicate charges and refunds",
        ("billing", "payments"),
        "published",
        "A second charge is usually a pre-authorisation that the bank releases within 5 working days. If both "
        "charges are final, we refund the duplicate to the original card; refunds take 5 to 10 working days to "
        "appear. Please send the last four digits of the card and the dates of both charges.",
    ),
    (
        "Improving email deliverability (SPF and DKIM)",
        ("email", "deliverability"),
        "published",
        "Notifications sent in your company's name need your domain to allow our mail servers:\n\n"
        "```\nv=spf1 include:_spf.mail.example ~all\n```\n\n"
        "Add the DKIM record shown under *Settings → Email → Domain*, then press **Verify**. Messages land in "
        "spam far less often once both records pass.",
    ),
    (
        "API rate limits",
        ("api", "developers"),
        "published",
        "The API allows **600 requests per minute** per account. Above that it answers `429 Too Many Requests` "
        "with a `Retry-After` header in seconds. Batch endpoints count as one request for up to 100 records; "
        "webhooks are a better fit than polling for change notifications.",
    ),
    (
        "Mobile app: clearing the cache and reinstalling",
        ("mobile",),
        "published",
        "If the app closes on start after an update: on Android open *Settings → Apps → termcrm → Storage* and "
        "clear the cache; on iOS delete and reinstall the app. Your data lives on the server, nothing is lost. "
        "The app needs Android 10 or iOS 16 or newer.",
    ),
    (
        "Data deletion requests (GDPR)",
        ("privacy", "account"),
        "published",
        "An account owner can request deletion of all account data. We confirm the request by email, keep "
        "invoices as the law requires (10 years), and delete everything else within 30 days, backups included "
        "after their 35-day rotation.",
    ),
    (
        "Setting up single sign-on (SAML)",
        ("security", "login", "integrations"),
        "draft",
        "Draft: single sign-on works with Azure AD, Okta and Google Workspace. Add the metadata URL under "
        "*Settings → Security → SSO* and map the email attribute. TODO: screenshots for Azure.",
    ),
    (
        "Finding past invoices",
        ("billing", "invoices"),
        "archived",
        "Old instructions from the previous billing page; replaced by *Settings → Billing → History*.",
    ),
)
"""(title, tags, status, Markdown body) of the demo knowledge base."""


@dataclass(frozen=True)
class Story:
    """A kind of request: what the customer writes and the article that answers it."""

    subject: str
    type: str
    request: str
    article: int | None
    """Index into :data:`ARTICLES`, or None when no article answers it."""


STORIES: tuple[Story, ...] = (
    Story("Cannot log in after password reset", "incident",
          "The reset link says 'invalid token'. I tried twice.", 0),
    Story("Two-factor codes are not accepted", "incident",
          "Since yesterday every code from my authenticator app is rejected.", 1),
    Story("Invoice shows the wrong VAT rate", "problem",
          "Our last invoice charged 19% but we are based in France.", 2),
    Story("How do I export my contacts to CSV?", "question",
          "I need a spreadsheet of all customers for our accountant.", 3),
    Story("Import of 5,000 rows fails halfway", "problem",
          "The import stops with an error on line 2,311 and nothing is imported.", 4),
    Story("Please add three more user seats", "request",
          "We hired three people and they need access from Monday.", 5),
    Story("Google Calendar sync stopped", "incident",
          "Meetings booked since last week do not show up in my calendar.", 6),
    Story("Charged twice this month", "problem",
          "Our card statement shows two charges for the same subscription.", 7),
    Story("Email notifications land in spam", "problem",
          "Customers tell us our reminders end up in their spam folder.", 8),
    Story("API returns 429 Too Many Requests", "incident",
          "Our nightly sync fails with 429 errors since we added more records.", 9),
    Story("Mobile app crashes on start", "incident",
          "After the update the Android app closes immediately.", 10),
    Story("Request to delete our account data (GDPR)", "request",
          "We are closing the business; please delete all our data.", 11),
    Story("Single sign-on with Azure AD", "question",
          "Can our staff sign in with their Microsoft accounts?", 12),
    Story("Reports are empty since the update", "incident",
          "The monthly revenue report shows no rows at all.", None),
    Story("Upgrade to the annual plan", "request",
          "We would like to switch to yearly billing with the discount.", None),
    Story("Reminder times are an hour off", "problem",
          "Reminders arrive at 10:00 instead of 09:00 since the clocks changed.", None),
    Story("Logo cut off on printed quotes", "problem",
          "The top of our logo is missing when we print a quote.", None),
    Story("Change the billing address on invoices", "request",
          "We moved offices; invoices should show the new address.", 5),
)  # fmt: skip
"""The requests the demo tickets are made of."""

FIRST_REPLIES = (
    "Thanks for reaching out — I'm looking into this now.",
    "Thank you for the details. Could you send a screenshot of the message you see?",
    "Sorry for the trouble! I've reproduced the issue and passed it to our engineers.",
    "Thanks, I can see your account. One question before I change anything: which users are affected?",
)
CUSTOMER_REPLIES = (
    "Here is the screenshot you asked for.",
    "It affects everyone in the sales team.",
    "Thanks, that worked for me but not for my colleague.",
    "Any news on this? It is blocking us.",
)
INTERNAL_NOTES = (
    "Checked the logs: the error started after Tuesday's deploy.",
    "Customer is on the enterprise plan — keep them posted daily.",
    "Asked billing to look at the payment provider's dashboard.",
)
RESOLUTIONS = (
    "This is fixed on our side; please try again and let us know.",
    "I've made the change on your account — you should see it now.",
    "The article linked below walks through the steps; it solved the issue in our test.",
    "Refund issued; it will show on your statement within a week.",
)
RATING_COMMENTS = {
    1: ("Took far too long.", "Still not solved for us."),
    2: ("Slow answers.",),
    3: ("Fine in the end.",),
    4: ("Helpful, thanks.", "Good explanation."),
    5: ("Super fast, thank you!", "Excellent support.", "Solved in minutes."),
}

PRIORITIES = ("low", "normal", "normal", "normal", "high", "high", "urgent")
CHANNELS = ("email", "email", "email", "web", "web", "chat", "phone", "in person")
FATES = ("new", "open", "open", "pending", "resolved", "resolved", "closed", "closed", "closed", "closed")
"""How demo tickets end up; the first five tickets take each status once, so every status is present."""


def _articles(session: Session, now: datetime) -> list[KbArticle]:
    made = []
    for i, (title, tags, status, body) in enumerate(ARTICLES):
        written = now - timedelta(days=300 - i * 17, hours=i)
        article = kb.create_article(session, title, body=body, tags=tags, publish=status == "published", now=written)
        if status == "archived":
            kb.archive_article(session, article, now=written + timedelta(days=30))
        made.append(article)
    return made


def _count(ctx: Any) -> int:
    return max(30, min(400, round(45 * float(ctx.scale))))


def build(session: Session, rng: random.Random, ctx: Any) -> None:
    """Add the knowledge base and the tickets (every status, some breached, some rated, with threads)."""
    saved_summary = getattr(session.info.get(history.INFO_KEY), "summary", None)
    now: datetime = ctx.now
    articles = _articles(session, now)
    targets = sla_policies.targets(session)
    users = list(ctx.user_names)
    for index in range(_count(ctx)):
        fate = FATES[index] if index < 5 else rng.choice(FATES)
        _ticket(session, rng, ctx, users, articles, targets, fate, index)
    if saved_summary is not None:
        history.set_summary(session, saved_summary)


def _ticket(
    session: Session,
    rng: random.Random,
    ctx: Any,
    users: list[str],
    articles: list[KbArticle],
    targets: dict[str, tuple[int, int]],
    fate: str,
    index: int,
) -> Ticket:
    now: datetime = ctx.now
    story = rng.choice(STORIES)
    priority = "urgent" if index == 0 else rng.choice(PRIORITIES)
    first_minutes, resolution_minutes = targets[priority]
    contact = session.get(Contact, rng.choice(ctx.contact_ids)) if ctx.contact_ids else None
    if fate == "new":
        # Waiting for a first look: minutes to a day old (the urgent first one is well past its hour).
        created = now - timedelta(hours=3) if index == 0 else now - timedelta(minutes=rng.randint(10, 1500))
    elif fate in ("open", "pending"):
        created = now - timedelta(minutes=rng.randint(60, 3 * 1440))
    else:
        created = now - timedelta(minutes=rng.randint(2 * 1440, 90 * 1440))
    created = created.replace(second=0, microsecond=0)
    company_ref = None
    if contact is None and ctx.company_ids:
        from termcrm.models import Company

        company_ref = session.get(Company, rng.choice(ctx.company_ids))
    ticket = tickets.open_ticket(
        session,
        story.subject,
        contact=contact,
        company=company_ref,
        priority=priority,
        type=story.type,
        channel=rng.choice(CHANNELS),
        description=story.request,
        now=created,
    )
    if fate == "new":
        return ticket
    agent = rng.choice(users)
    # First answer: usually within the target, one in four late.
    late = rng.random() < 0.25
    answer_after = first_minutes * (rng.uniform(1.1, 3.0) if late else rng.uniform(0.05, 0.9))
    answered = created + timedelta(minutes=answer_after)
    if answered >= now:
        answered = created + (now - created) / 2
    tickets.assign_ticket(session, ticket, agent, now=created + (answered - created) / 3)
    tickets.add_comment(session, ticket, rng.choice(FIRST_REPLIES), author=agent, now=answered)
    if rng.random() < 0.3:
        note_at = answered + (now - answered) / 4
        tickets.add_comment(session, ticket, rng.choice(INTERNAL_NOTES), author=agent, internal=True, now=note_at)
    if fate == "open":
        if rng.random() < 0.5:
            tickets.add_comment(
                session, ticket, rng.choice(CUSTOMER_REPLIES), customer=True, now=answered + (now - answered) / 2
            )
        return ticket
    waited = answered + timedelta(minutes=rng.randint(5, 120))
    if fate == "pending":
        tickets.set_status(session, ticket, "pending", now=min(waited, now - timedelta(minutes=1)))
        return ticket
    # Resolved or closed: most on time, some late; some waited on the customer first.
    solve_after = resolution_minutes * (rng.uniform(1.05, 1.8) if rng.random() < 0.2 else rng.uniform(0.1, 0.9))
    solved = created + timedelta(minutes=solve_after)
    if rng.random() < 0.35 and waited < solved:
        tickets.set_status(session, ticket, "pending", now=waited)
        back = waited + (solved - waited) / 2
        tickets.add_comment(session, ticket, rng.choice(CUSTOMER_REPLIES), customer=True, now=back)
        solved = solved + (back - waited)
    limit = now - timedelta(hours=1)
    solved = min(max(solved, answered + timedelta(minutes=5)), limit)
    article = articles[story.article] if story.article is not None else None
    use_article = article is not None and article.status == "published" and rng.random() < 0.7
    tickets.resolve_ticket(
        session, ticket, note=rng.choice(RESOLUTIONS), article=article if use_article else None, now=solved
    )
    if rng.random() < 0.08 and solved + timedelta(days=1) < limit:
        # The fix did not hold: reopened the next day and solved again.
        again = solved + timedelta(days=1)
        tickets.reopen_ticket(session, ticket, now=again)
        tickets.add_comment(
            session, ticket, "Reopened: the customer reports it happens again.", author=agent, now=again
        )
        tickets.resolve_ticket(
            session, ticket, note=rng.choice(RESOLUTIONS), now=min(again + timedelta(hours=3), limit)
        )
    if fate == "closed":
        closed = (ticket.resolved_at or solved) + timedelta(days=rng.randint(1, 5))
        tickets.close_ticket(session, ticket, now=min(closed, limit + timedelta(minutes=30)))
    if rng.random() < 0.6:
        breached = tickets.evaluate(ticket, now, tickets.business_hours(session)).breached
        score = rng.choice((1, 2, 3, 3, 4)) if breached else rng.choice((3, 4, 4, 5, 5, 5))
        comment = rng.choice(RATING_COMMENTS[score]) if rng.random() < 0.5 else None
        tickets.rate_ticket(session, ticket, score, comment=comment, now=ticket.closed_at or ticket.resolved_at)
    return ticket
