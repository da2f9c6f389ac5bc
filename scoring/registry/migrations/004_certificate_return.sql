-- 004 certificate return (D21): the day a 降级/撤销 certificate came back. A certificate with
-- void_on set and not returned before that day is 已作废 from void_on.
ALTER TABLE certificates ADD COLUMN returned_on TEXT;
