"""Changes in from git: push webhooks of GitHub, GitLab, Gitea and Forgejo, and a ``post-receive`` hook.

Every commit becomes a changelist through ``ghee.core.changelists.record_changelist``,
its commit id the changelist's ``revision`` (so a re-delivered push changes
nothing) and its number the project's next. ``signatures`` checks a push
before anything reads it, ``pushes`` turns the hosts' push JSON into
changelists, ``hook`` walks a bare repository's new commits, ``commands``
is ``ghee git``.
"""
