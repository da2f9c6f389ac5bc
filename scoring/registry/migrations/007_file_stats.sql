-- 007 bookkeeping, not record: each workbook's SHA-256 with the file's size, modification and
-- change times and inode when it was taken. A file whose stat is unchanged is not read again to be
-- hashed (at 10,000 organisations hashing every workbook took a second of every night).
CREATE TABLE IF NOT EXISTS file_stats (path TEXT PRIMARY KEY, stat TEXT NOT NULL, sha256 TEXT NOT NULL);
