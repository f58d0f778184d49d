"""On a shared PostgreSQL server, a reader workstation logs in as a member of ``turingview_reader``
(packaging/postgres/reader_role.sql): it can read its order and the presented images and append ratings,
and is refused SELECT on truth, file paths, generators, subgroups and repeat flags."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from .conftest import REPO, SAMPLE_MANIFEST, make_sample_study

pytestmark = pytest.mark.postgres
psycopg = pytest.importorskip("psycopg")
ROLE_SQL = REPO / "packaging" / "postgres" / "reader_role.sql"


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def reader_login(postgres_url: str) -> Iterator[tuple[str, str]]:
    """(owner URL, reader URL): an open sample study, the role script applied, a fresh reader login."""
    if not SAMPLE_MANIFEST.exists():
        pytest.skip("sample_data/manifest.csv is not in this checkout")
    make_sample_study(postgres_url)
    login = f"tv_reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_dsn(postgres_url), autocommit=True) as conn:
        conn.execute(ROLE_SQL.read_text())
        conn.execute(ROLE_SQL.read_text())  # idempotent
        conn.execute(f'CREATE ROLE "{login}" LOGIN IN ROLE turingview_reader')
    user, _rest = postgres_url.split("://", 1)[1].split("@", 1)
    reader_url = postgres_url.replace(f"://{user}@", f"://{login}@", 1)
    try:
        yield postgres_url, reader_url
    finally:
        from turingview.storage import dispose_engines

        dispose_engines()
        with psycopg.connect(_dsn(postgres_url), autocommit=True) as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{login}"')


REFUSED = [
    "SELECT truth FROM case_",
    "SELECT * FROM case_",
    "SELECT generator, generator_version FROM case_",
    "SELECT path FROM case_",
    "SELECT label FROM case_",
    "SELECT patient, site, scanner, extra FROM case_",
    "SELECT count(*) FROM case_ WHERE truth = 'real'",
    "SELECT is_repeat FROM assignment_item",
    "SELECT * FROM reader_package",
    "SELECT * FROM artifact",
    "SELECT body FROM audit_event",
    "UPDATE rating SET score = 5",
    "DELETE FROM rating",
    "UPDATE case_ SET truth = 'real'",
    "INSERT INTO case_ (study_id) VALUES (1)",
]


def test_reader_role_is_refused(reader_login: tuple[str, str]) -> None:
    """Each statement, in its own transaction, fails with insufficient privilege."""
    _, reader_url = reader_login
    allowed = []
    with psycopg.connect(_dsn(reader_url), autocommit=True) as conn:
        for statement in REFUSED:
            try:
                conn.execute(statement)
            except psycopg.errors.InsufficientPrivilege:
                continue
            allowed.append(statement)
    assert not allowed, f"the reader role may run: {allowed}"


def test_reader_role_reads_its_order_and_appends_ratings(reader_login: tuple[str, str]) -> None:
    """The privileges a session needs: its order, its images, training truth only, INSERT of a rating."""
    owner_url, reader_url = reader_login
    with psycopg.connect(_dsn(reader_url)) as conn:
        order = conn.execute(
            "SELECT ai.position, c.blinded_id, ai.is_training, ai.case_id FROM assignment_item ai "
            "JOIN assignment a ON a.id = ai.assignment_id JOIN reader r ON r.id = a.reader_id "
            "JOIN case_ c ON c.id = ai.case_id WHERE r.code = 'r1' ORDER BY ai.position"
        ).fetchall()
        assert len(order) == 36
        image = conn.execute("SELECT data FROM presented_image WHERE case_id = %s", (order[0][3],)).fetchone()
        assert image is not None and bytes(image[0])[:4] == b"TVPI"
        training = conn.execute("SELECT blinded_id, truth FROM reader_training_truth").fetchall()
        assert {b for b, _ in training} == {b for _, b, t, _ in order if t}
        position, _, is_training, case_id = order[-1]
        assignment = conn.execute(
            "SELECT a.id FROM assignment a JOIN reader r ON r.id = a.reader_id WHERE r.code = 'r1'"
        ).fetchone()[0]
        now = datetime.now(UTC)
        conn.execute(
            "INSERT INTO rating (assignment_id, position, revision, case_id, is_training, score, artefacts, comment,"
            " shown_at, answered_at, elapsed_ms, zoom, pan_x, pan_y, source, recorded_at)"
            " VALUES (%s, %s, 1, %s, %s, 4, '', '', %s, %s, 1000, 1, 0, 0, 'sql', %s)",
            (assignment, position, case_id, is_training, now - timedelta(seconds=1), now, now),
        )
        conn.commit()
    with psycopg.connect(_dsn(owner_url)) as conn:
        assert conn.execute("SELECT count(*) FROM rating WHERE source = 'sql'").fetchone()[0] == 1


def test_reading_session_runs_as_reader_role(reader_login: tuple[str, str]) -> None:
    """The real reader's side (open_reading_source) under the reader role: order, image, rating, feedback."""
    from turingview.core.domain import RatingInput
    from turingview.study import open_reading_source

    _, reader_url = reader_login
    source = open_reading_source(reader_url, "S", "r1")
    try:
        order = list(source.order())
        assert source.load_image(order[0].blinded_id).pixels.size > 0
        now = datetime.now(UTC)
        first = order[0]
        source.record_rating(
            RatingInput(
                position=first.position,
                blinded_id=first.blinded_id,
                score=2,
                shown_at=now - timedelta(seconds=2),
                answered_at=now,
                elapsed_ms=2000,
            )
        )
        assert len(source.recorded_ratings()) == 1
        training = next(c for c in order if c.is_training)
        assert source.training_feedback(training.blinded_id) is not None
    finally:
        source.close()


def test_role_script_names_only_existing_tables(postgres_url: str) -> None:
    """The script stays in step with the schema: it applies cleanly to a freshly migrated database."""
    from turingview.storage import get_engine

    get_engine(postgres_url, backup=False)
    with psycopg.connect(_dsn(postgres_url), autocommit=True) as conn:
        conn.execute(ROLE_SQL.read_text())
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    text = Path(ROLE_SQL).read_text()
    # Every table is decided on: granted (fully or by column) or deliberately not granted.
    undecided = {t for t in tables if f" {t} " not in text and f" {t};" not in text and f" {t}," not in text}
    assert not undecided, f"tables the reader-role script does not mention: {undecided}"
