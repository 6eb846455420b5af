package chat

import (
	"context"
	"fmt"
	"slices"
)

// This file holds what operators do (confidectl): end a person's access,
// erase a client, export a transcript. They act outside any conversation
// and without a caller's identity.

// RevokeAccess voids every credential of userID issued until now (in the
// real time tokens live in, whatever the service clock says) and closes and
// forgets every open connection of theirs. It returns how many it closed.
// Operators call it when they disable an account or sign a person out
// everywhere.
func (s *Service) RevokeAccess(ctx context.Context, userID string) (int, error) {
	if err := s.store.Revoke(ctx, userID, s.tokenNow()); err != nil {
		return 0, fmt.Errorf("revoke credentials: %w", err)
	}
	conns, err := s.store.UserConnections(ctx, userID, s.now())
	if err != nil {
		return 0, fmt.Errorf("connections: %w", err)
	}
	for _, c := range conns {
		if err := s.pusher.Disconnect(ctx, c.ID); err != nil {
			return 0, fmt.Errorf("close connection %s: %w", c.ID, err)
		}
		if err := s.store.DeleteConnection(ctx, c.ID); err != nil {
			return 0, fmt.Errorf("delete connection %s: %w", c.ID, err)
		}
	}
	return len(conns), nil
}

// EraseClient removes every conversation and message of client userID,
// destroys the key of their permanent conversations, revokes their
// credentials (so a connection the erasure missed cannot act again) and
// records the erasure, by actor, in the audit trail (without content;
// unlike other audit entries a failure to write it is an error). It
// returns how many items it removed.
//
// The order is: revoke (their writes stop), destroy their key (what they
// wrote is unreadable in every copy, backups included, even if the
// erasure then fails half-way), erase the items, then revoke again (the
// erasure removes the revocation with the rest of their items) and destroy
// the key once more (a staff message racing the erasure may have made a
// new one).
func (s *Service) EraseClient(ctx context.Context, actor, userID string) (int, error) {
	if userID == "" {
		return 0, BadRequest("A client's sub is required.")
	}
	if err := s.store.Revoke(ctx, userID, s.tokenNow()); err != nil {
		return 0, fmt.Errorf("erase %s: revoke credentials: %w", userID, err)
	}
	if err := s.keys.DestroyClient(ctx, userID); err != nil {
		return 0, fmt.Errorf("erase %s: destroy their key: %w", userID, err)
	}
	n, err := s.store.EraseUser(ctx, userID)
	if err != nil {
		return n, fmt.Errorf("erase %s: %w", userID, err)
	}
	if err := s.store.Revoke(ctx, userID, s.tokenNow()); err != nil {
		return n, fmt.Errorf("erase %s: revoke credentials: %w", userID, err)
	}
	if err := s.keys.DestroyClient(ctx, userID); err != nil {
		return n, fmt.Errorf("erase %s: destroy their key: %w", userID, err)
	}
	now := s.now()
	e := AuditEntry{ID: s.newID(now), At: At(now), Actor: actor, Action: AuditUserErased, Target: userID}
	if err := s.store.PutAudit(ctx, e); err != nil {
		return n, fmt.Errorf("audit erasure of %s: %w", userID, err)
	}
	return n, nil
}

// Transcript is a whole conversation, its messages oldest first; a deleted
// message keeps its place without its text.
type Transcript struct {
	Conversation Conversation `json:"conversation"`
	Messages     []Message    `json:"messages"`
}

// transcriptPage is how many messages one read of Transcript takes (a
// variable so that tests can make paging visible).
var transcriptPage = 100

// Transcript returns the whole of a permanent conversation for an
// operator's export. A 24h conversation is refused (forbidden): it is
// private by design.
func (s *Service) Transcript(ctx context.Context, id string) (Transcript, error) {
	now := s.now()
	c, err := s.store.GetConversation(ctx, id, now)
	if err != nil {
		return Transcript{}, err
	}
	if c.Retention != RetentionPermanent {
		return Transcript{}, Errorf(CodeForbidden, "Conversation %s keeps its messages for 24 hours only: only permanent conversations can be exported.", id)
	}
	// Pages come newest first; each page is oldest first within itself.
	var pages [][]Message
	q := MessageRange{Limit: transcriptPage}
	for {
		p, err := s.store.ListMessages(ctx, id, q, now)
		if err != nil {
			return Transcript{}, fmt.Errorf("messages of %s: %w", id, err)
		}
		pages = append(pages, p.Items)
		if p.Next == "" {
			break
		}
		q.Before = p.Next
	}
	slices.Reverse(pages)
	t := Transcript{Conversation: c, Messages: []Message{}}
	for _, p := range pages {
		for _, m := range p {
			t.Messages = append(t.Messages, m.Redacted())
		}
	}
	return t, nil
}
