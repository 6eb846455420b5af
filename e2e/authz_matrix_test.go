package e2e

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/routes"
	"github.com/confidechat/confide/internal/testkit"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// caller is one column of the authorization matrix: who makes the request,
// always about client A's conversation.
type caller int

const (
	noToken       caller = iota // no Authorization header, no ticket
	clientA                     // the client who owns the conversation
	clientB                     // another client, with a conversation of its own
	staffAssignee               // the counsellor who claimed the conversation (in the waiting scene: who will)
	staffOther                  // another counsellor: the claim is someone else's
	supervisor                  // a supervisor: reads everything, assigns, reads the audit trail
	expiredA                    // client A with an access token that has expired
)

var callers = []caller{noToken, clientA, clientB, staffAssignee, staffOther, supervisor, expiredA}

func (c caller) String() string {
	return [...]string{"no token", "client A (owner)", "client B", "counsellor (assignee)", "counsellor (other)", "supervisor", "A's expired token"}[c]
}

// outcome is what a cell of the matrix observes: an HTTP answer, a
// WebSocket handshake, the answer to a frame, or what closing a socket does.
type outcome struct {
	kind   outcomeKind
	status int
	code   chat.Code
}

type outcomeKind int

const (
	answered    outcomeKind = iota // an HTTP status and, for errors, a code
	accepted                       // the WebSocket handshake succeeded
	refused                        // the WebSocket handshake failed with status
	errFrame                       // an error frame with code
	pongFrame                      // {"type":"pong"}
	ackFrame                       // message.created with the frame's clientMessageId
	noAnswer                       // nothing: the next answer was the pong of a ping sent after
	reconnected                    // {"type":"reconnect"}, then the server closed the connection
	forgotten                      // the closed connections no longer count against the cap
)

func status(s int) outcome                 { return outcome{kind: answered, status: s} }
func failed(s int, code chat.Code) outcome { return outcome{kind: answered, status: s, code: code} }
func refusal(s int) outcome                { return outcome{kind: refused, status: s} }
func errorFrame(code chat.Code) outcome    { return outcome{kind: errFrame, code: code} }

var (
	ok200     = status(200)
	created   = status(201)
	noContent = status(204)
	unauth    = failed(401, chat.CodeUnauthorized)
	forbid    = failed(403, chat.CodeForbidden)
	notFound  = failed(404, chat.CodeNotFound)
	conflict  = failed(409, chat.CodeConflict)
	open      = outcome{kind: accepted}
	ack       = outcome{kind: ackFrame}
	pong      = outcome{kind: pongFrame}
	silent    = outcome{kind: noAnswer}
	reconnect = outcome{kind: reconnected}
	forgot    = outcome{kind: forgotten}
	// noTicket is what a caller without credentials gets for anything on
	// the WebSocket: it cannot connect.
	noTicket = refusal(401)
)

// String is the cell's text in docs/security.md.
func (o outcome) String() string {
	switch o.kind {
	case answered:
		if o.code == "" {
			return fmt.Sprint(o.status)
		}
		return fmt.Sprintf("%d `%s`", o.status, o.code)
	case accepted:
		return "accepted"
	case refused:
		return fmt.Sprintf("refused %d", o.status)
	case errFrame:
		return fmt.Sprintf("error `%s`", o.code)
	case pongFrame:
		return "`pong`"
	case ackFrame:
		return "ack (`message.created`)"
	case noAnswer:
		return "no answer"
	case reconnected:
		return "`reconnect`, closed"
	case forgotten:
		return "forgotten"
	}
	return fmt.Sprintf("outcome(%d)", o.kind)
}

// sceneState is the state A's conversation must be in for a row.
type sceneState int

const (
	activeScene  sceneState = iota // active, claimed by the assignee
	closedScene                    // closed after the assignee's claim
	waitingScene                   // active, nobody has claimed it yet
)

// scene is A's conversation as the rows act on it: claimed by the assignee,
// with a message of A and one of the assignee made when a row needs them.
type scene struct {
	conv  string
	state sceneState
	// spent is set when a row changed the scene in a way later rows must
	// not see (a message deleted, the claim taken over, the session closed).
	spent      bool
	msgA, msgS string
	// sockets are the callers' own sockets on this scene.
	sockets map[caller]*client.Socket
}

// row is one line of the matrix: a route (or WebSocket route key) in one
// case, the outcome each caller must get, and how to try it.
type row struct {
	route   string
	variant string
	state   sceneState
	// spends is true when a successful call uses the scene up.
	spends bool
	want   [7]outcome
	try    func(m *matrix, t *testing.T, who caller, sc *scene, r *row) outcome
	// body, message and undo shape an HTTP row's call: its JSON body (nil:
	// none), the message its {mid} names, and what to put back after a
	// success.
	body    bodyFunc
	message messageFunc
	undo    undoFunc
}

// name is the row's subtest name: its route and case.
func (r *row) name() string {
	if r.variant == "" {
		return r.route
	}
	return r.route + " (" + r.variant + ")"
}

// websocket reports whether the row is about a WebSocket route.
func (r *row) websocket() bool {
	return strings.HasPrefix(r.route, "$") || !strings.Contains(r.route, " ")
}

