package localkms

// DataDir returns the folder holding s's keys, for the tests.
func DataDir(s *Server) string { return s.dir }
