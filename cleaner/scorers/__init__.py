"""Scorers: each reads a cleaned Document and fills `doc.scores[name]` and/or `doc.flags[name]`."""
