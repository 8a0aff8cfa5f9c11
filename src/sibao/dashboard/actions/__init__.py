"""The dashboard's writes: the audit rows of reports generated (MON-04)."""
