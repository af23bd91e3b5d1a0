"""Shared by every test module: makes tests/ importable (slide_rules, exercise_cells)."""
