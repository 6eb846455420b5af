package devstack

import "sort"

// ConnectionIDs returns the ids of the WebSocket connections open now,
// sorted, so a test can find the connection a client just opened and close
// it through the management API (DELETE /@connections/{id}).
func (g *Gateway) ConnectionIDs() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	ids := make([]string, 0, len(g.conns))
	for id := range g.conns {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
