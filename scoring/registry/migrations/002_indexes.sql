-- 002 indexes for registries of thousands of organisations (lookups by organisation and round).
CREATE INDEX certificates_org ON certificates(scheme, credit_code);
CREATE INDEX certificates_round ON certificates(round_id);
CREATE INDEX results_round ON results(round_id);
CREATE INDEX results_org ON results(credit_code);
CREATE INDEX org_details_org ON org_details(credit_code);
CREATE INDEX actions_org ON actions(credit_code);
