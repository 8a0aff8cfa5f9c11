"""API of the passes area: pass applications, decisions, signed QR passes, revocation list (LOG-02)."""
