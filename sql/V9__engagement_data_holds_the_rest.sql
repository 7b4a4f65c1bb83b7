-- What engagement_events.data holds from now on (V4's comments said it repeated the columns).
COMMENT ON COLUMN engagement_events.data IS
  'The validated fields of the event that have no column of their own: for page_exit and engagement,'
  ' the counts and times other than those in columns, each only when it carries something (an absent'
  ' count is 0, an absent time was not reached); then the type''s own fields (viewport, milestone,'
  ' target, funnel step, props). Rows stored before V9 also repeat the engagement columns.';
