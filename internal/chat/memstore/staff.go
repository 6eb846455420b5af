package memstore

import (
	"context"
	"slices"
	"strings"

	"github.com/confidechat/confide/internal/chat"
)

// PutStaffMember enters m in the directory, or refreshes its username,
// supervisor flag and last sighting; a display name already chosen stays
// unless m brings one.
func (s *Store) PutStaffMember(_ context.Context, m chat.StaffMember) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.staff[m.UserID]; ok && m.DisplayName == "" {
		m.DisplayName = old.DisplayName
	}
	s.staff[m.UserID] = m
	return nil
}

// GetStaffMember returns one member of the directory, or not found.
func (s *Store) GetStaffMember(_ context.Context, userID string) (chat.StaffMember, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.staff[userID]
	if !ok {
		return chat.StaffMember{}, chat.NotFound()
	}
	return m, nil
}

// ListStaffMembers returns the whole directory by username.
func (s *Store) ListStaffMembers(context.Context) ([]chat.StaffMember, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]chat.StaffMember, 0, len(s.staff))
	for _, m := range s.staff {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b chat.StaffMember) int { return strings.Compare(a.Username, b.Username) })
	return out, nil
}
