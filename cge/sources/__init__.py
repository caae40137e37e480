"""Readers of published statistics and builders of SAMs from them (Rosstat IO tables, Vologda)."""
