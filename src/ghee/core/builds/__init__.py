"""Builds: what CI made of a project's change, one thing whoever ran it.

A build is a row of ``builds``. An agent reports it through ButterStack
(``reports``); a Jenkins job's build arrives through the sync (``synced``)
and carries the job's number, stages, console log and cause. Every dialect
and the dashboard read builds through ``reads``; every trigger goes through
``trigger``; whatever finished a build, ``finished`` runs what follows.
"""
