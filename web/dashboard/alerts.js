// How the dashboard gets a counsellor's attention: a short beep (WebAudio,
// no sound file), a desktop notification when permitted, and the unread
// total in the tab title while the tab is hidden.

/** baseTitle is the page title without the unread count. */
export const baseTitle = 'Confide dashboard';

const previewsKey = 'confide.dashboard.notificationPreviews';
const soundKey = 'confide.dashboard.sound';

/**
 * Alerts plays sounds and shows notifications. Notification bodies are
 * plain text (the Notification API renders no markup). Whether they carry
 * the message text is the counsellor's choice, off by default: operating
 * systems keep notifications in a history anyone at the screen can read.
 */
export class Alerts {
  constructor({ storage = globalThis.localStorage } = {}) {
    this.storage = storage;
    this.audio = null;
    this.lastBeep = 0;
    this.lastUrgent = 0;
    this.sound = this.pref(soundKey, true);
    this.previews = this.pref(previewsKey, false);
  }

  pref(key, fallback) {
    try {
      const v = this.storage.getItem(key);
      return v === null ? fallback : v === 'true';
    } catch (err) {
      return fallback;
    }
  }

  /** setSound and setPreviews remember the counsellor's choices (not data). */
  setSound(on) { this.sound = on; this.save(soundKey, on); }
  setPreviews(on) { this.previews = on; this.save(previewsKey, on); }

  save(key, on) {
    try { this.storage.setItem(key, String(on)); } catch (err) { /* private mode */ }
  }

  /** unlock creates the audio context during a user gesture (autoplay rules). */
  unlock() {
    if (this.audio || !globalThis.AudioContext) return;
    try {
      this.audio = new AudioContext();
    } catch (err) {
      this.audio = null;
    }
  }

  /**
   * beep plays a short tone, at most once a second; urgent, three rising
   * tones instead, whatever beeped just before (the message that made a
   * conversation urgent beeps a moment earlier), at most once a second too.
   */
  beep({ urgent = false } = {}) {
    const last = urgent ? 'lastUrgent' : 'lastBeep';
    if (!this.sound || !this.audio || Date.now() - this[last] < 1000) return;
    this[last] = Date.now();
    try {
      if (this.audio.state === 'suspended') this.audio.resume();
      if (!urgent) return this.tone(880, 0);
      [0, 0.3, 0.6].forEach((at, i) => this.tone([740, 880, 1040][i], at));
    } catch (err) { /* no audio device */ }
  }

  /** tone plays frequency (Hz) for a quarter of a second, after (s). */
  tone(frequency, after) {
    const start = this.audio.currentTime + after;
    const osc = this.audio.createOscillator();
    const gain = this.audio.createGain();
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.15, start);
    gain.gain.exponentialRampToValueAtTime(0.001, start + 0.25);
    osc.connect(gain).connect(this.audio.destination);
    osc.start(start);
    osc.stop(start + 0.25);
  }

  /** permission is the Notification permission ('unsupported' without the API). */
  permission() {
    return globalThis.Notification ? Notification.permission : 'unsupported';
  }

  /** askPermission asks to show desktop notifications (from a click). */
  async askPermission() {
    if (!globalThis.Notification) return 'unsupported';
    try {
      return await Notification.requestPermission();
    } catch (err) {
      return Notification.permission;
    }
  }

  /**
   * notify shows a desktop notification when permitted. preview is the
   * message text, used only when the counsellor chose previews; fallback is
   * said otherwise. onClick brings the conversation up.
   */
  notify({ title, preview, fallback, tag, onClick }) {
    if (this.permission() !== 'granted') return;
    const body = this.previews && preview ? String(preview) : fallback;
    try {
      const n = new Notification(title, { body, tag, silent: true });
      n.onclick = () => { globalThis.focus(); onClick(); n.close(); };
    } catch (err) { /* some browsers only allow service-worker notifications */ }
  }

  /** title shows the unread total in the tab title while the tab is hidden. */
  title(unread) {
    const hidden = document.visibilityState === 'hidden';
    document.title = hidden && unread > 0 ? `(${unread}) ${baseTitle}` : baseTitle;
  }
}
