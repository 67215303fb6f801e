"""Arrears orchestration: Dagster Definitions, jobs, resources, settings and the command line."""
