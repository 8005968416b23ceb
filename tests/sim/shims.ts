// `snap`, `systemctl` and `vault` for simulated machines: the charm runs its production commands
// and these drive the real Vault (or OpenBao) binary, with state under VAULT_CHARM_SIM_ROOT.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const SNAP = `#!/bin/sh
# snap shim: records the install and channel; the workload binary is the one the model was given.
root="\${VAULT_CHARM_SIM_ROOT:?}"; state="$root/snap"; mkdir -p "$state"
echo "snap $*" >> "$root/shim-calls.log"
cmd="$1"; shift
name=""; channel="latest/stable"
for arg in "$@"; do case "$arg" in --channel=*) channel="\${arg#--channel=}";; -*) ;; *) name="$arg";; esac; done
case "$cmd" in
  install|refresh) [ -n "$name" ] || { echo "error: no snap name" >&2; exit 1; }
    echo "$channel" > "$state/$name.channel"; echo "$name ($channel) installed";;
  list) [ -f "$state/$name.channel" ] || { echo "error: no matching snaps installed" >&2; exit 1; }
    echo "Name  Version  Rev  Tracking  Publisher  Notes"
    echo "$name  sim  1  $(cat "$state/$name.channel")  sim  -";;
  *) echo "snap shim: unsupported command $cmd" >&2; exit 1;;
esac
`;

const SYSTEMCTL = `#!/bin/sh
# systemctl shim: runs ExecStart of /etc/systemd/system/<svc>.service (under the unit's root) as a
# daemon, with /snap/bin/vault mapped to the model's workload binary.
root="\${VAULT_CHARM_SIM_ROOT:?}"; shims="$(dirname "$0")"; run="$root/run"; mkdir -p "$run" "$root/var/log"
echo "systemctl $*" >> "$root/shim-calls.log"
quiet=0; args=""
for arg in "$@"; do case "$arg" in --quiet|-q) quiet=1;; *) args="$args $arg";; esac; done
set -- $args
cmd="$1"; svc="\${2%.service}"
# Running, not merely present: a daemon that died but was not reaped yet (this sandbox's init reaps
# late) is a zombie, which kill -0 still finds. Its state letter in /proc/<pid>/stat is Z.
alive() {
  [ -f "$run/$svc.pid" ] || return 1
  pid="$(cat "$run/$svc.pid")"
  kill -0 "$pid" 2>/dev/null || return 1
  state="$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)"
  [ -n "$state" ] && [ "$state" != Z ]
}
supervised() { [ -f "$run/$svc.supervisor.pid" ] && kill -0 "$(cat "$run/$svc.supervisor.pid")" 2>/dev/null; }
start() {
  alive && return 0
  unit="$root/etc/systemd/system/$svc.service"
  [ -f "$unit" ] || { echo "Failed to start $svc.service: Unit $svc.service not found." >&2; exit 5; }
  if supervised; then
    # Between a crash and systemd's restart of it (Restart=): the start job joins that restart.
    i=0; while ! alive && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; return 0
  fi
  exec_start="$(sed -n 's/^ExecStart=//p' "$unit" | sed "s#/snap/bin/vault#$(cat "$shims/vault-bin")#")"
  # The model's own workload config, beside the charm's (a test's declarative audit device: OpenBao
  # accepts audit devices only from its config files; the server merges every -config it is given).
  [ -f "$shims/workload-extra.hcl" ] && exec_start="$exec_start -config=$shims/workload-extra.hcl"
  exec_post="$(sed -n 's/^ExecStartPost=-\\{0,1\\}//p' "$unit")"
  restart="$(sed -n 's/^Restart=//p' "$unit")"
  echo "exec $exec_start" >> "$root/shim-calls.log"
  rm -f "$run/$svc.stopping"
  # The supervisor stands in for systemd: it runs ExecStart, then ExecStartPost once the process
  # is up, and with Restart=on-failure starts it again after it dies of a signal or a non-zero exit.
  setsid sh -c '
    run="$1"; svc="$2"; exec_start="$3"; exec_post="$4"; restart="$5"; root="$6"
    while :; do
      sh -c "exec $exec_start" &
      child=$!; echo $child > "$run/$svc.pid"
      [ -z "$exec_post" ] || sh -c "$exec_post" || true
      wait $child; code=$?
      [ -e "$run/$svc.stopping" ] && break
      [ "$restart" = on-failure ] && [ $code -ne 0 ] || break
      echo "restart-on-failure" >> "$root/service-events.log"
      sleep 0.1
    done
    rm -f "$run/$svc.pid" "$run/$svc.supervisor.pid"
  ' supervisor "$run" "$svc" "$exec_start" "$exec_post" "$restart" "$root" >> "$root/var/log/$svc.log" 2>&1 < /dev/null &
  echo $! > "$run/$svc.supervisor.pid"
  i=0; while [ ! -f "$run/$svc.pid" ] && [ $i -lt 50 ]; do sleep 0.02; i=$((i+1)); done
  echo "start" >> "$root/service-events.log"
  sleep 0.2
}
stop() {
  supervised || { rm -f "$run/$svc.pid"; return 0; }
  touch "$run/$svc.stopping"
  pid="$(cat "$run/$svc.pid" 2>/dev/null)"; sup="$(cat "$run/$svc.supervisor.pid")"
  [ -z "$pid" ] || kill "$pid" 2>/dev/null
  i=0; while kill -0 "$sup" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  kill -9 -"$sup" 2>/dev/null; kill -9 "$pid" 2>/dev/null; rm -f "$run/$svc.pid" "$run/$svc.supervisor.pid" "$run/$svc.stopping"
  echo "stop" >> "$root/service-events.log"
}
case "$cmd" in
  daemon-reload|enable|disable) ;;
  start) start;;
  stop) stop;;
  restart) stop; start; echo "restart" >> "$root/service-events.log";;
  is-active) if alive; then [ $quiet = 1 ] || echo active; exit 0; else [ $quiet = 1 ] || echo inactive; exit 3; fi;;
  *) echo "systemctl shim: unsupported command $cmd" >&2; exit 1;;
