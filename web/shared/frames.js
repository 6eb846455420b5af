// The names of docs/protocol.md that the clients act on, in one place: the
// server's frames (by type), a client's frames (by action), the two roles,
// the error codes a client reacts to, and the events and states of the
// reconnecting Socket (protocol.js). Plain ES module, no dependencies.

/** Frame names the server's frames by their type. */
export const Frame = Object.freeze({
  MessageCreated: 'message.created',
  MessageUpdated: 'message.updated',
  MessageDeleted: 'message.deleted',
  Typing: 'typing',
  Read: 'read',
  ConversationCreated: 'conversation.created',
  ConversationUpdated: 'conversation.updated',
  ConversationClosed: 'conversation.closed',
  Pong: 'pong',
  Error: 'error',
  Reconnect: 'reconnect',
});

/** Action names a client's frames by their action. */
export const Action = Object.freeze({
  SendMessage: 'sendMessage',
  Typing: 'typing',
  MarkRead: 'markRead',
  Ping: 'ping',
});

/** Role is who a person is: the sender of a message, the side of a frame. */
export const Role = Object.freeze({ Client: 'client', Staff: 'staff' });

/** Code names the error codes a client reacts to. */
export const Code = Object.freeze({
  Unauthorized: 'unauthorized',
  RateLimited: 'rate_limited',
  Conflict: 'conflict',
  Unavailable: 'unavailable',
  Internal: 'internal',
});

/** SocketEvent names the events of a Socket (and of the widget's Link, which relays them). */
export const SocketEvent = Object.freeze({ Frame: 'frame', State: 'state', Open: 'open', Refused: 'refused' });

/** ConnState names the states of a Socket's 'state' event. */
export const ConnState = Object.freeze({
  Connecting: 'connecting',
  Open: 'open',
  Reconnecting: 'reconnecting',
  Offline: 'offline',
  Closed: 'closed',
});

/** conversationOf is the conversation a server frame is about (null for pong and error frames). */
export function conversationOf(frame) {
  return frame.conversationId || (frame.conversation && frame.conversation.id) || null;
}
