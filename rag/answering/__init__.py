"""The answer pipeline: understanding a question, gathering evidence, trends, composing and
citing."""
