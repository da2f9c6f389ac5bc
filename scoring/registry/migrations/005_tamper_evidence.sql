-- 005 tamper evidence: a hash-chained audit log, checkpoints of the registry's content, results
-- and certificate particulars frozen, history tables append-only, the date of the latest run.
ALTER TABLE audit ADD COLUMN hash TEXT;          -- sha256(previous hash + this row), see registry/db.py
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta SELECT 'latest_run', MAX(today) FROM audit HAVING MAX(today) IS NOT NULL;

CREATE TRIGGER results_frozen BEFORE UPDATE OF round_id, credit_code, org_name, file, file_hash, status, total, grade, veto,
    result_json, recorded_on ON results
BEGIN SELECT RAISE(ABORT, 'a recorded result never changes'); END;
CREATE TRIGGER results_superseded_once BEFORE UPDATE OF superseded_on ON results WHEN OLD.superseded_on IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a superseded result stays superseded'); END;
CREATE TRIGGER certificates_particulars BEFORE UPDATE OF kind, result_id, round_id, org_name, address, replaces ON certificates
BEGIN SELECT RAISE(ABORT, 'an issued certificate never changes its particulars'); END;
CREATE TRIGGER certificates_ended_once BEFORE UPDATE OF ended_on, ended_status ON certificates WHEN OLD.ended_on IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'an ended certificate stays ended'); END;
CREATE TRIGGER actions_keep BEFORE DELETE ON actions
BEGIN SELECT RAISE(ABORT, 'applied actions are never deleted'); END;
CREATE TRIGGER actions_frozen BEFORE UPDATE ON actions
BEGIN SELECT RAISE(ABORT, 'an applied action never changes'); END;
CREATE TRIGGER org_details_keep BEFORE DELETE ON org_details
BEGIN SELECT RAISE(ABORT, 'name history is never deleted'); END;
CREATE TRIGGER org_details_frozen BEFORE UPDATE ON org_details
BEGIN SELECT RAISE(ABORT, 'name history never changes'); END;
CREATE TRIGGER draws_keep BEFORE DELETE ON draws
BEGIN SELECT RAISE(ABORT, 'a published draw is never deleted'); END;
CREATE TRIGGER draws_frozen BEFORE UPDATE ON draws
BEGIN SELECT RAISE(ABORT, 'a published draw never changes'); END;
CREATE TRIGGER organisations_keep BEFORE DELETE ON organisations
BEGIN SELECT RAISE(ABORT, 'organisations are never deleted'); END;
CREATE TRIGGER rounds_keep BEFORE DELETE ON rounds
BEGIN SELECT RAISE(ABORT, 'rounds are never deleted'); END;
