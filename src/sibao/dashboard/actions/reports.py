"""MON-04: producing a report is an audited read — it exports lists of the jurisdiction."""

from sibao.core import audit


def record_report(report, *, actor, file_format: str) -> None:
    """One audit row per report generated (the printable page or the workbook). The row sits in
    the report's region, which lies inside the actor's grants, so the actor's auditors and those
    of the region see it."""
    period = report.period
    audit.record(
        "report.generate",
        actor=actor,
        changes={
            "kind": period.kind,
            "region": report.region.code,
            "first": period.first.isoformat(),
            "last": period.last.isoformat(),
            "format": file_format,
            "sections": [section.key for section in report.sections],
        },
        note=f"{report.title} {report.region.full_name} {period.label}",
        region_code=report.region.code,
        rule_version=report.rule_version,
    )
