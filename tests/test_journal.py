"""The append-only record behind the manifest and the run record: replay, torn lines, compaction."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.journal import SLACK, Journal

changes = st.lists(st.tuples(st.sampled_from("abcdefgh"), st.none() | st.integers() | st.text(max_size=8)),
                   max_size=200)


@settings(max_examples=40, deadline=None)
@given(changes)
def test_replay_gives_the_dict_after_every_change(tmp_path_factory, ops: list) -> None:
    path = tmp_path_factory.mktemp("j") / "log.jsonl"
    writer, expected = Journal(path), {}
    for key, value in ops:
        if value is None:
            expected.pop(key, None)
        else:
            expected[key] = value
        writer.put(key, value, expected)
    assert Journal(path).load() == expected
    assert writer.lines <= 2 * len(expected) + SLACK  # compaction keeps the log in proportion


def test_a_torn_last_line_is_ignored_then_compacted_by_the_next_writer(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    data = {"a": 1}
    Journal(path).put("a", 1, data)
    with open(path, "a", encoding="utf-8") as f:
        f.write('{"k": "b", "v": 2')  # a run killed in the middle of an append
    reader = Journal(path)
    assert reader.load() == {"a": 1}
    assert path.read_text(encoding="utf-8").endswith('"v": 2')  # reading never writes
    writer = Journal(path)
    current = writer.load()
    current["c"] = 3
    writer.put("c", 3, current)
    assert path.read_text(encoding="utf-8").endswith("\n")
    assert Journal(path).load() == {"a": 1, "c": 3}


def test_a_damaged_line_in_the_middle_loses_only_that_change(tmp_path: Path, caplog) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text('{"k": "a", "v": 1}\nnot json\n{"k": "b", "v": 2}\n', encoding="utf-8")
    assert Journal(path).load() == {"a": 1, "b": 2}
    assert "log.jsonl:2" in caplog.text


def test_shared_writers_never_compact_and_lose_nothing_then_one_tidies_up(tmp_path: Path) -> None:
    """Two writers that each know only their own keys (two workers of a cluster) append to one log."""
    path = tmp_path / "log.jsonl"
    a, b = Journal(path, shared=True), Journal(path, shared=True)
    mine_a: dict[str, int] = {}
    mine_b: dict[str, int] = {}
    for i in range(SLACK * 3):  # far past the point where a plain writer compacts
        mine_a[f"a{i % 5}"] = i
        a.put(f"a{i % 5}", i, mine_a)
        mine_b[f"b{i % 3}"] = i
        b.put(f"b{i % 3}", i, mine_b)
    # every line kept: a compaction would drop the other's
    assert len(path.read_text().splitlines()) == SLACK * 6
    assert Journal(path).load() == {**mine_a, **mine_b}
    Journal(path).compact_if_due()
    assert len(path.read_text().splitlines()) == 8
    assert Journal(path).load() == {**mine_a, **mine_b}
