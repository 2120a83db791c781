/**
 * Waiting for a container to be healthy. Each attempt runs the container's healthcheck now
 * (`podman healthcheck run`), which also works where podman has no systemd timers to run it (plain
 * hosts); a failed attempt prints the container's last health log, so a timeout shows why.
 */
import type { Action } from '../../runner/module.types.js';
import { raw, sh } from '../../runner/shell.js';
import { podmanScript } from './common.js';

export function healthyWait(name: string, timeoutSeconds: number): Action {
  const attempt = podmanScript(
    sh`podman healthcheck run ${name} >/dev/null 2>&1 && exit 0
echo health of ${name}:; podman inspect --format '{{.State.Health.Status}} (failing streak {{.State.Health.FailingStreak}}){{range .State.Health.Log}}
{{.ExitCode}}: {{.Output}}{{end}}' ${name} 2>&1 | tail -n 8; exit 1`,
  );
  // One command that retries on the host, so a wait is one round trip however long it takes.
  const script = sh`deadline=$(( $(date +%s) + ${timeoutSeconds} ))
while :; do
  out=$( ( ${raw(attempt)}
) 2>&1 ) && exit 0
  if [ "$(date +%s)" -ge "$deadline" ]; then printf '%s\n' "$out" >&2; echo "timed out after ${timeoutSeconds} s waiting for container ${name} to be healthy" >&2; exit 1; fi
  sleep 1
done`;
  return { kind: 'run', script, describe: `wait for container ${name} to be healthy` };
}
