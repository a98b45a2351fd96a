"""Collect the blocks of README.md and docs/*.md (the documents named in ``tested_docs.txt``) as tests.

The documents live outside ``testpaths``, so ``tested_docs.txt`` is the file pytest collects here: its collector
yields one sybil file per matching document, and each block is one test (``README.md::line:18,column:1``).
How blocks run and the markers a document can use are described in ``tests/docs/harness.py``.
One document alone: ``python -m pytest tests/docs -k fleets.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from sybil.integration.pytest import SybilFile

from tests.docs.harness import DOCS, LIST, WORKDIR, isolate, tested_documents


@pytest.fixture
def _docs_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The document's directory as cwd, no cloud credentials, the document's own sandbox state directory."""
    workdir: Path = request.node.example.namespace[WORKDIR]
    isolate(workdir, monkeypatch)
    yield workdir


# --- collection -----------------------------------------------------------------------------------------------

class TestedDocuments(pytest.File):
    """``tested_docs.txt``: one sybil file per document it names."""

    def collect(self) -> Iterable[SybilFile]:
        for path in tested_documents():
            yield SybilFile.from_parent(self, path=path, sybils=[DOCS])


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> TestedDocuments | None:
    if file_path == LIST:
        return TestedDocuments.from_parent(parent, path=file_path)
    return None
