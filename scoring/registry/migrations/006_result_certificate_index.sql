-- 006 the certificate a result earned, looked up per result (publish's new-result check, the
-- office's reports): without this index every lookup scanned all certificates.
CREATE INDEX IF NOT EXISTS certificates_result ON certificates(result_id);
