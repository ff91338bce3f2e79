#!/usr/bin/env bash
# Proves the test cluster behaves like a real one: brings it up (in a state folder of its own, so a developer's
# running cluster is left alone), checks that
#   (a) the server reports the Kubernetes version build.sh built,
#   (b) a 3-replica Deployment becomes Available,
#   (c) a Deployment whose pods carry capstan.test/fail=crashloop ends Progressing=False with reason
#       ProgressDeadlineExceeded, its containers in CrashLoopBackOff with restarts,
#   (d) pods labelled capstan.test/fail=never-ready run but never turn Ready,
# then takes it down and checks that none of its processes is left. Ends with "N passed, N failed".
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CAPSTAN_CLUSTER_DIR=${CAPSTAN_SELFTEST_CLUSTER_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/capstan-selftest.XXXXXX")/cluster}
passed=0
failed=0

log() { printf '[selftest] %s\n' "$*" >&2; }
ok() { log "PASS: $*"; passed=$((passed + 1)); }
ko() { log "FAIL: $*"; failed=$((failed + 1)); }

# poll SECONDS CMD...: true as soon as CMD succeeds, false once SECONDS have passed.
poll() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 1
  done
}

kubeconfig=$("$here/cluster.sh" up | tail -n 1)
trap '"$here/cluster.sh" down || true' EXIT
eval "$("$here/cluster.sh" env)"
export KUBECONFIG=$kubeconfig

# (a) The version the server reports is the one in the name of the folder its binary was built into.
want=$(basename "$(dirname "$(readlink -f "$(command -v kube-apiserver)")")")
want=${want#kubernetes-}
kubectl version >&2
versions=$(kubectl version -o yaml)
git_version() { awk -v section="$1:" '$1 == section { on = 1; next } /^[^ ]/ { on = 0 } on && $1 == "gitVersion:" { print $2 }' <<<"$versions"; }
got=$(git_version serverVersion)
client=$(git_version clientVersion)
if [ "$got" = "$want" ] && [ "$client" = "$want" ]; then ok "(a) server and client report $got"; else ko "(a) server $got, client $client, built $want"; fi

deployment() { # deployment NAME REPLICAS [FAIL_MODE]: a Deployment of a fake image, optionally failing
  local labels="app: $1"
  [ -z "${3:-}" ] || labels+=$'\n'"        capstan.test/fail: $3"
  cat <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $1
  namespace: default
spec:
  replicas: $2
  progressDeadlineSeconds: 15
  selector:
    matchLabels:
      app: $1
  template:
    metadata:
      labels:
        $labels
    spec:
      containers:
      - name: main
        image: registry.invalid/$1:1
EOF
}
deployment web 3 | kubectl apply -f - >&2
deployment crashy 2 crashloop | kubectl apply -f - >&2
deployment sleepy 2 never-ready | kubectl apply -f - >&2

# (b)
start=$SECONDS
if kubectl wait deployment/web --for=condition=Available --timeout=60s >&2 &&
  [ "$(kubectl get deployment web -o jsonpath='{.status.readyReplicas}')" = 3 ]; then
  ok "(b) 3-replica Deployment Available with 3 ready replicas after $((SECONDS - start)) s"
else
  ko "(b) web not Available"
fi

# (c) The deadline is 15 s from the rollout's start; the controller notices on its next sync.
deadline_exceeded() {
  [ "$(kubectl get deployment crashy -o jsonpath='{.status.conditions[?(@.type=="Progressing")].status}/{.status.conditions[?(@.type=="Progressing")].reason}')" = False/ProgressDeadlineExceeded ]
}
start=$SECONDS
if poll 60 deadline_exceeded; then
  ok "(c) crashloop Deployment: Progressing=False ProgressDeadlineExceeded after $((SECONDS - start)) s"
else
  ko "(c) crashloop Deployment never reported ProgressDeadlineExceeded"
fi
kubectl get pods -l app=crashy -o custom-columns='NAME:.metadata.name,PHASE:.status.phase,READY:.status.containerStatuses[0].ready,WAITING:.status.containerStatuses[0].state.waiting.reason,RESTARTS:.status.containerStatuses[0].restartCount' >&2
states=$(kubectl get pods -l app=crashy -o jsonpath='{range .items[*]}{.status.phase}/{.status.conditions[?(@.type=="Ready")].status}/{.status.containerStatuses[0].state.waiting.reason}/{.status.containerStatuses[0].restartCount}{"\n"}{end}' | sort -u)
if [ "$states" = "Running/False/CrashLoopBackOff/5" ]; then ok "(c) crashloop pods: $states"; else ko "(c) crashloop pods: $states"; fi

# (d) Give kwok time to have acted on the pods, then look: Running, started, never Ready.
running() { [ "$(kubectl get pods -l app=sleepy -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Running$')" = 2 ]; }
poll 30 running || true
sleep 10
kubectl get pods -l app=sleepy -o wide >&2
states=$(kubectl get pods -l app=sleepy -o jsonpath='{range .items[*]}{.status.phase}/{.status.conditions[?(@.type=="Ready")].status}/{.status.containerStatuses[0].started}{"\n"}{end}' | sort -u)
avail=$(kubectl get deployment sleepy -o jsonpath='{.status.availableReplicas}')
if [ "$states" = "Running/False/true" ] && [ -z "$avail" ]; then
  ok "(d) never-ready pods Running, started, not Ready; Deployment has no available replica"
else
  ko "(d) never-ready pods: $states, available: ${avail:-0}"
fi

# Down, then nothing of ours may be left: every component has the state folder on its command line.
trap - EXIT
start_down=$(date +%s%N)
"$here/cluster.sh" down
log "down took $((($(date +%s%N) - start_down) / 1000000)) ms"
if leftovers=$(pgrep -af -- "$CAPSTAN_CLUSTER_DIR/"); then
  ko "processes left after down: $leftovers"
else
  ok "no process left after down"
fi
if [ ! -e "$CAPSTAN_CLUSTER_DIR" ]; then ok "state folder removed"; else ko "state folder still there"; fi
rmdir "$(dirname "$CAPSTAN_CLUSTER_DIR")" 2>/dev/null || true

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
