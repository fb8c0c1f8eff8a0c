-- A stored backtest is returned exactly as it was computed: json keeps the text byte for byte
-- (member order, number spelling), where jsonb would reorder members and respell numbers. The
-- parameters stay jsonb for querying. Results run to megabytes (a million changes: 17 MB, most
-- of it the missed outcomes), so they are compressed with lz4 where the server has it.
ALTER TABLE backtests ALTER COLUMN result TYPE json USING result::json;
DO $$
BEGIN
    ALTER TABLE backtests ALTER COLUMN result SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    NULL; -- a server built without lz4 keeps pglz
END $$;
