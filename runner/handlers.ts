/**
 * Handler notifications with Ansible's rules:
 *  - a changed task notifies handlers by name or by a `listen` topic;
 *  - at a flush, each notified handler runs once, in the order the handlers are defined (not the
 *    order of notification), only on the hosts that notified it;
 *  - flushes happen after pre_tasks, after tasks, after post_tasks and at flushHandlers();
 *  - a handler notified by an earlier handler in the same flush runs in that flush; one defined
 *    before its notifier waits for the next flush;
 *  - a host that failed after notifying does not run them, unless force_handlers.
 * Unknown handler names are caught at load time (dsl.ts validatePlays).
 */
import type { Task } from './dsl.js';

export class Notifications {
  /** Handler id → hosts that notified it since the last time it ran. */
  readonly #pending = new Map<number, Set<string>>();
  readonly #byTopic = new Map<string, Task[]>();

  constructor(handlers: readonly Task[]) {
    this.add(handlers);
  }

  /** More handlers (an included role's), after those already known; one already known is kept once. */
  add(handlers: readonly Task[]): void {
    const known = new Set([...this.#byTopic.values()].flat().map((h) => h.id));
    for (const h of handlers) {
      if (known.has(h.id)) continue;
      for (const topic of h.listen ?? [h.name]) {
        const list = this.#byTopic.get(topic) ?? [];
        list.push(h);
        this.#byTopic.set(topic, list);
      }
    }
  }

  notify(host: string, names: readonly string[]): void {
    for (const name of names) {
      for (const h of this.#byTopic.get(name) ?? []) {
        let hosts = this.#pending.get(h.id);
        if (!hosts) this.#pending.set(h.id, (hosts = new Set()));
        hosts.add(host);
      }
    }
  }

  /** Whether any handler waits to run on one of these hosts. */
  hasPending(hosts: Iterable<string>): boolean {
    for (const h of hosts) for (const set of this.#pending.values()) if (set.has(h)) return true;
    return false;
  }

  /**
   * The hosts (in the order given) on which `handler` should run now, removing them from its
   * pending set. Hosts not in `eligible` stay pending (a failed host's are removed by drop()).
   */
  take(handler: Task, eligible: readonly string[]): string[] {
    const set = this.#pending.get(handler.id);
    if (!set || set.size === 0) return [];
    const hosts = eligible.filter((h) => set.has(h));
    for (const h of hosts) set.delete(h);
    return hosts;
  }

  /** Forget everything pending for a host (it failed and handlers are not forced). */
  drop(host: string): void {
    for (const set of this.#pending.values()) set.delete(host);
  }
}
