"""Lägesbilder and evaluation reports built by Celery."""
