"""The blog: posts written by authors, filed under categories and tags, searchable and syndicated."""
