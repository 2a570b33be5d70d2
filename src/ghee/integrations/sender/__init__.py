"""Sending changelists from a VCS server to ghee: ``ghee p4 trigger`` and ``ghee git hook`` use it.

Guarantee: a change reported here reaches ghee at least once, and a trigger
or hook never waits on ghee longer than ``GHEE_SEND_SECONDS``. ``send``
posts a changelist to ``POST /v1/projects/:id/changelists`` (idempotent on
ghee's side: a number or commit id already stored answers 200); what cannot
be sent in time waits in ``spool``, a folder of one file per change, sent
oldest first by the next trigger or hook, or by ``ghee p4 flush`` /
``ghee git flush``, backing off after each failure.
"""
