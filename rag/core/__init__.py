"""The shared kernel: domain types, errors, settings, the text normaliser and the lab
vocabulary. Every package may import it; it imports no other project package."""
