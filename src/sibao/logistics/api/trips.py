"""API of the trips area: closed-loop trips, sample-and-go, late positives (LOG-04)."""
