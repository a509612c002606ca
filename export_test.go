package playerbase

// Diff is diff, for the test that holds it to events.Diff.
var Diff = diff
