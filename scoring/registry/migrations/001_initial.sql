-- 001 initial: organisations, rounds, results, certificates/filings, actions, notices, draws, audit.
-- Dates are ISO text (YYYY-MM-DD); scores are integer centi-points.
CREATE TABLE organisations (
    credit_code TEXT PRIMARY KEY,
    created_on  TEXT NOT NULL
);
CREATE TABLE org_details (          -- name / address / legal representative history
    id          INTEGER PRIMARY KEY,
    credit_code TEXT NOT NULL REFERENCES organisations(credit_code),
    name        TEXT NOT NULL,
    address     TEXT,
    legal_rep   TEXT,               -- private: never published
    valid_from  TEXT NOT NULL,
    source      TEXT NOT NULL
);
CREATE TABLE rounds (
    id            INTEGER PRIMARY KEY,
    scheme        TEXT NOT NULL,
    key           TEXT NOT NULL,    -- folder name under workbooks/<scheme>/
    title         TEXT NOT NULL,
    notice_date   TEXT NOT NULL,
    issue_date    TEXT,
    period_days   INTEGER,          -- NULL: the scheme has no 公示
    period_start  TEXT,
    period_end    TEXT,
    announce_date TEXT NOT NULL,
    withheld      TEXT NOT NULL DEFAULT '[]',
    withheld_at_announce TEXT,      -- JSON: who was withheld when the 公告 came out (NULL: not yet)
    source_hash   TEXT NOT NULL,
    UNIQUE (scheme, key)
);
CREATE TABLE results (
    id            INTEGER PRIMARY KEY,
    round_id      INTEGER NOT NULL REFERENCES rounds(id),
    credit_code   TEXT NOT NULL REFERENCES organisations(credit_code),
    org_name      TEXT NOT NULL,
    file          TEXT NOT NULL,
    file_hash     TEXT NOT NULL,
    status        TEXT NOT NULL,
    total         INTEGER,
    grade         TEXT,
    veto          INTEGER NOT NULL,
    result_json   TEXT NOT NULL,
    recorded_on   TEXT NOT NULL,
    superseded_on TEXT
);
CREATE UNIQUE INDEX results_active ON results(round_id, credit_code) WHERE superseded_on IS NULL;
CREATE TABLE certificates (         -- zj-skpw certificates and datong-filing filings
    number       TEXT PRIMARY KEY,
    scheme       TEXT NOT NULL,
    kind         TEXT NOT NULL,     -- certificate | filing
    credit_code  TEXT NOT NULL REFERENCES organisations(credit_code),
    result_id    INTEGER REFERENCES results(id),
    round_id     INTEGER REFERENCES rounds(id),
    grade        TEXT NOT NULL,
    org_name     TEXT NOT NULL,
    address      TEXT,
    issued       TEXT NOT NULL,
    expires      TEXT,              -- NULL: no fixed validity (filings)
    ended_on     TEXT,
    ended_status TEXT,              -- 已撤销 | 已注销 | 已换发
    replaces     TEXT,
    replaced_by  TEXT,
    void_on      TEXT,              -- 公告作废 date (not returned after 撤销)
    year         INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    UNIQUE (scheme, year, seq)
);
CREATE TABLE actions (
    id          INTEGER PRIMARY KEY,
    scheme      TEXT NOT NULL,
    date        TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    document_no TEXT NOT NULL,
    row_hash    TEXT NOT NULL UNIQUE,
    applied_on  TEXT,
    source      TEXT NOT NULL
);
CREATE TABLE notices (
    id         TEXT PRIMARY KEY,
    scheme     TEXT NOT NULL,
    round_id   INTEGER REFERENCES rounds(id),
    kind       TEXT NOT NULL,       -- 公示 公告 撤销公告 降级公告 变更公告 作废公告 抽查
    title      TEXT NOT NULL,
    published  TEXT NOT NULL,
    period_end TEXT,
    entries    TEXT NOT NULL        -- JSON: the public lines of the notice
);
CREATE TABLE draws (
    id         TEXT PRIMARY KEY,    -- e.g. datong-filing-2026Q4
    scheme     TEXT NOT NULL,
    quarter    TEXT NOT NULL,
    seed       TEXT NOT NULL,
    population TEXT NOT NULL,       -- JSON list of credit codes drawn from
    drawn      TEXT NOT NULL,       -- JSON list of credit codes drawn
    published  TEXT NOT NULL
);
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,      -- wall-clock time of the change (UTC)
    today       TEXT NOT NULL,      -- the --today the run used
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    change      TEXT NOT NULL,
    detail      TEXT,
    source_file TEXT,
    source_hash TEXT
);

-- Nothing issued is ever lost or renumbered: the database itself refuses it.
CREATE TRIGGER certificates_keep BEFORE DELETE ON certificates
BEGIN SELECT RAISE(ABORT, 'certificates are never deleted'); END;
CREATE TRIGGER certificates_numbers BEFORE UPDATE OF number, scheme, credit_code, grade, issued, expires, year, seq ON certificates
BEGIN SELECT RAISE(ABORT, 'an issued certificate is never renumbered or re-dated'); END;
CREATE TRIGGER results_keep BEFORE DELETE ON results
BEGIN SELECT RAISE(ABORT, 'results are never deleted'); END;
CREATE TRIGGER notices_keep BEFORE DELETE ON notices
BEGIN SELECT RAISE(ABORT, 'notices are never deleted'); END;
CREATE TRIGGER notices_frozen BEFORE UPDATE ON notices
BEGIN SELECT RAISE(ABORT, 'a published notice never changes'); END;
CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_keep BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
