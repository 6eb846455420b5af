package devstack

import (
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// MaxPostBytes is the largest payload PostToConnection accepts (128 KB).
const MaxPostBytes = 128 * 1024

// managementTimeLayout is how the management API writes timestamps (ISO 8601).
const managementTimeLayout = "2006-01-02T15:04:05.000Z"

// connectionInfo is the GetConnection response, as apigatewaymanagementapi
// decodes it.
type connectionInfo struct {
	ConnectedAt  string             `json:"connectedAt"`
	Identity     connectionIdentity `json:"identity"`
	LastActiveAt string             `json:"lastActiveAt"`
}

type connectionIdentity struct {
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// serveConnection is the management API on /{stage}/@connections/{id}:
// POST sends its body to the connection as one text frame, GET describes the
// connection and DELETE closes it. Like the real one it answers 410
// GoneException for a connection that is not open. Requests need no
// signature; any Authorization header is accepted.
func (g *Gateway) serveConnection(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	switch r.Method {
	case http.MethodPost:
		data, err := io.ReadAll(io.LimitReader(r.Body, MaxPostBytes+1))
		if err != nil {
			writeManagementError(w, http.StatusBadRequest, "BadRequestException", "could not read the request body")
			return
		}
		if len(data) > MaxPostBytes {
			writeManagementError(w, http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "Request Entity Too Large")
			return
		}
		c := g.connection(id)
		if c == nil || !c.open() {
			writeGone(w, id)
			return
		}
		if err := c.send(data); err != nil {
			g.log.Debug("post to connection", "connection", id, "error", err)
			writeGone(w, id)
			return
		}
		w.WriteHeader(http.StatusOK)
	case http.MethodGet:
		c := g.connection(id)
		if c == nil || !c.open() {
			writeGone(w, id)
			return
		}
		info := connectionInfo{
			ConnectedAt:  c.connectedAt.UTC().Format(managementTimeLayout),
			Identity:     connectionIdentity{SourceIP: c.sourceIP, UserAgent: c.userAgent},
			LastActiveAt: time.Unix(0, c.lastActive.Load()).UTC().Format(managementTimeLayout),
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(info)
	case http.MethodDelete:
		c := g.connection(id)
		if c == nil || !c.open() {
			writeGone(w, id)
			return
		}
		// Gone at once, as on AWS; the closing handshake finishes after the
		// response, so a client that does not answer cannot hold it up.
		g.unregister(c)
		go g.hangUp(c, websocket.StatusNormalClosure, "")
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		writeManagementError(w, http.StatusMethodNotAllowed, "MethodNotAllowedException", "method not allowed")
	}
}

func writeGone(w http.ResponseWriter, id string) {
	writeManagementError(w, http.StatusGone, "GoneException", "connection "+id+" is gone")
}

// writeManagementError writes an error the AWS SDK decodes as the modelled
// exception named errorType.
func writeManagementError(w http.ResponseWriter, status int, errorType, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", errorType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
}
