-- TuringView on a shared PostgreSQL server: the privileges of reader workstations.
--
-- Run as the database owner in the study database, after the schema exists (the first `turingview`
-- command run by the coordinator creates and migrates it), and again after every upgrade that adds tables:
--
--     psql "postgresql://owner@dbhost/turingview" -v ON_ERROR_STOP=1 -f reader_role.sql
--
-- It creates the group role `turingview_reader` (no login) and grants it exactly what a reading session
-- needs: its study's settings, its own order (blinded ids and the training flag), the presented images,
-- INSERT of ratings and of their audit events, and the audit head of the study row it appends to.
-- It never grants truth, generator, file path, case label, patient, site, scanner, extra subgroup fields,
-- the repeat flag of an order item, or anything of the coordinator's tables (packages, artifacts).
-- Training feedback (the truth of *training* cases only) is readable through the view
-- `reader_training_truth`.
--
-- Each reader then logs in with a personal role that is a member of the group, for example:
--
--     CREATE ROLE reader_alice LOGIN PASSWORD '...' IN ROLE turingview_reader;
--
-- and connects with   turingview read --db postgresql://reader_alice@dbhost/turingview ...
-- The coordinator keeps using the owner role. The script is idempotent.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'turingview_reader') THEN
    CREATE ROLE turingview_reader NOLOGIN;
  END IF;
END
$$;

-- Start from nothing: a previous, broader grant must not survive a re-run.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM turingview_reader;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM turingview_reader;
GRANT USAGE ON SCHEMA public TO turingview_reader;

-- Schema version (TuringView checks it on open) and reader-facing study rows.
GRANT SELECT ON alembic_version TO turingview_reader;
-- study, reader and assignment hold nothing about truth (the randomisation seed only reproduces orders).
GRANT SELECT ON study TO turingview_reader;
-- A rating appends an audit event and moves the study's chain head (row locked FOR UPDATE).
GRANT UPDATE (audit_seq, audit_head, updated_at) ON study TO turingview_reader;
GRANT SELECT ON reader, assignment TO turingview_reader;

-- The order: positions, cases and the training flag. Not is_repeat.
GRANT SELECT (assignment_id, position, case_id, is_training) ON assignment_item TO turingview_reader;

-- Cases: the opaque blinded id and the training flag only. Not truth, generator, path, label, subgroups.
GRANT SELECT (id, study_id, blinded_id, is_training) ON case_ TO turingview_reader;

-- Presented images are blinded by construction (uniform, header-free encoding).
GRANT SELECT ON presented_image TO turingview_reader;

-- The rating log: append and read back (revisions, resume). No UPDATE, no DELETE: the log is append-only.
GRANT SELECT, INSERT ON rating TO turingview_reader;
GRANT INSERT ON audit_event TO turingview_reader;
GRANT SELECT (id, study_id, seq) ON audit_event TO turingview_reader;
GRANT USAGE ON SEQUENCE rating_id_seq, audit_event_id_seq TO turingview_reader;

-- Training feedback: the truth of training cases, and only of training cases, through the view
-- reader_training_truth (created by TuringView's migration 0003; the reading session reads it).
GRANT SELECT ON reader_training_truth TO turingview_reader;

-- Deliberately not granted: reader_package (coordinator's export records), artifact (analysis results).
-- REVOKE above already removed any earlier grant on them; they are named here so that a schema check
-- can tell a new table (which needs a decision) from these.
REVOKE ALL ON reader_package, artifact FROM turingview_reader;
