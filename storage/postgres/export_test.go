package postgres

// PID returns the backend PID of the sync's listening connection, so a test
// can kill it.
func (s *BanSync) PID() uint32 { return s.pid.Load() }
