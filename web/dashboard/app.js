// The Confide staff dashboard: sign-in, the role check (staff; supervisor
// or not), the staff directory, and the wiring of the queue, the
// conversation view, the stats strip and the audit tab (supervisors only)
// to the staff feed (one WebSocket without a conversation: every
// conversation's record, and the words of those the person may read).

import { Api, Socket } from '../shared/protocol.js';
import { limitsOf, loadConfig } from '../shared/config.js';
import { Session, friendlySignInError } from '../shared/cognito.js';
import { ConnState, Frame, Role, SocketEvent } from '../shared/frames.js';
import { byId, setText, show } from '../shared/dom.js';
import { ServerClock } from './time.js';
import { Queue } from './queue.js';
import { ConversationView } from './conversation.js';
import { StatsStrip } from './stats.js';
import { AuditView } from './audit.js';
import { Alerts, baseTitle } from './alerts.js';
import { StaffDirectory } from './staff.js';
import { canAudit } from './access.js';
import { UrgentBanner } from './banner.js';
import { cannedRepliesOf } from './canned.js';
import { ProfileControl } from './profile.js';

/** queueTick is how often the waiting times are redrawn (ms). */
const queueTick = 15000;
/** firstLoadWait is how long the queue waits for the feed before loading anyway (ms). */
const firstLoadWait = 2000;

const connectionWords = {
  [ConnState.Connecting]: 'Connecting…',
  [ConnState.Open]: 'Live',
  [ConnState.Reconnecting]: 'Reconnecting…',
  [ConnState.Offline]: 'Offline: waiting for the network',
  [ConnState.Closed]: 'Not connected',
};

/** alertWords are the notifications' title and text (without previews) for each kind of news the queue reports. */
const alertWords = {
  conversation: { title: 'New conversation', fallback: 'A client started a conversation.' },
  message: { title: 'New message from a client', fallback: 'A client sent a message.' },
  assigned: { title: 'Conversation assigned to you', fallback: 'A conversation is now assigned to you.' },
  // Never words, whatever the preview choice: only that it is urgent.
  urgent: { title: 'Urgent conversation', fallback: 'An urgent conversation is waiting.' },
  'urgent-mine': { title: 'Urgent conversation', fallback: 'A conversation assigned to you is now urgent.' },
};

/** urgentAlerts are the kinds of news that alert even on screen, with the urgent sound and no words. */
const urgentAlerts = new Set(['urgent', 'urgent-mine']);