// wants lists a row's outcomes, one per caller in the order of callers.
func wants(o ...outcome) [7]outcome {
	if len(o) != len(callers) {
		panic(fmt.Sprintf("a row needs %d outcomes, has %d", len(callers), len(o)))
	}
	return [7]outcome(o)
}

// matrixRows is the authorization matrix of docs/protocol.md: every HTTP route,
// every WebSocket action and every way to connect, for each caller, over
// client A's conversation. Callers: no token, A, B, the assignee, another
// counsellor, a supervisor, A with an expired token; A's conversation
// waiting for a counsellor, assigned to one, or closed.
var matrixRows = []row{
	httpRow("GET /me", "", wants(unauth, ok200, ok200, ok200, ok200, ok200, unauth)),
	// Staff choose the name clients see; clients have none to choose.
	withBody(httpRow("PUT /me", "displayName", wants(unauth, forbid, forbid, ok200, ok200, ok200, unauth)),
		func(*matrix, *testing.T, *scene) any { return map[string]string{"displayName": "Matrix Tester"} }),
	httpRow("POST /ws/ticket", "", wants(unauth, created, created, created, created, created, unauth)),
	withUndo(withBody(httpRow("POST /conversations", "A has an active one", wants(unauth, conflict, created, forbid, forbid, forbid, unauth)),
		func(*matrix, *testing.T, *scene) any { return map[string]any{} }), closeCreated),
	httpRow("GET /conversations", "", wants(unauth, ok200, ok200, ok200, ok200, ok200, unauth)),
	// Every member of staff sees the queue (an active conversation's
	// record, never its words); a closed one only those who may read it.
	inState(waitingScene, httpRow("GET /conversations/{id}", "waiting", wants(unauth, ok200, notFound, ok200, ok200, ok200, unauth))),
	httpRow("GET /conversations/{id}", "assigned", wants(unauth, ok200, notFound, ok200, ok200, ok200, unauth)),
	inState(closedScene, httpRow("GET /conversations/{id}", "closed", wants(unauth, ok200, notFound, ok200, forbid, ok200, unauth))),
	httpRow("DELETE /conversations/{id}", "active", wants(unauth, conflict, notFound, forbid, forbid, forbid, unauth)),
	spends(inState(closedScene, httpRow("DELETE /conversations/{id}", "closed",
		wants(unauth, noContent, notFound, forbid, forbid, forbid, unauth)))),
	// The words: need to know.
	inState(waitingScene, httpRow("GET /conversations/{id}/messages", "waiting", wants(unauth, ok200, notFound, ok200, ok200, ok200, unauth))),
	httpRow("GET /conversations/{id}/messages", "assigned", wants(unauth, ok200, notFound, ok200, forbid, ok200, unauth)),
	inState(closedScene, httpRow("GET /conversations/{id}/messages", "closed", wants(unauth, ok200, notFound, ok200, forbid, ok200, unauth))),
	// Staff reply only in a conversation assigned to them: claim it first.
	inState(waitingScene, withBody(httpRow("POST /conversations/{id}/messages", "waiting",
		wants(unauth, created, notFound, forbid, forbid, forbid, unauth)), newMessage)),
	withBody(httpRow("POST /conversations/{id}/messages", "assigned", wants(unauth, created, notFound, created, forbid, forbid, unauth)), newMessage),
	inState(closedScene, withBody(httpRow("POST /conversations/{id}/messages", "closed",
		wants(unauth, conflict, notFound, conflict, forbid, conflict, unauth)), newMessage)),
	onMessage(byA, withBody(httpRow("PATCH /conversations/{id}/messages/{mid}", "A's message",
		wants(unauth, ok200, notFound, notFound, forbid, notFound, unauth)), edit)),
	onMessage(byAssignee, withBody(httpRow("PATCH /conversations/{id}/messages/{mid}", "the assignee's message",
		wants(unauth, notFound, notFound, ok200, forbid, notFound, unauth)), edit)),
	spends(onMessage(byA, httpRow("DELETE /conversations/{id}/messages/{mid}", "A's message",
		wants(unauth, noContent, notFound, notFound, forbid, notFound, unauth)))),
	spends(onMessage(byAssignee, httpRow("DELETE /conversations/{id}/messages/{mid}", "the assignee's message",
		wants(unauth, notFound, notFound, noContent, forbid, notFound, unauth)))),
	inState(waitingScene, withBody(httpRow("POST /conversations/{id}/read", "waiting",
		wants(unauth, noContent, notFound, noContent, noContent, noContent, unauth)), readMarker)),
	withBody(httpRow("POST /conversations/{id}/read", "assigned", wants(unauth, noContent, notFound, noContent, forbid, noContent, unauth)), readMarker),
	withBody(httpRow("PUT /conversations/{id}/retention", "", wants(unauth, ok200, notFound, forbid, forbid, forbid, unauth)),
		func(*matrix, *testing.T, *scene) any { return map[string]string{"retention": "permanent"} }),
	// Claiming is for a conversation waiting for a counsellor; a
	// colleague's is a conflict, and only a supervisor moves it.
	spends(inState(waitingScene, httpRow("POST /conversations/{id}/claim", "waiting",
		wants(unauth, forbid, notFound, ok200, ok200, ok200, unauth)))),
	httpRow("POST /conversations/{id}/claim", "assigned", wants(unauth, forbid, notFound, ok200, conflict, conflict, unauth)),
	inState(closedScene, httpRow("POST /conversations/{id}/claim", "closed", wants(unauth, forbid, notFound, conflict, conflict, conflict, unauth))),
	spends(inState(waitingScene, withBody(httpRow("POST /conversations/{id}/assign", "waiting, to the other counsellor",
		wants(unauth, forbid, notFound, forbid, forbid, ok200, unauth)), toOther))),
	spends(withBody(httpRow("POST /conversations/{id}/assign", "assigned, to the other counsellor",
		wants(unauth, forbid, notFound, forbid, forbid, ok200, unauth)), toOther)),
	inState(closedScene, withBody(httpRow("POST /conversations/{id}/assign", "closed, to the other counsellor",
		wants(unauth, forbid, notFound, forbid, forbid, conflict, unauth)), toOther)),
	spends(inState(waitingScene, httpRow("POST /conversations/{id}/close", "waiting",
		wants(unauth, forbid, notFound, ok200, ok200, ok200, unauth)))),
	spends(httpRow("POST /conversations/{id}/close", "assigned", wants(unauth, forbid, notFound, ok200, forbid, ok200, unauth))),
	inState(closedScene, httpRow("POST /conversations/{id}/close", "closed", wants(unauth, forbid, notFound, conflict, forbid, conflict, unauth))),
	withBody(httpRow("POST /conversations/{id}/feedback", "active", wants(unauth, conflict, notFound, forbid, forbid, forbid, unauth)), rating),
	spends(inState(closedScene, withBody(httpRow("POST /conversations/{id}/feedback", "closed",
		wants(unauth, noContent, notFound, forbid, forbid, forbid, unauth)), rating))),
	httpRow("GET /availability", "", wants(unauth, ok200, ok200, ok200, ok200, ok200, unauth)),
	httpRow("GET /widget/messages", "", wants(unauth, ok200, notFound, forbid, forbid, forbid, unauth)),
	httpRow("GET /stats", "", wants(unauth, forbid, forbid, ok200, ok200, ok200, unauth)),
	httpRow("GET /audit", "", wants(unauth, forbid, forbid, forbid, forbid, ok200, unauth)),
	httpRow("GET /staff", "", wants(unauth, forbid, forbid, ok200, ok200, ok200, unauth)),
	httpRow("GET /queue", "", wants(unauth, forbid, forbid, ok200, ok200, ok200, unauth)),
	inState(waitingScene, withBody(httpRow("PUT /conversations/{id}/risk", "waiting",
		wants(unauth, forbid, notFound, ok200, ok200, ok200, unauth)), riskByHand)),
	withBody(httpRow("PUT /conversations/{id}/risk", "assigned", wants(unauth, forbid, notFound, ok200, forbid, ok200, unauth)), riskByHand),
	inState(closedScene, withBody(httpRow("PUT /conversations/{id}/risk", "closed",
		wants(unauth, forbid, notFound, conflict, forbid, conflict, unauth)), riskByHand)),

	inState(waitingScene, connectRow("conversationId: A's, waiting", wants(noTicket, open, refusal(403), open, open, open, refusal(401)), dialA)),
	connectRow("conversationId: A's, assigned", wants(noTicket, open, refusal(403), open, refusal(403), open, refusal(401)), dialA),
	connectRow("no conversationId: the staff feed", wants(noTicket, refusal(403), refusal(403), open, open, open, refusal(401)), dialFeed),
	connectRow("conversationId: none such", wants(noTicket, refusal(403), refusal(403), refusal(403), refusal(403), refusal(403), refusal(401)), dialUnknown),
	connectRow("ticket already used", wants(noTicket, refusal(401), refusal(401), refusal(401), refusal(401), refusal(401), refusal(401)), dialUsedTicket),
	connectRow("Origin: https://evil.example", wants(noTicket, refusal(403), refusal(403), refusal(403), refusal(403), refusal(403), refusal(403)), dialEvilOrigin),
	{route: "$connect", variant: "access token in the URL, no ticket", try: (*matrix).tokenInURL,
		want: wants(noTicket, refusal(401), refusal(401), refusal(401), refusal(401), refusal(401), refusal(401))},
	inState(waitingScene, frameRow("sendMessage", "waiting", wants(noTicket, ack, errorFrame(chat.CodeNotFound),
		errorFrame(chat.CodeForbidden), errorFrame(chat.CodeForbidden), errorFrame(chat.CodeForbidden), reconnect), sendFrame)),
	frameRow("sendMessage", "assigned", wants(noTicket, ack, errorFrame(chat.CodeNotFound), ack, errorFrame(chat.CodeForbidden),
		errorFrame(chat.CodeForbidden), reconnect), sendFrame),
	inState(waitingScene, frameRow("typing", "waiting", wants(noTicket, silent, errorFrame(chat.CodeNotFound), silent, silent, silent, reconnect), typingFrame)),
	frameRow("typing", "assigned", wants(noTicket, silent, errorFrame(chat.CodeNotFound), silent, errorFrame(chat.CodeForbidden), silent, reconnect), typingFrame),
	inState(waitingScene, frameRow("markRead", "waiting", wants(noTicket, silent, errorFrame(chat.CodeNotFound), silent, silent, silent, reconnect), readFrame)),
	frameRow("markRead", "assigned", wants(noTicket, silent, errorFrame(chat.CodeNotFound), silent, errorFrame(chat.CodeForbidden), silent, reconnect), readFrame),
	frameRow("ping", "", wants(noTicket, pong, pong, pong, pong, pong, reconnect),
		func(*matrix, *testing.T, *scene, string) map[string]any { return map[string]any{"action": "ping"} }),
	frameRow("$default", "", wants(noTicket, errorFrame(chat.CodeUnknownAction), errorFrame(chat.CodeUnknownAction),
		errorFrame(chat.CodeUnknownAction), errorFrame(chat.CodeUnknownAction), errorFrame(chat.CodeUnknownAction), reconnect),
		func(m *matrix, t *testing.T, sc *scene, cmid string) map[string]any {
			return map[string]any{"action": "dance", "conversationId": sc.conv}
		}),
	{route: "$disconnect", variant: "close the socket", want: wants(noTicket, forgot, forgot, forgot, forgot, forgot, forgot), try: (*matrix).disconnect},
}

