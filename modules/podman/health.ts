/**
 * Waiting for a container to be healthy: a WaitAction (the host retries, one round trip). Each
 * attempt runs the container's healthcheck now (`podman healthcheck run`), which also works where
 * podman has no systemd timers to run it (plain hosts); a failed attempt prints the container's
 * health log, so a timeout says why.
 */
import type { WaitAction } from '../../runner/module.types.js';
import { sh } from '../../runner/shell.js';
import { podmanScript } from './common.js';

export function healthyWait(name: string, timeoutSeconds: number): WaitAction {
  const attempt = podmanScript(
    sh`podman healthcheck run ${name} >/dev/null 2>&1 && exit 0
podman inspect --format '{{.State.Health.Status}} (failing streak {{.State.Health.FailingStreak}}){{range .State.Health.Log}}
{{.ExitCode}}: {{.Output}}{{end}}' ${name} 2>&1 | tail -n 6; exit 1`,
  );
  return { kind: 'wait', script: attempt, describe: `container ${name} to be healthy`, intervalMs: 1000, timeoutMs: timeoutSeconds * 1000 };
}
