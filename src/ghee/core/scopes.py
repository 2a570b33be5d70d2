"""What a token may do: ``read`` < ``write`` < ``admin``, each allowing what the ones before it do."""

SCOPES = ("read", "write", "admin")
