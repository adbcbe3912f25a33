-- Dead letters carry the tenant their event names in its envelope, so a tenant sees and replays its own. An event that
-- cannot be read names no tenant: its dead letter keeps a null tenant and only administrators see it.
ALTER TABLE dead_letters ADD COLUMN tenant text;

-- Dead letters parked before this version: the tenant from their envelope, where it parses and is a valid tenant name.
DO $$
DECLARE
    letter record;
    named text;
BEGIN
    FOR letter IN SELECT seq, value FROM dead_letters LOOP
        BEGIN
            named := convert_from(letter.value, 'UTF8')::jsonb ->> 'tenant';
        EXCEPTION WHEN OTHERS THEN
            named := NULL; -- not UTF-8, not JSON: a poison event
        END;
        IF named ~ '^[a-z0-9_-]{1,64}$' THEN
            UPDATE dead_letters SET tenant = named WHERE seq = letter.seq;
        END IF;
    END LOOP;
END
$$;

-- A tenant's listing (newest first, its parked ones for a bulk replay) reads this index instead of every tenant's rows.
CREATE INDEX dead_letters_by_tenant ON dead_letters (tenant, seq);
