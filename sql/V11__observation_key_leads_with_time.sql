-- The primary key of observations leads with the time, not the id: why, and what the upgrade
-- locks, in V10. A decision without a caller's id gets a random UUID, and an observation's time is
-- the server's, so with (ts, observation_id) each moment's decisions are inserted together.
ALTER TABLE observations DROP CONSTRAINT observations_pkey;
ALTER TABLE observations ADD PRIMARY KEY (ts, observation_id);
