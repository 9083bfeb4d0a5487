"""The Textual front end: five screens over the services, built by :func:`termcrm.tui.app.make_app`.

Nothing here holds SQL or a business rule: every action runs a service
function in a thread worker with its own short session, and the result comes
back to the widgets as a past-tense message (see :mod:`termcrm.tui.messages`).
"""
