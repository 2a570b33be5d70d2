"""Headless content: page types and pages, collections and their items, content fields, locales.

Every entry (a page, a collection item, a content field) keeps its values per
locale: the default locale's values, stored under ``""``, and any number of
translations, which may hold only some fields; a field missing from a
translation falls back to the default locale's value.
"""
