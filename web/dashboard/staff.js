// The staff directory (GET /staff): how colleagues are named, by their
// display name or else their username (never by their id), and whom a
// supervisor can assign a conversation to. Members enter it by opening the
// dashboard (GET /me), so one the page does not know yet is asked about
// again, at most once a minute.

/** memberName is how a member of staff is shown: their display name, else their username. */
export function memberName(m) {
  return String(m.displayName || '').trim() || String(m.username || '');
}

/** relearnAfter is how long an id the directory did not know waits before it is asked about again (ms). */
export const relearnAfter = 60000;

/** StaffDirectory holds the directory in memory (names only: nothing of it is written anywhere). */
export class StaffDirectory {
  /** api: the protocol Api (its staff()); now: the clock, for tests. */
  constructor({ api, now = () => Date.now() }) {
    this.api = api;
    this.now = now;
    this.byId = new Map();
    this.asked = new Map();
    this.loading = null;
    this.generation = 0;
  }

  /** load reads the whole directory; calls while one is on its way share it. */
  load() {
    if (!this.loading) {
      const generation = this.generation;
      this.loading = this.api.staff()
        .then(({ staff }) => {
          if (generation === this.generation) this.byId = new Map((staff || []).map((m) => [m.userId, m]));
        })
        .finally(() => { if (generation === this.generation) this.loading = null; });
    }
    return this.loading;
  }

  /** knows says whether id is a member of the directory as last read. */
  knows(id) { return this.byId.has(id); }

  /** name is how the member id is shown, or null when the directory does not know them. */
  name(id) {
    const m = this.byId.get(id);
    return m ? memberName(m) : null;
  }

  /**
   * learn reads the directory again when it does not know one of ids (a
   * colleague who signed in since it was read); it resolves to whether it
   * learnt one of them. Each unknown id is asked about at most once per
   * relearnAfter, so an id that is nobody's costs no stream of requests.
   */
  async learn(ids) {
    const now = this.now();
    const unknown = [...new Set(ids)].filter((id) => id && !this.byId.has(id)
      && !(this.asked.has(id) && now - this.asked.get(id) < relearnAfter));
    if (!unknown.length) return false;
    for (const id of unknown) this.asked.set(id, now);
    try {
      await this.load();
    } catch (err) {
      return false;
    }
    return unknown.some((id) => this.byId.has(id));
  }

  /** members lists the directory by name. */
  members() {
    return [...this.byId.values()].sort((a, b) => memberName(a).localeCompare(memberName(b)) || (a.userId < b.userId ? -1 : 1));
  }

  /** clear forgets the directory (sign-out). */
  clear() {
    this.generation++;
    this.loading = null;
    this.byId = new Map();
    this.asked = new Map();
  }
}
