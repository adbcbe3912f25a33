-- A stage that works on a large document batch by batch keeps each batch's status with the stage (StatusFold), so that
-- the stage completes once every batch has, whatever order the batches arrive in and however often one is redelivered.
ALTER TABLE stages ADD COLUMN parts jsonb;
