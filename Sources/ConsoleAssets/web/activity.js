// The outcome of every action taken from this page, newest first, as plain sentences: what was
// asked of which agent and what came back — the answer, a refusal, a timeout or an error.
import { h, replace } from './dom.js';
import { time } from './format.js';

const limit = 30;

class Activity extends EventTarget {
  entries = [];

  /** `{ subject, action, ok, text }` */
  record(entry) {
    this.entries.unshift({ at: new Date().toISOString(), ...entry });
    this.entries.length = Math.min(this.entries.length, limit);
    this.dispatchEvent(new Event('change'));
  }
}

export const activity = new Activity();

export function activityPanel() {
  const list = h('ol', { class: 'activity', 'aria-live': 'polite' });
  const draw = () => replace(list, activity.entries.map((entry) => h('li', { class: entry.ok ? 'ok' : 'bad', dataset: { action: entry.action } },
    h('time', null, time(entry.at)), ' ', h('strong', null, entry.subject), ` ${entry.action}: `, entry.text)));
  activity.addEventListener('change', draw);
  draw();
  const element = h('section', { class: 'panel' }, h('h3', null, 'Activity'), list);
  return { element, dispose: () => activity.removeEventListener('change', draw) };
}
