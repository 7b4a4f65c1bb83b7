-- How far, per sessions projection tag, the journals of ended sessions have been compacted
-- (SessionPruning): the last event_journal.ordering whose session end was considered. The pass
-- starts after it, so each pass reads only the journal written since the one before.
CREATE TABLE session_journal_pruning (
  tag TEXT PRIMARY KEY,
  compacted_to BIGINT NOT NULL
);