func sendFrame(m *matrix, t *testing.T, sc *scene, cmid string) map[string]any {
	return map[string]any{"action": "sendMessage", "conversationId": sc.conv, "clientMessageId": cmid, "body": say("matrix frame")}
}

func typingFrame(m *matrix, t *testing.T, sc *scene, cmid string) map[string]any {
	return map[string]any{"action": "typing", "conversationId": sc.conv, "typing": true}
}

func readFrame(m *matrix, t *testing.T, sc *scene, cmid string) map[string]any {
	return map[string]any{"action": "markRead", "conversationId": sc.conv, "messageId": m.msgA(t, sc)}
}

// readMarker marks A's message read: in a waiting scene nobody else may
// have written yet (staff reply once they claim).
func readMarker(m *matrix, t *testing.T, sc *scene) any {
	return map[string]string{"messageId": m.msgA(t, sc)}
}

// riskByHand sets the risk by hand with a reason code.
func riskByHand(m *matrix, t *testing.T, sc *scene) any {
	return map[string]string{"level": "concern", "reason": "assessed-in-conversation"}
}

// toOther assigns the conversation to the other counsellor.
func toOther(m *matrix, t *testing.T, sc *scene) any { return map[string]string{"to": m.other.UserID} }

// TestAuthorizationMatrix walks every HTTP route, every WebSocket action and
// every way to connect as each caller over client A's conversation, and
// checks the exact status or code docs/protocol.md gives. The table is also
// docs/security.md's: -update writes it there, and the test fails when the
// document says something else.
func TestAuthorizationMatrix(t *testing.T) {
	checkEveryRouteHasARow(t, matrixRows)
	checkGeneratedSection(t, securityDoc, matrixSection, matrixMarkdown(matrixRows))

	m := newMatrix(t)
	// Rows on the WebSocket first (their sockets are opened on the scene
	// they start with), then HTTP rows on an active conversation, then on a
	// closed one, so the scene changes as rarely as possible.
	order := slices.Clone(matrixRows)
	slices.SortStableFunc(order, func(a, b row) int {
		return cmp.Compare(rank(a), rank(b))
	})
	// The expired token's column comes first: its sockets and tickets are
	// made while the token is still valid.
	for _, who := range []caller{expiredA, noToken, clientA, clientB, staffAssignee, staffOther, supervisor} {
		t.Run(who.String(), func(t *testing.T) {
			if who == expiredA && !local() {
				t.Skip("an expired token needs the local pool's signing key; not checked against a deployment")
			}
			expiredIn := map[sceneState]bool{}
			for i := range order {
				r := &order[i]
				if who == expiredA && !expiredIn[r.state] {
					// The token's tickets and sockets of this state's rows
					// are made while it is valid.
					m.expire(t, r.state)
					expiredIn[r.state] = true
				}
				t.Run(r.name(), func(t *testing.T) {
					sc := m.scene(t, r.state)
					got := r.try(m, t, who, sc, r)
					if got != r.want[who] {
						t.Errorf("%s as %s: got %s, want %s", r.name(), who, got, r.want[who])
					}
					if r.spends && got.kind == answered && got.status < 300 {
						sc.spent = true
					}
				})
			}
		})
	}
}

