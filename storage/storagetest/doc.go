// Package storagetest is the conformance suite every storage backend runs.
//
// A backend's own _test.go calls Run with a function that returns a fresh,
// empty backend (or one whose tests cannot see each other's data: every test
// here works on IDs it creates, so a shared database is fine):
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Backend { return memory.New() })
//	}
//
// The suite checks the store contracts written on each domain package's
// Store interface (not found, conflicts, copies, rollback of a failed
// Update) and the root package's workflows end to end over the backend.
package storagetest
