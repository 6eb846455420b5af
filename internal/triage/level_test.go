package triage

import (
	"encoding/json"
	"testing"
)

func TestLevelOrder(t *testing.T) {
	if !(None < Concern && Concern < Urgent) || max(Concern, Urgent, None) != Urgent {
		t.Error("levels are not ordered none < concern < urgent")
	}
}

func TestLevelText(t *testing.T) {
	for _, l := range []Level{None, Concern, Urgent} {
		text, err := l.MarshalText()
		if err != nil || string(text) != l.String() {
			t.Errorf("%v.MarshalText() = %q, %v", l, text, err)
		}
		var back Level
		if err := back.UnmarshalText(text); err != nil || back != l {
			t.Errorf("UnmarshalText(%q) = %v, %v", text, back, err)
		}
	}
	if _, err := Level(7).MarshalText(); err == nil {
		t.Error("Level(7).MarshalText() did not fail")
	}
	if Level(7).String() != "Level(7)" || Level(7).Valid() {
		t.Errorf("Level(7) = %v", Level(7))
	}
	var l Level
	if err := l.UnmarshalText([]byte("URGENT")); err == nil {
		t.Error(`UnmarshalText("URGENT") did not fail`)
	}
}

func TestResultJSON(t *testing.T) {
	tests := []struct {
		r    Result
		want string
	}{
		{Result{Urgent, "plan"}, `{"level":"urgent","category":"plan"}`},
		{Result{Concern, CategoryThirdParty}, `{"level":"concern","category":"third-party"}`},
		{Result{}, `{"level":"none"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.r)
		if err != nil || string(b) != tt.want {
			t.Errorf("json.Marshal(%v) = %s, %v; want %s", tt.r, b, err, tt.want)
		}
		var back Result
		if err := json.Unmarshal(b, &back); err != nil || back != tt.r {
			t.Errorf("json.Unmarshal(%s) = %v, %v", b, back, err)
		}
	}
}
