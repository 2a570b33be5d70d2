"""Reading ``p4 -ztag`` output: descriptions on many lines, files by index, actions, change lists."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ghee.errors import Invalid
from ghee.integrations.perforce.ztag import change_numbers, described

RECORDED = Path(__file__).resolve().parent / "recorded"


def test_a_recorded_describe_reads_as_the_change_it_is() -> None:
    change = described((RECORDED / "describe-48213.txt").read_text())
    assert (change.number, change.user, change.client) == (48213, "mira.okafor", "mira-ws-ember")
    assert change.submitted_at == datetime(2026, 12, 1, 9, 15, 2, tzinfo=UTC)
    assert (
        change.description
        == "Golem: idle animation and blend space\n\nTuned with the animation team; replaces the placeholder."
    )
    assert [(f.action, f.rev) for f in change.files] == [
        ("add", 1),
        ("edit", 7),
        ("delete", 3),
        ("move/add", 1),
        ("move/delete", 4),
        ("edit", 12),
    ]
    assert change.files[0].path == "//depot/Ember/Content/Characters/Golem/A_Golem_Idle.uasset"
    assert change.files[0].type == "binary+l"


def test_files_are_ordered_by_index_past_nine_and_an_unknown_action_is_an_edit() -> None:
    lines = ["... change 7", "... user a", "... time 1796116502", "... desc one line", ""]
    for index in range(12):
        action = "shelve/integrate" if index == 11 else "add"
        lines += [f"... depotFile{index} //depot/f{index}.txt", f"... action{index} {action}", f"... rev{index} 1"]
    change = described("\r\n".join(lines))
    assert [f.path for f in change.files] == [f"//depot/f{i}.txt" for i in range(12)]
    assert change.files[-1].action == "edit"
    assert change.description == "one line"


def test_a_change_without_files_has_none() -> None:
    change = described("... change 9\n... user a\n... time 0\n... desc Branch spec only\n\n... status submitted\n")
    assert (change.files, change.description) == ([], "Branch spec only")


@pytest.mark.parametrize("text", ["", "Change 999 unknown.\n", "... user a\n", "... change nine\n... time 1\n"])
def test_output_that_is_no_change_is_invalid(text: str) -> None:
    with pytest.raises(Invalid):
        described(text)


def test_changes_are_listed_oldest_first() -> None:
    assert change_numbers((RECORDED / "changes.txt").read_text()) == [48211, 48213, 48220]
