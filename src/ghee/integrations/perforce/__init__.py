"""Changes in from Perforce (Helix Core): a change-commit trigger and a history import.

``ztag`` reads ``p4 -ztag`` output, ``p4`` runs the ``p4`` command line (with
the P4PORT, P4USER, P4TICKETS ... of the environment, as every p4 tool reads
them), ``commands`` is ``ghee p4 trigger | flush | backfill``. Changes are sent
through ``ghee.integrations.sender``, so a submit never waits on ghee.
"""
