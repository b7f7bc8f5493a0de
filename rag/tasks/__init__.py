"""Tasks on the same evidence, citations and verification as answers: insurance,
appointments, explanations of results. They sit on top of rag.answering, which never
imports them (tests/test_layout.py)."""
