package triage

import "fmt"

// Level is how urgently a message should be answered. Levels are ordered:
// None < Concern < Urgent, so the highest of several can be kept with max.
type Level uint8

// The levels, lowest first.
const (
	// None is ordinary speech, even when it uses words such as "kill" or
	// "die" ("this homework is killing me").
	None Level = iota
	// Concern is suicidal thoughts without a plan, self-harm, hopelessness,
	// abuse or danger disclosed, and any such phrase said in the negative
	// ("I'm not going to kill myself") or about someone else ("my friend
	// wants to kill herself").
	Concern
	// Urgent is the writer's own intent, plan, means or an act in progress
	// ("I've taken all my tablets", "I have the rope").
	Urgent
)

var levelNames = [...]string{None: "none", Concern: "concern", Urgent: "urgent"}

// String returns "none", "concern" or "urgent".
func (l Level) String() string {
	if l.Valid() {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", uint8(l))
}

// Valid reports whether l is one of None, Concern and Urgent.
func (l Level) Valid() bool { return l <= Urgent }

// MarshalText writes the level as "none", "concern" or "urgent", so that it
// appears as that string in JSON.
func (l Level) MarshalText() ([]byte, error) {
	if !l.Valid() {
		return nil, fmt.Errorf("triage: invalid level %d", uint8(l))
	}
	return []byte(levelNames[l]), nil
}

// UnmarshalText reads "none", "concern" or "urgent".
func (l *Level) UnmarshalText(text []byte) error {
	v, err := ParseLevel(string(text))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// ParseLevel returns the level named s: "none", "concern" or "urgent".
func ParseLevel(s string) (Level, error) {
	for l, name := range levelNames {
		if s == name {
			return Level(l), nil
		}
	}
	return None, fmt.Errorf("triage: unknown level %q (want none, concern or urgent)", s)
}
