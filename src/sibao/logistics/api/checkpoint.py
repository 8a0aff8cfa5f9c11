"""API of the checkpoint area: checkpoints, green-channel verification, check log (LOG-03)."""
