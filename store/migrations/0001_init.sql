-- Datasets, rounds, publications, approvals and the audit log. Every
-- table is append-only: triggers reject UPDATE and DELETE, so a stored
-- fact can only be added to, never changed.

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,          -- lower-case hex SHA-256 of data
    size   INTEGER NOT NULL,
    data   BLOB NOT NULL
);

CREATE TABLE datasets (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,  -- id is "d" || seq
    label      TEXT NOT NULL,
    created_at TEXT NOT NULL,                      -- RFC 3339, UTC
    created_by TEXT NOT NULL,                      -- token label
    stats      TEXT NOT NULL                       -- JSON, written by the server
);

CREATE TABLE dataset_files (
    dataset_seq INTEGER NOT NULL REFERENCES datasets(seq),
    role        TEXT NOT NULL,
    name        TEXT NOT NULL,
    sha256      TEXT NOT NULL REFERENCES blobs(sha256),
    size        INTEGER NOT NULL,
    PRIMARY KEY (dataset_seq, role)
);

CREATE TABLE rounds (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT, -- id is "r" || seq
    dataset_seq INTEGER NOT NULL REFERENCES datasets(seq),
    year        INTEGER NOT NULL,
    seed        TEXT NOT NULL,
    mode        TEXT NOT NULL,
    levels      TEXT NOT NULL,                     -- comma-separated level codes
    engine      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);

CREATE TABLE round_files (
    round_seq INTEGER NOT NULL REFERENCES rounds(seq),
    name      TEXT NOT NULL,                       -- e.g. assignments.csv
    sha256    TEXT NOT NULL REFERENCES blobs(sha256),
    size      INTEGER NOT NULL,
    PRIMARY KEY (round_seq, name)
);

-- Extra inputs a round's manifest refers to besides its dataset's files
-- (a policy given with the run request).
CREATE TABLE round_inputs (
    round_seq INTEGER NOT NULL REFERENCES rounds(seq),
    sha256    TEXT NOT NULL REFERENCES blobs(sha256),
    PRIMARY KEY (round_seq, sha256)
) WITHOUT ROWID;

-- The published round of a level is the one of its latest row.
CREATE TABLE publications (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    level        TEXT NOT NULL,
    round_seq    INTEGER NOT NULL REFERENCES rounds(seq),
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL
);
CREATE INDEX publications_level ON publications(level, seq);

CREATE TABLE approvals (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    round_seq   INTEGER NOT NULL REFERENCES rounds(seq),
    ward        TEXT NOT NULL,
    level       TEXT NOT NULL,
    role        TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    note        TEXT NOT NULL,
    digest      TEXT NOT NULL,                     -- SHA-256 of the catchments reviewed, or ''
    approved_at TEXT NOT NULL
);
CREATE INDEX approvals_round ON approvals(round_seq, seq);

-- hash = SHA-256 over the canonical encoding of the entry, prev_hash
-- included (see store/audit.go); the first entry's prev_hash is 64 zeros.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    role      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

CREATE TRIGGER blobs_no_update BEFORE UPDATE ON blobs
BEGIN SELECT RAISE(ABORT, 'stored files are immutable'); END;
CREATE TRIGGER blobs_no_delete BEFORE DELETE ON blobs
BEGIN SELECT RAISE(ABORT, 'stored files are immutable'); END;
CREATE TRIGGER datasets_no_update BEFORE UPDATE ON datasets
BEGIN SELECT RAISE(ABORT, 'datasets are immutable'); END;
CREATE TRIGGER datasets_no_delete BEFORE DELETE ON datasets
BEGIN SELECT RAISE(ABORT, 'datasets are immutable'); END;
CREATE TRIGGER dataset_files_no_update BEFORE UPDATE ON dataset_files
BEGIN SELECT RAISE(ABORT, 'datasets are immutable'); END;
CREATE TRIGGER dataset_files_no_delete BEFORE DELETE ON dataset_files
BEGIN SELECT RAISE(ABORT, 'datasets are immutable'); END;
CREATE TRIGGER rounds_no_update BEFORE UPDATE ON rounds
BEGIN SELECT RAISE(ABORT, 'rounds are immutable'); END;
CREATE TRIGGER rounds_no_delete BEFORE DELETE ON rounds
BEGIN SELECT RAISE(ABORT, 'rounds are immutable'); END;
CREATE TRIGGER round_files_no_update BEFORE UPDATE ON round_files
BEGIN SELECT RAISE(ABORT, 'rounds are immutable'); END;
CREATE TRIGGER round_files_no_delete BEFORE DELETE ON round_files
BEGIN SELECT RAISE(ABORT, 'rounds are immutable'); END;
CREATE TRIGGER round_inputs_no_update BEFORE UPDATE ON round_inputs
BEGIN SELECT RAISE(ABORT, 'rounds are immutable'); END;
CREATE TRIGGER round_inputs_no_delete BEFORE DELETE ON round_inputs
BEGIN SELECT RAISE(ABORT, 'rounds are immutable'); END;
CREATE TRIGGER publications_no_update BEFORE UPDATE ON publications
BEGIN SELECT RAISE(ABORT, 'publications are append-only'); END;
CREATE TRIGGER publications_no_delete BEFORE DELETE ON publications
BEGIN SELECT RAISE(ABORT, 'publications are append-only'); END;
CREATE TRIGGER approvals_no_update BEFORE UPDATE ON approvals
BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;
CREATE TRIGGER approvals_no_delete BEFORE DELETE ON approvals
BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;
