-- How far each journal compaction has gone, per projection tag: the last event_journal.ordering
-- it considered (SessionPruning: "session-ends:<tag>"; JournalTrimming: "snapshots:<tag>"). A pass
-- starts after it, so each reads only the journal written since the one before, and never past
-- what the tag's projection has read.
CREATE TABLE journal_compaction (
  name TEXT PRIMARY KEY,
  compacted_to BIGINT NOT NULL
);