esac
`;

const JUJU_EXEC = `#!/bin/sh
# juju-exec shim: \`juju-exec <unit> <commands>\` asks the unit agent to run commands in the unit's
# hook context. The simulator supports the one form the vault charm uses, running a hook through
# dispatch: JUJU_DISPATCH_PATH=hooks/<name> ./dispatch. The request is queued for the controller
# (Sim.takeJujuExecRequests), which runs it as that hook, after the unit's running hook if any.
queue="$(dirname "$0")/../juju-exec-queue"; mkdir -p "$queue"
[ "$1" = "-u" ] && shift
unit="$1"; shift
case "$*" in
  "JUJU_DISPATCH_PATH=hooks/"*" ./dispatch") hook="\${*#JUJU_DISPATCH_PATH=hooks/}"; hook="\${hook% ./dispatch}";;
  *) echo "juju-exec shim: only 'JUJU_DISPATCH_PATH=hooks/<name> ./dispatch' is supported" >&2; exit 2;;
esac
file="$queue/$(date +%s%N)-$$"
printf '%s\\n%s\\n' "$unit" "$hook" > "$file.tmp" && mv "$file.tmp" "$file"
`;

const VAULT = `#!/bin/sh
# The snap's \`vault\` command: the model's workload binary.
exec "$(cat "$(dirname "$0")/vault-bin")" "$@"
`;

/** File in the shims directory that every unit's Vault server also loads as config, when present. */
export const WORKLOAD_EXTRA_CONFIG = "workload-extra.hcl";

export function writeShims(dir: string, vaultBinary: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of [["snap", SNAP], ["systemctl", SYSTEMCTL], ["vault", VAULT], ["juju-exec", JUJU_EXEC]] as const) {
    writeFileSync(join(dir, name), body);
    chmodSync(join(dir, name), 0o755);
  }
  writeFileSync(join(dir, "vault-bin"), vaultBinary);
}