/** Dashboard is one page's dashboard; a sign-in starts a shift, sign-out ends it. */
class Dashboard {
  constructor(config) {
    this.config = config;
    this.session = new Session({ endpoint: config.cognitoEndpoint, clientId: config.userPoolClientId });
    this.api = new Api({ apiUrl: config.httpApi, getToken: (o) => this.session.getToken(o) });
    this.alerts = new Alerts();
    this.clock = new ServerClock();
    this.staff = new StaffDirectory({ api: this.api });
    this.me = null;
    this.socket = null;
    this.ticker = null;
    this.firstLoad = null;

    this.queue = new Queue({
      api: this.api,
      clock: this.clock,
      me: null,
      nameOf: (id) => this.staff.name(id),
      els: { list: byId('queue-list'), more: byId('queue-more'), empty: byId('queue-empty'), status: byId('queue-status') },
      onOpen: (c) => this.open(c),
      isBeingRead: (id) => this.view.isBeingRead(id),
      onRendered: () => this.banner.render(this.queue.urgentRows()),
    });
    this.view = new ConversationView({
      api: this.api,
      socket: null,
      me: null,
      staff: this.staff,
      limits: limitsOf(config),
      clock: this.clock,
      els: {
        placeholder: byId('conv-placeholder'), body: byId('conv-body'), heading: byId('conv-heading'),
        retention: byId('conv-retention'), claimState: byId('conv-claim-state'), claim: byId('claim'),
        close: byId('close-session'), assignForm: byId('assign-form'), assignTo: byId('assign-to'),
        risk: byId('conv-risk'), riskPanel: byId('risk-panel'), riskForm: byId('risk-form'), riskLevel: byId('risk-level'), riskReason: byId('risk-reason'),
        oversight: byId('conv-oversight'), oversightWhy: byId('conv-oversight-why'), restricted: byId('conv-restricted'),
        older: byId('older'), messages: byId('messages'), empty: byId('messages-empty'),
        typing: byId('typing'), closedNote: byId('conv-closed-note'), composer: byId('composer'),
        input: byId('composer-input'), sendButton: byId('composer-send'), error: byId('conv-error'),
        announcer: byId('announcer'), composerClaim: byId('composer-claim'), composerClaimButton: byId('composer-claim-button'),
        cannedHost: byId('canned-host'), composerHint: byId('composer-hint'),
        feedback: byId('conv-feedback'), feedbackRating: byId('conv-feedback-rating'), feedbackComment: byId('conv-feedback-comment'),
        history: byId('conv-history'), historyList: byId('conv-history-list'),
      },
      onRead: (id) => { this.queue.markRead(id); this.alerts.title(this.queue.unreadTotal()); },
      onConversation: (c) => { this.queue.upsertConversation(c); this.renderQueue(); this.stats.soon(); },
      confirmClose: () => this.confirmClose(),
      cannedReplies: cannedRepliesOf(config),
      onOpenId: (id) => this.openById(id),
    });
    this.profile = new ProfileControl({
      api: this.api,
      els: {
        shown: byId('name-shown'), edit: byId('name-edit'), form: byId('name-form'), input: byId('name-input'),
        cancel: byId('name-cancel'), error: byId('name-error'),
      },
      onChange: (me) => {
        this.me = { ...this.me, displayName: me.displayName };
        this.staff.load().then(() => this.renamed(), () => {});
      },
    });
    this.stats = new StatsStrip({
      api: this.api,
      els: {
        active: byId('stat-active'), waiting: byId('stat-waiting'), online: byId('stat-online'),
        firstResponse: byId('stat-first-response'), session: byId('stat-session'),
        satisfaction: byId('stat-satisfaction'), ratings: byId('stat-ratings'),
        urgentToClaim: byId('stat-urgent-to-claim'), urgentWaiting: byId('stat-urgent-waiting'), status: byId('stats-status'),
      },
      feedback: { box: byId('feedback-recent'), summary: byId('feedback-summary'), list: byId('feedback-list') },
      onOpenId: (id) => this.openById(id),
    });
    this.audit = new AuditView({
      api: this.api,
      meId: null,
      staff: this.staff,
      els: {
        form: byId('audit-form'), from: byId('audit-from'), to: byId('audit-to'), rows: byId('audit-rows'),
        more: byId('audit-more'), status: byId('audit-status'),
      },
      onOpenId: (id) => this.openById(id),
    });
    this.banner = new UrgentBanner({
      el: byId('urgent-banner'),
      onOpen: (id) => {
        const row = this.queue.row(id);
        if (!row) return;
        this.tab('tab-conversations');
        if (this.queue.filter !== 'active') this.filter('active');
        this.open(row.conv);
      },
    });
    this.wire();
  }

  /** renderQueue redraws the queue (and with it the urgent banner) and the open conversation's level: waiting times move on. */
  renderQueue() {
    this.queue.render();
    this.view.renderRisk();
  }

