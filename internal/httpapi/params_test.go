package httpapi

import (
	"testing"
	"time"
)

func TestTimeParam(t *testing.T) {
	tests := []struct {
		name, in string
		endOfDay bool
		want     string
		wantErr  bool
	}{
		{name: "EmptyIsUnset", in: "", want: "0001-01-01T00:00:00Z"},
		{name: "DateFromIsItsStart", in: "2026-11-26", want: "2026-11-26T00:00:00Z"},
		{name: "DateToIncludesTheWholeDay", in: "2026-11-26", endOfDay: true, want: "2026-11-26T23:59:59.999Z"},
		{name: "TimestampIsExact", in: "2026-11-26T10:00:00.5Z", endOfDay: true, want: "2026-11-26T10:00:00.5Z"},
		{name: "NotADate", in: "yesterday", wantErr: true},
		{name: "NotADay", in: "2026-02-30", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := timeParam(tt.in, tt.endOfDay)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("timeParam(%q) = %v, want bad_request", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := got.UTC().Format(time.RFC3339Nano); s != tt.want {
				t.Errorf("timeParam(%q, %t) = %s, want %s", tt.in, tt.endOfDay, s, tt.want)
			}
		})
	}
}
