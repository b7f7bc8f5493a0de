"""Tasks on the same evidence, citations and verification as answers: insurance, appointments."""
