"""The demo kindergarten, drawn from the seed logistics plans."""
