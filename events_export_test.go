package playerbase

// EventsOff turns the events off (true) or back on, for the benchmark that
// measures a workflow with and without its events in the same run.
func EventsOff(off bool) { eventsOff.Store(off) }