  wire() {
    byId('signin-form').addEventListener('submit', (ev) => { ev.preventDefault(); this.signIn(); });
    // Enabled only now: a submit before this would reload the page.
    byId('signin-submit').disabled = false;
    byId('signout').addEventListener('click', () => this.signOut());
    byId('staff-only-signout').addEventListener('click', () => this.signOut());
    byId('queue-more').addEventListener('click', () => this.queue.more());
    for (const filter of ['active', 'closed']) {
      byId('filter-' + filter).addEventListener('click', () => this.filter(filter));
    }
    for (const tab of [byId('tab-conversations'), byId('tab-audit')]) {
      tab.addEventListener('click', () => this.tab(tab.id));
      tab.addEventListener('keydown', (ev) => {
        if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
        // The arrows move between the tabs shown (a counsellor has no audit tab).
        const tabs = [...document.querySelectorAll('.tabs [role="tab"]')].filter((t) => !t.hidden);
        const i = tabs.indexOf(tab);
        const next = tabs[(i + (ev.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
        next.focus();
        this.tab(next.id);
      });
    }
    const sound = byId('sound-toggle');
    sound.checked = this.alerts.sound;
    sound.addEventListener('change', () => this.alerts.setSound(sound.checked));
    const previews = byId('preview-toggle');
    previews.checked = this.alerts.previews;
    previews.addEventListener('change', () => this.alerts.setPreviews(previews.checked));
    byId('notify-enable').addEventListener('click', async () => {
      await this.alerts.askPermission();
      show(byId('notify-enable'), this.alerts.permission() === 'default');
    });
    document.addEventListener('visibilitychange', () => {
      if (!this.me) return;
      this.view.readIfVisible();
      this.alerts.title(this.queue.unreadTotal());
    });
  }

  views(name) {
    show(byId('signin-view'), name === 'signin');
    show(byId('staff-only-view'), name === 'staff-only');
    show(byId('app-view'), name === 'app');
  }

  async signIn() {
    const button = byId('signin-submit');
    const username = byId('signin-username').value.trim();
    const password = byId('signin-password');
    const error = byId('signin-error');
    if (!username || !password.value) {
      setText(error, 'Enter your username and password.');
      return;
    }
    this.alerts.unlock();
    button.disabled = true;
    setText(error, '');
    try {
      await this.session.signIn(username, password.value);
      password.value = '';
      const me = await this.api.me();
      if (me.role !== Role.Staff) {
        this.views('staff-only');
        byId('staff-only-signout').focus();
        return;
      }
      this.start(me);
    } catch (err) {
      this.session.signOut();
      setText(error, err.name === 'CognitoError' ? friendlySignInError(err) : 'Sign-in failed: ' + err.message);
    } finally {
      button.disabled = false;
    }
  }

  start(me) {
    this.me = me;
    this.queue.me = this.view.me = me;
    this.audit.meId = me.userId;
    setText(byId('me-label'), 'Signed in as ' + me.username + (me.supervisor ? ' (supervisor)' : ''));
    this.profile.render(me);
    show(byId('notify-enable'), this.alerts.permission() === 'default');
    // The audit trail is for supervisors: a counsellor has no tab for it.
    show(byId('tab-audit'), canAudit(me));
    this.views('app');
    this.tab('tab-conversations');
    this.staff.load().then(() => this.renamed(), () => { /* colleagues stay "a colleague" until the next try */ });

    const socket = new Socket({ api: this.api, wsUrl: this.config.websocket, conversationId: null });
    this.socket = socket;
    this.view.socket = socket;
    socket.addEventListener(SocketEvent.Frame, (ev) => this.frame(ev.detail));
    socket.addEventListener(SocketEvent.State, (ev) => this.connection(ev.detail));
    socket.addEventListener(SocketEvent.Open, (ev) => this.opened(ev.detail.reconnect));
    socket.addEventListener(SocketEvent.Refused, () => this.signOut('Your session has ended. Please sign in again.'));
    socket.start();
    // The queue is read once the feed is open (nothing said in between is
    // lost); should the feed be slow, it is read anyway.
    this.firstLoad = setTimeout(() => { this.queue.load('active'); this.stats.refresh(); }, firstLoadWait);
    this.stats.start();
    this.ticker = setInterval(() => this.renderQueue(), queueTick);
    byId('tab-conversations').focus();
  }

  opened(reconnect) {
    clearTimeout(this.firstLoad);
    this.queue.reload();
    if (reconnect) {
      this.view.resync();
      this.stats.soon();
    } else {
      this.stats.refresh();
    }
  }

  connection(state) {
    const status = byId('conn-status');
    setText(status, connectionWords[state] || state);
    status.dataset.state = state;
  }

  async frame(frame) {
    if (frame.type === Frame.Pong) return;
    if (frame.type === Frame.Error) {
      this.view.refused(frame);
      return;
    }
    this.view.apply(frame);
    const { row, alert } = await this.queue.apply(frame);
    if (!this.me) return;
    // A colleague the directory does not know yet (signed in since) is named once it is read again.
    const assignee = frame.conversation && frame.conversation.assignee;
    if (assignee && !this.staff.knows(assignee)) this.staff.learn([assignee]).then((learnt) => learnt && this.renamed());
    if (row) this.renderQueue();
    const convId = row && row.conv.id;
    // An urgent conversation alerts even on screen: someone must claim it.
    const urgent = urgentAlerts.has(alert);
    if (alert && (urgent || !this.view.isBeingRead(convId))) {
      this.alerts.beep({ urgent });
      const m = frame.type === Frame.MessageCreated ? frame.message : null;
      this.alerts.notify({
        ...alertWords[alert],
        // Words only where the queue shows them (a supervisor's notification
        // of a waiting conversation reads nothing the audit trail would not see).
        preview: m && !m.deleted && row.reads ? m.body : null,
        tag: convId,
        onClick: () => this.open(row.conv),
      });
    }
    this.alerts.title(this.queue.unreadTotal());
    if (frame.type.startsWith('conversation.') || frame.type === Frame.MessageCreated) this.stats.soon();
  }

  open(conv) {
    this.queue.select(conv.id);
    this.view.open(conv);
  }

  /**
   * openById opens a conversation named by a link (the audit trail, the
   * client's history, a feedback comment): its record is read, the
   * conversations tab shown, and the queue's filter follows its status.
   */
  async openById(id) {
    let conversation;
    try {
      ({ conversation } = await this.api.getConversation(id));
    } catch (err) {
      setText(byId('announcer'), 'Could not open the conversation: ' + err.message);
      return;
    }
    if (!this.me) return;
    this.tab('tab-conversations');
    const filter = conversation.status === 'active' ? 'active' : 'closed';
    if (this.queue.filter !== filter) this.filter(filter);
    this.queue.upsertConversation(conversation, true);
    this.renderQueue();
    this.open(conversation);
    byId('conv-heading').focus();
  }

  /** renamed shows colleagues' names after the staff directory was read. */
  renamed() {
    if (!this.me) return;
    this.queue.render();
    this.view.renamed();
  }

  filter(name) {
    for (const f of ['active', 'closed']) byId('filter-' + f).setAttribute('aria-pressed', String(f === name));
    this.queue.setFilter(name);
  }

  tab(id) {
    if (id === 'tab-audit' && !canAudit(this.me)) id = 'tab-conversations';
    for (const [tabId, panelId] of [['tab-conversations', 'panel-conversations'], ['tab-audit', 'panel-audit']]) {
      const on = tabId === id;
      const tab = byId(tabId);
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      show(byId(panelId), on);
    }
    if (id === 'tab-audit' && !byId('audit-rows').children.length) {
      this.audit.defaults();
      this.audit.load();
    }
  }

  confirmClose() {
    const dialog = byId('close-dialog');
    return new Promise((resolve) => {
      const done = (ok) => {
        byId('close-confirm').removeEventListener('click', yes);
        byId('close-cancel').removeEventListener('click', no);
        dialog.removeEventListener('cancel', no);
        if (dialog.open) dialog.close();
        byId('close-session').focus();
        resolve(ok);
      };
      const yes = () => done(true);
      const no = () => done(false);
      byId('close-confirm').addEventListener('click', yes);
      byId('close-cancel').addEventListener('click', no);
      dialog.addEventListener('cancel', no);
      dialog.showModal();
      byId('close-cancel').focus();
    });
  }

  /** signOut ends the shift: the feed closes and every token and datum is forgotten. */
  signOut(message = '') {
    if (this.socket) this.socket.stop();
    this.socket = null;
    this.view.socket = null;
    clearTimeout(this.firstLoad);
    clearInterval(this.ticker);
    this.stats.stop();
    this.queue.clear();
    this.view.closeView();
    this.audit.clear();
    this.staff.clear();
    this.session.signOut();
    this.me = null;
    this.queue.me = this.view.me = null;
    this.audit.meId = null;
    show(byId('tab-audit'), false);
    setText(byId('me-label'), '');
    this.profile.render(null);
    document.title = baseTitle;
    this.connection(ConnState.Closed);
    this.views('signin');
    setText(byId('signin-error'), message);
    byId('signin-password').value = '';
    byId('signin-username').focus();
  }
}

async function boot() {
  let config;
  try {
    config = await loadConfig();
  } catch (err) {
    setText(byId('signin-error'), 'The dashboard cannot load its settings. Try again later.');
    return;
  }
  return new Dashboard(config);
}

boot();
