-- Placeholder: filled by the store that owns it.
SELECT 1;
