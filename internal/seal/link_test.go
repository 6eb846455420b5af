package seal_test

import (
	"errors"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/seal"
)

const conversation = "01JCONVERSATION0000000000A"

// TestLinkConversation: once a permanent conversation's id is linked to
// its client's key, a Sealer that knows only the conversation loads the
// key (one GetItem, one Decrypt), and a Seal under the client's key that
// follows makes no call; the next load of the same conversation makes none
// either while the key is cached. A conversation never linked loads
// nothing and is not asked for again for a minute.
func TestLinkConversation(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, e *env)
	}{
		{"ACounsellorsSealerFindsTheClientsKeyByTheConversation", func(t *testing.T, e *env) {
			if err := e.sealer().LinkConversation(t.Context(), conversation, sub); err != nil {
				t.Fatalf("LinkConversation() error = %v", err)
			}
			s := e.sealer()
			kms0, db0 := e.calls()
			if err := s.LoadConversation(t.Context(), conversation); err != nil {
				t.Fatalf("LoadConversation() error = %v", err)
			}
			if k, d := e.calls(); k-kms0 != 1 || d-db0 != 1 {
				t.Errorf("LoadConversation made %d KMS and %d DynamoDB calls, want 1 and 1", k-kms0, d-db0)
			}
			kms1, db1 := e.calls()
			ct := e.seal(s, seal.ClientKey(sub), "from the counsellor", nil)
			if err := s.LoadConversation(t.Context(), conversation); err != nil {
				t.Fatalf("LoadConversation() again error = %v", err)
			}
			if k, d := e.calls(); k != kms1 || d != db1 {
				t.Errorf("Seal and a second LoadConversation made %d KMS and %d DynamoDB calls, want none", k-kms1, d-db1)
			}
			if got, err := e.sealer().Open(t.Context(), ct, nil); err != nil || string(got) != "from the counsellor" {
				t.Errorf("the client's Sealer opens %q, %v", got, err)
			}
		}},
		{"LinkMakesTheClientsKeyWhenThereIsNone", func(t *testing.T, e *env) {
			if err := e.sealer().LinkConversation(t.Context(), conversation, "new-client"); err != nil {
				t.Fatalf("LinkConversation() error = %v", err)
			}
			ct := e.seal(e.sealer(), seal.ClientKey("new-client"), "words", nil)
			s := e.sealer()
			if err := s.LoadConversation(t.Context(), conversation); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Open(t.Context(), ct, nil); err != nil {
				t.Errorf("Open() after LoadConversation error = %v", err)
			}
		}},
		{"AnUnlinkedConversationLoadsNothing", func(t *testing.T, e *env) {
			s := e.sealer()
			if err := s.LoadConversation(t.Context(), conversation); !errors.Is(err, seal.ErrKeyGone) {
				t.Fatalf("LoadConversation(unlinked) = %v, want ErrKeyGone", err)
			}
			kms0, db0 := e.calls()
			if err := s.LoadConversation(t.Context(), conversation); !errors.Is(err, seal.ErrKeyGone) {
				t.Fatalf("LoadConversation(unlinked) again = %v, want ErrKeyGone", err)
			}
			if k, d := e.calls(); k != kms0 || d != db0 {
				t.Errorf("asking again within a minute made %d KMS and %d DynamoDB calls, want none", k-kms0, d-db0)
			}
			if e.kms.generated.Load() != 0 {
				t.Errorf("LoadConversation made %d keys, want none", e.kms.generated.Load())
			}
		}},
		{"AMalformedConversationIDIsRefused", func(t *testing.T, e *env) {
			for _, id := range []string{"", "a b", string(make([]byte, 200))} {
				if err := e.sealer().LoadConversation(t.Context(), id); !errors.Is(err, seal.ErrBadKeyID) {
					t.Errorf("LoadConversation(%q) = %v, want ErrBadKeyID", id, err)
				}
				if err := e.sealer().LinkConversation(t.Context(), id, sub); !errors.Is(err, seal.ErrBadKeyID) {
					t.Errorf("LinkConversation(%q) = %v, want ErrBadKeyID", id, err)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newEnv(t)) })
	}
}

