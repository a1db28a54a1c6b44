"""Backups that restore: one archive of the database and the photo files, and its restore
into an empty install.

The archive is a tar file (gzip-compressed when its name ends in .tar.gz or .tgz) holding,
in this order: the database (`database.sqlite`, a copy made by SQLite's online backup, or
`database.pgdump`, pg_dump's custom format), the photo files (`photos/<name>`), and last
`manifest.json`: Patrol's version, the Alembic revision, the kind of database, when it was
made, the rows per table, a digest of every signature, and the size and SHA-256 of every
other member. The manifest comes last so that an archive cut short has none and is refused.
"""
