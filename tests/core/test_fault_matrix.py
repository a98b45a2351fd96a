"""The fault matrix of docs/reliability.md is what the code does: each kind of fault on each write of each
adapter's create and update deploys, on the fakes, with the real SDK clients."""

from __future__ import annotations

from pathlib import Path

import pytest

from polycloud.testing.fault_matrix import KINDS, Row, markdown, matrix

DOC = Path(__file__).parents[2] / "docs" / "reliability.md"
START, END = "<!-- fault-matrix:start -->", "<!-- fault-matrix:end -->"
TRANSIENT = ("throttled (429)", "server error (503)", "connection dropped", "answer lost")


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return matrix()


def _column(rows: list[Row], label: str) -> list[str]:
    index = [k.label for k in KINDS].index(label)
    return [row.outcomes[index] for row in rows]


def test_every_fault_leaves_a_function_the_next_deploy_converges(rows: list[Row]) -> None:
    assert {(r.provider, r.scenario) for r in rows} == {(p, s) for p in ("aws-lambda", "azure-functions",
                                                                          "gcp-cloud-run")
                                                        for s in ("create", "update")}
    diverged = [(r.provider, r.scenario, r.call) for r in rows if "DIVERGES" in r.outcomes]
    assert not diverged


def test_transient_faults_are_retried_and_a_denial_stops_the_deploy(rows: list[Row]) -> None:
    for label in TRANSIENT:
        assert set(_column(rows, label)) == {"ok"}, label
    assert set(_column(rows, "denied (403)")) == {"stops"}


def test_docs_hold_the_matrix_the_code_produces(rows: list[Row]) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert START in text and END in text
    documented = text.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    assert documented == markdown(rows), (
        "docs/reliability.md's fault matrix is stale: regenerate it with "
        "`python -m polycloud.testing.fault_matrix` and paste it between the fault-matrix markers")