// TestDestroyClientDestroysItsLinks: erasing a client destroys every copy
// of their key that links made, so no conversation's id opens their words
// any more, while another client's link still works.
func TestDestroyClientDestroysItsLinks(t *testing.T) {
	e := newEnv(t)
	s := e.sealer()
	other := "01JCONVERSATION0000000000B"
	for _, c := range []string{conversation, "01JCONVERSATION0000000000C"} {
		if err := s.LinkConversation(t.Context(), c, sub); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.LinkConversation(t.Context(), other, "another-sub"); err != nil {
		t.Fatal(err)
	}
	ct := e.seal(s, seal.ClientKey(sub), "mine", nil)

	if err := s.DestroyClient(t.Context(), sub); err != nil {
		t.Fatalf("DestroyClient() error = %v", err)
	}
	for _, c := range []string{conversation, "01JCONVERSATION0000000000C"} {
		if _, found, err := e.keys.Linked(t.Context(), c); err != nil || found {
			t.Errorf("Linked(%s) after the erasure: found %v, error %v; want gone", c, found, err)
		}
		fresh := e.sealer()
		if err := fresh.LoadConversation(t.Context(), c); !errors.Is(err, seal.ErrKeyGone) {
			t.Errorf("LoadConversation(%s) after the erasure = %v, want ErrKeyGone", c, err)
		}
		if _, err := fresh.Open(t.Context(), ct, nil); !errors.Is(err, seal.ErrKeyGone) {
			t.Errorf("Open() after the erasure = %v, want ErrKeyGone", err)
		}
	}
	if err := e.sealer().LoadConversation(t.Context(), other); err != nil {
		t.Errorf("another client's link: LoadConversation() error = %v", err)
	}
}

// TestALinkNeverOutlivesItsKey: a link written from a key that was
// destroyed (and made again) in between is refused, so no copy of a
// destroyed key is ever stored.
func TestALinkNeverOutlivesItsKey(t *testing.T) {
	e := newEnv(t)
	s := e.sealer()
	if err := s.Prepare(t.Context(), seal.ClientKey(sub)); err != nil {
		t.Fatal(err)
	}
	old, found, err := e.keys.Get(t.Context(), seal.ClientKey(sub))
	if err != nil || !found {
		t.Fatalf("Get() = %v, %v", found, err)
	}
	if err := s.DestroyClient(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	if linked, err := e.keys.Link(t.Context(), conversation, old); err != nil || linked {
		t.Errorf("Link(destroyed key) = %v, %v; want false, nil", linked, err)
	}
	if err := s.Prepare(t.Context(), seal.ClientKey(sub)); err != nil {
		t.Fatal(err)
	}
	if linked, err := e.keys.Link(t.Context(), conversation, old); err != nil || linked {
		t.Errorf("Link(destroyed key, made again since) = %v, %v; want false, nil", linked, err)
	}
	if _, found, _ := e.keys.Linked(t.Context(), conversation); found {
		t.Error("a copy of the destroyed key was stored")
	}
	if _, err := e.keys.Link(t.Context(), conversation, seal.WrappedKey{ID: seal.HourKey(expiry)}); !errors.Is(err, seal.ErrBadKeyID) {
		t.Errorf("Link(hour key) error = %v, want ErrBadKeyID", err)
	}
}

// TestMakeHourKey: the retention function makes the keys of the coming
// hours without ever holding one in the clear; a Seal in that hour then
// finds the key stored and makes none, and making it again makes nothing.
func TestMakeHourKey(t *testing.T) {
	e := newEnv(t)
	id := seal.HourKey(expiry)
	maker := e.sealer()
	if made, err := maker.MakeHourKey(t.Context(), id); err != nil || !made {
		t.Fatalf("MakeHourKey() = %v, %v; want true", made, err)
	}
	if made, err := maker.MakeHourKey(t.Context(), id); err != nil || made {
		t.Errorf("MakeHourKey() again = %v, %v; want false", made, err)
	}
	generated := e.kms.generated.Load()
	s := e.sealer()
	if err := s.Load(t.Context(), id); err != nil {
		t.Fatalf("Load() of the key made ahead error = %v", err)
	}
	ct := e.seal(s, id, "words", nil)
	if e.kms.generated.Load() != generated {
		t.Errorf("Seal made %d keys, want none", e.kms.generated.Load()-generated)
	}
	if got, err := e.sealer().Open(t.Context(), ct, nil); err != nil || string(got) != "words" {
		t.Errorf("Open() = %q, %v", got, err)
	}
	ended := seal.HourKey(t0.Add(-2 * time.Hour))
	if _, err := maker.MakeHourKey(t.Context(), ended); !errors.Is(err, seal.ErrHourEnded) {
		t.Errorf("MakeHourKey(ended hour) error = %v, want ErrHourEnded", err)
	}
	if _, err := maker.MakeHourKey(t.Context(), seal.ClientKey(sub)); !errors.Is(err, seal.ErrBadKeyID) {
		t.Errorf("MakeHourKey(client key) error = %v, want ErrBadKeyID", err)
	}
}
