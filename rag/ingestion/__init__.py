"""Ingest orchestration: parsed records into a vault (chunks, facts, vectors), background
jobs, the knowledge base."""
