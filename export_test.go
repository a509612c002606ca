package playerbase

import "github.com/playerbase/playerbase/internal/eventdiff"

// Diff is eventdiff.Diff, for the test that holds it to events.Diff.
var Diff = eventdiff.Diff

// Record is record, for the benchmark that writes a workflow's events alone.
var Record = record
