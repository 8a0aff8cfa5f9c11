"""EPI-02: the bulk-file path, ``sibao ingest-file KIND FILE --source CODE``: a CSV with a header,
read in chunks (one feed batch each), validated like the API; rejected lines are named by their
line number; a resent file changes nothing."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from sibao.core.testing import id_number, make_enterprise, make_feed_source, make_staff
from sibao.epidemic.models import FeedBatch, StaffMember
from sibao.epidemic.models import TestResult as NatResult


def write_csv(path, rows, header=("id_number", "sample_no", "sampled_at", "result", "is_pooled")):
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("ingest-file", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.req("EPI-02")
def test_a_csv_file_is_ingested_in_chunks_and_bad_lines_are_named(db, tmp_path):
    make_feed_source("lab-file", "文件报送实验室")
    ids = [id_number(n) for n in range(1, 6)]
    make_staff(make_enterprise(region="410102"), ids[0])
    rows = [
        [ids[0], "F1", "2022-05-20 08:00", "negative", "是"],
        [ids[1], "F1", "2022-05-20 08:00", "negative", "是"],
        [ids[2][:17], "F2", "2022-05-20 08:05", "negative", "否"],  # line 4: 17 digits
        [ids[3], "F3", "2022-05-20 08:10", "阴性", ""],  # line 5: not a result value
        [ids[4], "F4", "2022-05-20T08:15:00+08:00", "positive", "false"],
    ]
    path = write_csv(tmp_path / "nat.csv", rows)
    out, err = run("test_result", str(path), "--source", "lab-file", "--chunk", "2")
    assert "3 batches, 5 records: 3 accepted, 0 duplicates, 2 rejected" in out
    assert "line 4 [id_number]: 身份证号码应为 18 位" in err
    assert "line 5 [result]:" in err
    for id_no in ids:
        assert id_no not in out + err
    assert FeedBatch.objects.filter(via="file").count() == 3
    assert NatResult.objects.count() == 3
    assert NatResult.objects.filter(is_pooled=True).count() == 2
    assert StaffMember.objects.get().last_negative_at is not None

    out, _err = run("test_result", str(path), "--source", "lab-file")
    assert "1 batches, 5 records: 0 accepted, 3 duplicates, 2 rejected" in out
    assert NatResult.objects.count() == 3


@pytest.mark.req("EPI-02")
def test_a_file_without_the_required_columns_or_source_is_refused(db, tmp_path):
    make_feed_source("lab-file", "文件报送实验室")
    path = write_csv(
        tmp_path / "bad.csv", [[id_number(9), "F1"]], header=("id_number", "sample_no")
    )
    with pytest.raises(CommandError, match="sampled_at"):
        run("test_result", str(path), "--source", "lab-file")
    with pytest.raises(CommandError, match="no data source"):
        run("test_result", str(path), "--source", "nobody")
    assert not FeedBatch.objects.exists()
