"""The project's training records (issue #4): models, engine, unit of work, repository."""
