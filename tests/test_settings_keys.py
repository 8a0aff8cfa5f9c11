"""The generated keys of an installation without configured ones (``SIBAO_SECRET_KEY``,
``SIBAO_DATA_KEY`` unset): every process that starts at once on a fresh installation must end up
with the same key, or place-code signatures and person keys of one process would not verify in
another. No requirement ID covers installation, so no ``req`` mark."""

import threading

from sibao.config import settings as project_settings


def test_processes_starting_at_once_on_a_fresh_installation_share_one_key(tmp_path, monkeypatch):
    monkeypatch.setattr(project_settings, "VAR_DIR", tmp_path / "var")
    monkeypatch.delenv("SIBAO_TEST_UNSET_KEY", raising=False)
    starters = 16
    barrier = threading.Barrier(starters)
    keys = []

    def start():
        barrier.wait()
        keys.append(project_settings.read_secret_key("SIBAO_TEST_UNSET_KEY", "data_key"))

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(keys) == starters
    assert len(set(keys)) == 1
    assert len(keys[0]) >= 50
    assert [p.name for p in (tmp_path / "var").iterdir()] == ["data_key"]  # no candidate left
    assert (tmp_path / "var" / "data_key").stat().st_mode & 0o777 == 0o600
    # a later start reads the same key
    assert project_settings.read_secret_key("SIBAO_TEST_UNSET_KEY", "data_key") == keys[0]


def test_a_configured_key_is_used_as_given(tmp_path, monkeypatch):
    monkeypatch.setattr(project_settings, "VAR_DIR", tmp_path / "var")
    monkeypatch.setenv("SIBAO_TEST_SET_KEY", "configured-key-value")

    assert project_settings.read_secret_key("SIBAO_TEST_SET_KEY", "data_key") == (
        "configured-key-value"
    )
    assert not (tmp_path / "var").exists()