// rank orders the rows as TestAuthorizationMatrix runs them: by the state
// of the scene (waiting, assigned, closed), WebSocket rows first in each,
// so the scene changes as rarely as possible.
func rank(r row) int {
	n := [...]int{activeScene: 2, closedScene: 4, waitingScene: 0}[r.state]
	if !r.websocket() {
		n++
	}
	return n
}

// checkEveryRouteHasARow fails when a route of the shared route table has
// no row, or a row names a route that does not exist.
func checkEveryRouteHasARow(t *testing.T, rows []row) {
	t.Helper()
	have := map[string]bool{}
	for _, r := range rows {
		have[r.route] = true
	}
	known := map[string]bool{}
	for _, r := range routes.HTTP {
		known[r.Key()] = true
		if !have[r.Key()] {
			t.Errorf("HTTP route %q has no row in the authorization matrix", r.Key())
		}
	}
	for _, r := range routes.WebSocket {
		known[r.Key] = true
		if !have[r.Key] {
			t.Errorf("WebSocket route %q has no row in the authorization matrix", r.Key)
		}
	}
	for route := range have {
		if !known[route] {
			t.Errorf("the matrix has rows for %q, which is not a route", route)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// matrixSection marks the generated matrix in docs/security.md.
const matrixSection = "authorization matrix"

// matrixMarkdown is the matrix as a Markdown table.
func matrixMarkdown(rows []row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d rows × %d callers = %d cells, each checked by `TestAuthorizationMatrix` (e2e) against the running stack.\n\n",
		len(rows), len(callers), len(rows)*len(callers))
	b.WriteString("| Route | Case |")
	for _, c := range callers {
		b.WriteString(" " + c.String() + " |")
	}
	b.WriteString("\n|---|---|")
	b.WriteString(strings.Repeat("---|", len(callers)))
	b.WriteString("\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| `%s` | %s |", r.route, r.variant)
		for _, c := range callers {
			b.WriteString(" " + r.want[c].String() + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// matrix holds the people of the matrix and A's conversation.
type matrix struct {
	// t is the whole test's: sockets used across rows close when it ends.
	t                          *testing.T
	a, b, assignee, other, sup *e2ekit.Person
	// http is each caller's HTTP client; the expired one is set by expire.
	http map[caller]*client.Client
	// bConv is B's own conversation (closed), which B's socket names.
	bConv string
	sc    *scene
	// expired holds what was made with A's token before it expired.
	expired struct {
		tickets []string
		used    string
		sockets map[string]*client.Socket
	}
}

func newMatrix(t *testing.T) *matrix {
	m := &matrix{
		t: t,
		a: newPerson(t, false), b: newPerson(t, false),
		assignee: newPerson(t, true), other: newPerson(t, true), sup: newSupervisor(t),
	}
	m.http = map[caller]*client.Client{
		noToken:       client.New(deployment.ep.HTTPAPI, "", deployment.origin),
		clientA:       m.a.Client,
		clientB:       m.b.Client,
		staffAssignee: m.assignee.Client,
		staffOther:    m.other.Client,
		supervisor:    m.sup.Client,
	}
	// Each member of staff enters the staff directory with GET /me, as the
	// dashboard does: the other counsellor must be there to be assigned.
	for _, p := range []*e2ekit.Person{m.assignee, m.other, m.sup} {
		if _, err := p.Me(e2ekit.Context(t, 10*time.Second)); err != nil {
			t.Fatalf("GET /me of %s: %v", p.Username, err)
		}
	}
	m.bConv = startConversation(t, m.b)
	m.closeConversation(t, m.bConv)
	return m
}

// person is who stands behind a caller with a valid token (A for the
// expired column: it is A's conversation).
func (m *matrix) person(who caller) *e2ekit.Person {
	switch who {
	case clientB:
		return m.b
	case staffAssignee:
		return m.assignee
	case staffOther:
		return m.other
	case supervisor:
		return m.sup
	}
	return m.a
}

// scene returns A's conversation in state, making a fresh one when the
// current one is spent or in the wrong state.
func (m *matrix) scene(t *testing.T, state sceneState) *scene {
	t.Helper()
	sc := m.sc
	if sc != nil && !sc.spent && sc.state == state {
		return sc
	}
	if sc != nil && !sc.spent && sc.state == waitingScene && state != waitingScene {
		m.claim(t, sc.conv)
		sc.state = activeScene
		if state == activeScene {
			return sc
		}
	}
	if sc != nil && !sc.spent && sc.state == activeScene && state == closedScene {
		m.closeConversation(t, sc.conv)
		sc.state = closedScene
		return sc
	}
	if sc != nil {
		m.closeConversation(t, sc.conv)
		// Its sockets are done with: a caller may hold only so many.
		for who, s := range sc.sockets {
			s.Close()
			delete(sc.sockets, who)
		}
	}
	sc = &scene{conv: startConversation(t, m.a), sockets: map[caller]*client.Socket{}, state: waitingScene}
	if state == waitingScene {
		m.sc = sc
		return sc
	}
	m.claim(t, sc.conv)
	sc.state = activeScene
	if state == closedScene {
		m.closeConversation(t, sc.conv)
		sc.state = closedScene
	}
	m.sc = sc
	return sc
}

// claim makes the assignee the scene's counsellor.
func (m *matrix) claim(t *testing.T, id string) {
	t.Helper()
	if _, err := m.assignee.Claim(e2ekit.Context(t, 10*time.Second), id); err != nil {
		t.Fatalf("the assignee claims the scene: %v", err)
	}
}

// closeConversation closes a conversation as a supervisor (who may close
// any, whoever it is assigned to); one already closed is fine.
func (m *matrix) closeConversation(t *testing.T, id string) {
	t.Helper()
	_, err := m.sup.Close(e2ekit.Context(t, 10*time.Second), id)
	var e *client.APIError
	if err != nil && !(errors.As(err, &e) && e.Code == chat.CodeConflict) {
		t.Fatalf("close %s: %v", id, err)
	}
}

// msgA is a message of A in the scene, sent when first needed.
func (m *matrix) msgA(t *testing.T, sc *scene) string {
	t.Helper()
	if sc.msgA == "" {
		sc.msgA = send(t, m.a, sc.conv, "mx-a-"+e2ekit.UniqueName(""), say("a message of A")).ID
	}
	return sc.msgA
}

// msgS is a message of the assignee in the scene, sent when first needed.
func (m *matrix) msgS(t *testing.T, sc *scene) string {
	t.Helper()
	if sc.msgS == "" {
		sc.msgS = send(t, m.assignee, sc.conv, "mx-s-"+e2ekit.UniqueName(""), say("a message of the assignee")).ID
	}
	return sc.msgS
}

// expiredTickets is how many unused tickets of the expired token the
// matrix needs.
const expiredTickets = 4

// expire makes A's expiring token, trades it for tickets and sockets while
// it is valid, and waits until the stack refuses it. The token lives a few
// seconds, so the wait is short; what a busy machine could not make in that
// time is made with another token that lives twice as long, so slowness
// costs time and never fails the test.
func (m *matrix) expire(t *testing.T, state sceneState) {
	t.Helper()
	sc := m.scene(t, state)
	// One socket per frame row of the scene's state: A may hold no more
	// than the connection cap at once, so each state has its own round.
	var routes []string
	for _, r := range matrixRows {
		if r.route != "$connect" && r.route != "$disconnect" && r.websocket() && r.state == state {
			routes = append(routes, r.name())
		}
	}
	if m.expired.sockets == nil {
		m.expired.sockets = map[string]*client.Socket{}
	}
	if len(routes) == 0 {
		return
	}
	var c *client.Client
	missing := func() bool {
		for _, name := range routes {
			if m.expired.sockets[name] == nil {
				return true
			}
		}
		return len(m.expired.tickets) < expiredTickets
	}
	for validity := 4 * time.Second; missing(); validity *= 2 {
		if validity > 2*e2ekit.Patience {
			t.Fatalf("tokens living up to %s expired before their tickets and sockets were made", validity/2)
		}
		if c != nil {
			t.Logf("the token expired before its tickets and sockets were made: the rest with one that lives %s", validity)
		}
		// A token's exp is in whole seconds.
		expiresAt := time.Now().Add(validity).Truncate(time.Second)
		c = client.New(deployment.ep.HTTPAPI, expiringToken(t, m.a, expiresAt), deployment.origin)
		m.makeWhileValid(t, c, expiresAt, sc, routes)
	}
	waitUntilRefused(t, c, e2ekit.Patience)
	m.http[expiredA] = c
}

// makeWhileValid makes with c, whose token expires at expiresAt, the
// expired token's tickets and sockets still missing, until the expiry
// refuses a call. A call that fails before then fails the test.
func (m *matrix) makeWhileValid(t *testing.T, c *client.Client, expiresAt time.Time, sc *scene, routes []string) {
	t.Helper()
	ctx := e2ekit.Context(t, e2ekit.Patience)
	// expired reports whether a call's failure is the token's expiry, and
	// fails the test when it cannot be.
	expired := func(what string, err error) bool {
		t.Helper()
		if time.Now().Before(expiresAt) {
			t.Fatalf("%s before the token expired: %v", what, err)
		}
		return true
	}
	// While it is valid, the stack takes it for A: the refusals the matrix
	// sees are about its expiry and nothing else.
	me, err := c.Me(ctx)
	if err != nil && expired("GET /me", err) {
		return
	}
	if me.UserID != m.a.UserID {
		t.Fatalf("the re-signed token before it expires: %+v; want A (%s)", me, m.a.UserID)
	}
	for len(m.expired.tickets) < expiredTickets {
		ticket, err := c.Ticket(ctx)
		if err != nil && expired("ticket", err) {
			return
		}
		remember("ticket", ticket)
		m.expired.tickets = append(m.expired.tickets, ticket)
	}
	for _, name := range routes {
		if m.expired.sockets[name] != nil {
			continue
		}
		ticket, err := c.Ticket(ctx)
		if err != nil && expired("ticket", err) {
			return
		}
		remember("ticket", ticket)
		s, err := client.Dial(ctx, deployment.ep.WebSocket, ticket, sc.conv, deployment.origin)
		if err != nil && expired("connect", err) {
			return
		}
		m.t.Cleanup(func() { s.Close() })
		m.expired.sockets[name] = s
		m.expired.used = ticket
	}
}

// httpRow is a row of an HTTP route; the call has no body unless withBody
// gives one, and acts on A's message unless onMessage says otherwise.
func httpRow(route, variant string, want [7]outcome) row {
	return row{route: route, variant: variant, want: want, try: (*matrix).call}
}

// The parts of an HTTP row's call.
type (
	bodyFunc    func(m *matrix, t *testing.T, sc *scene) any
	messageFunc func(m *matrix, t *testing.T, sc *scene) string
	undoFunc    func(m *matrix, t *testing.T, res client.Response)
)

func withBody(r row, f bodyFunc) row                       { r.body = f; return r }
func onMessage(f messageFunc, r row) row                   { r.message = f; return r }
func withUndo(r row, f undoFunc) row                       { r.undo = f; return r }
func inState(s sceneState, r row) row                      { r.state = s; return r }
func spends(r row) row                                     { r.spends = true; return r }
func byA(m *matrix, t *testing.T, sc *scene) string        { return m.msgA(t, sc) }
func byAssignee(m *matrix, t *testing.T, sc *scene) string { return m.msgS(t, sc) }

func newMessage(m *matrix, t *testing.T, sc *scene) any {
	return map[string]string{"clientMessageId": "mx-" + e2ekit.UniqueName(""), "body": say("a matrix message")}
}

func edit(m *matrix, t *testing.T, sc *scene) any {
	return map[string]string{"body": say("edited by the matrix")}
}

func rating(m *matrix, t *testing.T, sc *scene) any { return map[string]any{"rating": 5} }

// closeCreated closes a conversation the row opened, so that B keeps having
// no active one.
func closeCreated(m *matrix, t *testing.T, res client.Response) {
	var out struct {
		Conversation chat.Conversation `json:"conversation"`
	}
	if err := json.Unmarshal(res.Body, &out); err != nil || out.Conversation.ID == "" {
		t.Fatalf("decode the new conversation %s: %v", res.Body, err)
	}
	m.closeConversation(t, out.Conversation.ID)
}

// call makes the row's HTTP request as who.
func (m *matrix) call(t *testing.T, who caller, sc *scene, r *row) outcome {
	t.Helper()
	method, path, _ := strings.Cut(r.route, " ")
	path = strings.ReplaceAll(path, "{id}", sc.conv)
	if strings.Contains(path, "{mid}") {
		path = strings.ReplaceAll(path, "{mid}", r.message(m, t, sc))
	}
	var body any
	if r.body != nil {
		body = r.body(m, t, sc)
	}
	res, err := m.http[who].Do(e2ekit.Context(t, 10*time.Second), method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	var ticket struct {
		Ticket string `json:"ticket"`
	}
	if json.Unmarshal(res.Body, &ticket) == nil {
		remember("ticket", ticket.Ticket)
	}
	st, code := errorOf(res)
	if r.undo != nil && st < 300 {
		r.undo(m, t, res)
	}
	return failed(st, chat.Code(code))
}

// dialTarget says what a connect row asks for: a conversation ("" for the
// staff feed), a ticket and an Origin.
type dialTarget func(m *matrix, t *testing.T, who caller, sc *scene) (conversationID, ticket, origin string)

func connectRow(variant string, want [7]outcome, target dialTarget) row {
	return row{route: "$connect", variant: variant, want: want, try: func(m *matrix, t *testing.T, who caller, sc *scene, r *row) outcome {
		conv, ticket, origin := target(m, t, who, sc)
		return dial(t, deployment.ep.WebSocket, ticket, conv, origin)
	}}
}

// dial opens a connection and closes it again, and says what happened.
func dial(t *testing.T, wsURL, ticket, conversationID, origin string) outcome {
	t.Helper()
	s, err := client.Dial(e2ekit.Context(t, 10*time.Second), wsURL, ticket, conversationID, origin)
	var refusedErr *client.DialError
	switch {
	case err == nil:
		s.Close()
		return open
	case errors.As(err, &refusedErr) && refusedErr.Status != 0:
		return refusal(refusedErr.Status)
	}
	t.Fatalf("connect: %v", err)
	return outcome{}
}

// ticket is a fresh ticket of who: none without a token, one traded before
// the token expired for the expired column.
func (m *matrix) ticket(t *testing.T, who caller) string {
	t.Helper()
	switch who {
	case noToken:
		return ""
	case expiredA:
		if len(m.expired.tickets) == 0 {
			t.Fatal("no ticket of the expired token left")
		}
		tk := m.expired.tickets[0]
		m.expired.tickets = m.expired.tickets[1:]
		return tk
	}
	tk, err := m.person(who).Ticket(e2ekit.Context(t, 10*time.Second))
	if err != nil {
		t.Fatalf("ticket of %s: %v", who, err)
	}
	remember("ticket", tk)
	return tk
}

// home is the conversation a caller's own sockets name: B's own, the staff
// feed for the other counsellor and the supervisor, A's for the others.
func (m *matrix) home(who caller, sc *scene) string {
	switch who {
	case clientB:
		return m.bConv
	case staffOther, supervisor:
		return ""
	}
	return sc.conv
}

func dialA(m *matrix, t *testing.T, who caller, sc *scene) (string, string, string) {
	return sc.conv, m.ticket(t, who), deployment.origin
}

func dialFeed(m *matrix, t *testing.T, who caller, sc *scene) (string, string, string) {
	return "", m.ticket(t, who), deployment.origin
}

func dialUnknown(m *matrix, t *testing.T, who caller, sc *scene) (string, string, string) {
	return unknownID(), m.ticket(t, who), deployment.origin
}

func dialEvilOrigin(m *matrix, t *testing.T, who caller, sc *scene) (string, string, string) {
	return m.home(who, sc), m.ticket(t, who), "https://evil.example"
}

// dialUsedTicket connects once with a ticket (the expired column used its
// ticket while the token was valid), then offers the same ticket again.
func dialUsedTicket(m *matrix, t *testing.T, who caller, sc *scene) (string, string, string) {
	switch who {
	case noToken:
		return sc.conv, "", deployment.origin
	case expiredA:
		return sc.conv, m.expired.used, deployment.origin
	}
	ticket := m.ticket(t, who)
	if first := dial(t, deployment.ep.WebSocket, ticket, m.home(who, sc), deployment.origin); first != open {
		t.Fatalf("the first use of %s's ticket: %s, want accepted", who, first)
	}
	return m.home(who, sc), ticket, deployment.origin
}

// tokenInURL offers the caller's access token in the query string, as
// AWS's WebSocket samples do, instead of a ticket.
func (m *matrix) tokenInURL(t *testing.T, who caller, sc *scene, r *row) outcome {
	q := url.Values{"conversationId": {m.home(who, sc)}}
	if tok := m.http[who].Token; tok != "" {
		q.Set("token", tok)
	}
	return dial(t, deployment.ep.WebSocket+"?"+q.Encode(), "", "", deployment.origin)
}

// frameBuilder makes a row's frame; cmid is the cell's clientMessageId.
type frameBuilder func(m *matrix, t *testing.T, sc *scene, cmid string) map[string]any

// frameRow is a row of a WebSocket action: the frame is sent on the
// caller's own socket (for the expired column, a socket opened before the
// token expired; without a token there is no socket to send it on).
func frameRow(route, variant string, want [7]outcome, frame frameBuilder) row {
	return row{route: route, variant: variant, want: want, try: func(m *matrix, t *testing.T, who caller, sc *scene, r *row) outcome {
		if who == noToken {
			return dial(t, deployment.ep.WebSocket, "", sc.conv, deployment.origin)
		}
		s := m.socket(t, who, sc, r.name())
		cmid := "mx-" + e2ekit.UniqueName("")
		return exchange(t, s, frame(m, t, sc, cmid), cmid, r.route != "ping")
	}}
}

// socket is who's socket for the scene.
func (m *matrix) socket(t *testing.T, who caller, sc *scene, route string) *client.Socket {
	t.Helper()
	if who == expiredA {
		return m.expired.sockets[route]
	}
	if s := sc.sockets[who]; s != nil {
		return s
	}
	s, err := client.Dial(e2ekit.Context(t, 10*time.Second), deployment.ep.WebSocket, m.ticket(t, who), m.home(who, sc), deployment.origin)
	if err != nil {
		t.Fatalf("%s connects: %v", who, err)
	}
	m.t.Cleanup(func() { s.Close() })
	sc.sockets[who] = s
	return s
}

// exchange sends frame on s and returns its answer: an error frame, a pong,
// the acknowledgement of cmid, a reconnect frame and the close after it, or
// (with marker) nothing before the pong of a ping sent right after it. Frames on one connection are answered in
// order, so everything frame caused has arrived once that pong has; waiting
// for it also keeps a late answer from being taken for the next one's.
func exchange(t *testing.T, s *client.Socket, frame any, cmid string, marker bool) outcome {
	t.Helper()
	ctx := e2ekit.Context(t, e2ekit.Patience)
	before := len(s.Frames())
	if err := s.Send(ctx, frame); err != nil {
		t.Fatalf("send %.80v: %v", frame, err)
	}
	if marker {
		// The answer may have closed the connection; what came back is
		// read below either way.
		_ = s.Send(ctx, map[string]any{"action": "ping"})
	}
	seen := 0
	_, err := s.Wait(ctx, func(f client.Frame) bool {
		seen++
		return seen > before && f.Type == "pong"
	})
	if err != nil && !errors.Is(err, client.ErrClosed) {
		t.Fatalf("no pong after %.80v: %v", frame, err)
	}
	for _, f := range s.Frames()[before:] {
		switch {
		case f.Type == "reconnect":
			// The server closes the connection after saying why.
			if _, err := s.Closed(e2ekit.Context(t, e2ekit.Patience)); err != nil {
				t.Fatalf("the connection stayed open after %s", f.Raw)
			}
			return reconnect
		case f.Type == "":
			t.Fatalf("an answer to %.80v that is no protocol frame: %s", frame, f.Raw)
		case f.Type == "error":
			return errorFrame(f.Code)
		case f.Type == "message.created" && f.Message != nil && f.Message.ClientMessageID == cmid:
			return ack
		case f.Type == "pong" && marker:
			return silent
		case f.Type == "pong":
			return pong
		}
	}
	t.Fatalf("the connection closed without an answer to %.80v: %v", frame, err)
	return outcome{}
}

// disconnect closes who's sockets and checks that the stack forgot them:
// before long (e2ekit.Patience) the person can hold as many connections at
// once as the cap allows (5 by default), which the closed ones would
// otherwise take up.
func (m *matrix) disconnect(t *testing.T, who caller, sc *scene, r *row) outcome {
	t.Helper()
	switch who {
	case noToken:
		return dial(t, deployment.ep.WebSocket, "", sc.conv, deployment.origin)
	case expiredA:
		for _, s := range m.expired.sockets {
			s.Close()
		}
	default:
		if s := sc.sockets[who]; s != nil {
			s.Close()
			delete(sc.sockets, who)
		}
	}
	const connectionCap = 5
	p := m.person(who)
	// The calls' context outlives the wait, so that only the wait decides.
	ctx := e2ekit.Context(t, 2*e2ekit.Patience)
	holdsTheCap := func() bool {
		held := 0
		var sockets []*client.Socket
		for range connectionCap {
			ticket, err := p.Ticket(ctx)
			if err != nil {
				t.Fatalf("ticket: %v", err)
			}
			remember("ticket", ticket)
			s, err := client.Dial(ctx, deployment.ep.WebSocket, ticket, m.home(who, sc), deployment.origin)
			var refusedErr *client.DialError
			if errors.As(err, &refusedErr) && refusedErr.Status == 429 {
				break
			}
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			sockets = append(sockets, s)
			held++
		}
		for _, s := range sockets {
			s.Close()
		}
		return held == connectionCap
	}
	if testkit.Within(e2ekit.Patience, holdsTheCap) {
		return forgot
	}
	return refusal(429)
}
