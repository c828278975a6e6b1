"""cxloop's SQLite database backend: Django's, with writers taking turns (see `turns`).

settings.py names it as the ENGINE when DATABASE_URL is a SQLite file.
"""
