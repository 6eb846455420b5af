package faults

import (
	"encoding/json"
	"net/http"
)

// maxPlanBytes bounds the body of a PUT.
const maxPlanBytes = 64 << 10

// ServeHTTP is the control of the local stack at /_devstack/faults:
//
//	GET  the plan in force, the faults injected so far and the services down now
//	PUT  a Plan as JSON: replaces the plan ({} stops every fault); answers as GET
func (in *Injector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut:
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxPlanBytes))
		dec.DisallowUnknownFields()
		var p Plan
		if err := dec.Decode(&p); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body must be a fault plan as JSON: " + err.Error()})
			return
		}
		if _, err := in.Set(p); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
	default:
		w.Header().Set("Allow", "GET, PUT")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "GET or PUT"})
		return
	}
	writeJSON(w, http.StatusOK, in.Status())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // best effort to a local caller
}
