"""Operating an installation: backups, restores, moving it between databases."""
