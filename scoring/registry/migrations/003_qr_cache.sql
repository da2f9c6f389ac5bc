-- 003 QR codes of certificate pages: the SVG for a verification address never changes, so it is
-- made once (a derived cache, not a record: rows may be dropped and are remade on demand).
CREATE TABLE qr_cache (
    url TEXT PRIMARY KEY,
    svg TEXT NOT NULL
);
