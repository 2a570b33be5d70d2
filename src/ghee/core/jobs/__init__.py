"""Jobs: the Jenkins jobs a sync finds on a connection, linked to a project or not.

``seen`` records what a sync pass found, ``reads`` answers the job list and
one job with its success rate, ``links`` ties a job to a project, and
``flaky`` weighs whether a job's results flip without reason.
"""
