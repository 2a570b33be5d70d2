"""Systems ghee talks to on its own: Jenkins servers."""
