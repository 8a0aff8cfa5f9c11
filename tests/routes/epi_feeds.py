"""Route expectations of the epidemic area: feeds, 两码一证, simulator (EPI-02, EPI-03).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Feed batches are for the health office and system administrators, the 两码一证 lookup for the
health office (it reads test data): none of the personas is one, so each gets 403 (the positive
answers are in tests/test_epi_feed_api.py and tests/test_epi_person_status.py). The ingestion
endpoint answers POST only, with a data-feed account's token.
"""

NOBODY_HERE_UI = (302, 403, 403, 403, 403)
NOBODY_HERE_API = (401, 403, 403, 403, 403)

ROUTES: dict = {
    "epidemic:feedbatch_list": (None, NOBODY_HERE_UI),
    "epidemic:feedbatch_detail": (lambda o: {"pk": o["own_feed_batch"].pk}, NOBODY_HERE_UI),
    "epidemic:person_status": (None, NOBODY_HERE_UI),
    "api:feed-batch-list": (None, NOBODY_HERE_API),
    "api:feed-batch-detail": (lambda o: {"pk": o["own_feed_batch"].pk}, NOBODY_HERE_API),
}
NOT_GET: dict = {
    "api:feed-list": "tests/test_epi_feed_api.py::test_only_data_feed_accounts_may_send",
}


def build_objects(objects: dict, personas: dict) -> dict:
    """A feed batch from a laboratory about a person on the own-county unit's roster."""
    from sibao.core.testing import id_number, make_feed_source, make_staff
    from sibao.epidemic.ingest import ingest

    id_no = id_number(901)
    make_staff(objects["own_enterprise"], id_no)
    batch = ingest(
        "test_result",
        [
            {
                "id_number": id_no,
                "sample_no": "ROUTE-1",
                "sampled_at": "2022-05-20T08:00:00+08:00",
                "result": "negative",
            }
        ],
        source=make_feed_source("lab-routes", "路由测试实验室"),
        actor=None,
    )
    return {"own_feed_batch": batch}
