"""Text in, results out: extraction, normalisation, dates, dedup, tokenization, theme tagging.

Knows no crawler, no CLI, no database.
"""
