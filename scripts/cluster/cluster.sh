#!/usr/bin/env bash
# A real Kubernetes control plane on loopback, without containers: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, and kwok faking the kubelets of two nodes, so Deployments really
# roll out (and can be made to fail on purpose, see fail-stages.yaml). Binaries come from build.sh.
#
#   cluster.sh up     start everything, wait until a Deployment can roll out; last stdout line = kubeconfig
#   cluster.sh down   stop every process `up` started (by recorded pid) and remove the state folder
#   cluster.sh env    print `export KUBECONFIG=... PATH=...` lines for eval
#   cluster.sh stop kube-apiserver / start kube-apiserver
#                     stop one component, and start it again as it was (for outage tests)
#
# State (pids, logs, certs, etcd data, kubeconfig) lives in $CAPSTAN_CLUSTER_DIR (default
# ~/.cache/capstan/cluster). `up` on a running cluster reuses it when every recorded process is alive and
# the apiserver is ready, and fails (asking for `down`) when only some are; leftovers of a cluster whose
# processes are all gone are wiped. Two clusters at once need two CAPSTAN_CLUSTER_DIRs; ports never collide,
# as each `up` picks free ones.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
state=${CAPSTAN_CLUSTER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/capstan/cluster}
# Start order; `down` stops them in reverse.
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
NODES=(kwok-node-0 kwok-node-1)
# Seconds each readiness step may take before `up` gives up.
STEP_TIMEOUT=${CAPSTAN_CLUSTER_STEP_TIMEOUT:-60}

log() { printf '[cluster] %s\n' "$*" >&2; }
now_us() { local t=${EPOCHREALTIME//[.,]/}; echo "$t"; }
secs_since() { local d=$(($(now_us) - $1)); printf '%d.%d' $((d / 1000000)) $((d / 100000 % 10)); }

pid_of() { cat "$state/pids/$1" 2>/dev/null; }

# ours NAME: NAME's recorded pid is alive and still one of our processes. Every component gets a path
# inside $state on its command line, which guards against a recycled pid belonging to something else.
ours() {
  local pid
  pid=$(pid_of "$1") || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$state/"
}

# stop_all GRACE: TERM to every recorded process at once (they shut down in parallel), KILL to what is left
# after GRACE seconds. Only pids we recorded, never a process picked by name.
stop_all() {
  local grace=$1 name pid live=() i stop_start
  stop_start=$(now_us)
  [ -d "$state/pids" ] || return 0
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    name=${COMPONENTS[i]}
    if ours "$name"; then
      pid=$(pid_of "$name")
      kill -TERM "$pid" 2>/dev/null || true
      live+=("$name:$pid")
    fi
    rm -f "$state/pids/$name"
  done
  local deadline=$(($(now_us) + grace * 1000000)) entry
  for entry in "${live[@]}"; do
    pid=${entry#*:}
    while ! exited "$pid" && [ "$(now_us)" -lt "$deadline" ]; do sleep 0.05; done
    if ! exited "$pid"; then
      log "${entry%%:*} (pid $pid) still running ${grace} s after TERM; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      while ! exited "$pid"; do sleep 0.05; done
    fi
  done
  [ ${#live[@]} -eq 0 ] || log "all processes exited after $(secs_since "$stop_start") s"
  # Exited is enough for the next `up`, but a `ps` or `pgrep` right after `down` would still list the
  # zombies; wait (boundedly) for init to reap them so "nothing left running" is plain to see.
  deadline=$(($(now_us) + 5000000))
  for entry in "${live[@]}"; do
    pid=${entry#*:}
    while [ -e "/proc/$pid" ] && [ "$(now_us)" -lt "$deadline" ]; do sleep 0.1; done
  done
}

# exited PID: the process is gone or a zombie. Our components are orphans (their launching shell has
# exited), and this machine's init reaps orphans only every couple of seconds, so `kill -0` would report a
# process that has already exited, closed its ports and released its files as alive.
# One read of the status file: testing existence and state separately races with the reaping.
exited() {
  local st
  st=$(grep -m1 '^State:' "/proc/$1/status" 2>/dev/null) || return 0
  [[ $st == *[ZX]* ]]
}

cmd_down() {
  local start
  start=$(now_us)
  stop_all 5
  rm -rf "$state"
  log "down in $(secs_since "$start") s"
}

cmd_env() {
  [ -f "$state/kubeconfig" ] || { log "no cluster at $state; run: $0 up"; exit 1; }
  printf 'export KUBECONFIG=%q\n' "$state/kubeconfig"
  # shellcheck disable=SC2016 # $PATH is for the shell that evals this
  printf 'export PATH=%q:"$PATH"\n' "$(cat "$state/bin")"
}

# free_ports N: N distinct TCP ports that nothing on this machine holds (in any state), taken below the
# kernel's ephemeral range so outgoing connections cannot grab them between this check and the bind.
free_ports() {
  local n=$1 low _ addr used=" " p picked=()
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  [ "$low" -gt 11000 ] || low=32768
  while read -r _ addr _; do
    [[ $addr == *:* ]] && used+="$((16#${addr##*:})) "
  done < <(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -v local_address)
  while [ ${#picked[@]} -lt "$n" ]; do
    p=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10000)))
    [[ $used == *" $p "* ]] && continue
    used+="$p "
    picked+=("$p")
  done
  echo "${picked[@]}"
}

# One CA; one EC key and certificate (CN=kwok-admin in system:masters, SANs for loopback and the in-cluster
# service names) serve as every server's cert, every client's identity and the service-account signing key,
# as kwokctl does. Tests only: nothing here leaves loopback.
make_pki() {
  local p="$state/pki"
  mkdir -p "$p"
  openssl ecparam -name prime256v1 -genkey -noout -out "$p/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$p/ca.key" -subj "/CN=capstan-test-ca" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$p/ca.crt" 2>/dev/null
  openssl ecparam -name prime256v1 -genkey -noout -out "$p/admin.key" 2>/dev/null
  cat >"$p/admin.ext" <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.96.0.1
EOF
  openssl req -new -key "$p/admin.key" -subj "/O=system:masters/CN=kwok-admin" 2>/dev/null |
    openssl x509 -req -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 3650 -sha256 \
      -extfile "$p/admin.ext" -out "$p/admin.crt" 2>/dev/null
}

write_kubeconfig() {
  local p="$state/pki"
  cat >"$state/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: capstan-test
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority-data: $(base64 -w0 "$p/ca.crt")
users:
- name: kwok-admin
  user:
    client-certificate-data: $(base64 -w0 "$p/admin.crt")
    client-key-data: $(base64 -w0 "$p/admin.key")
contexts:
- name: capstan-test
  context: {cluster: capstan-test, user: kwok-admin}
current-context: capstan-test
EOF
}

# kwok's default stages are the ones its "fast" kustomization lists (what kwokctl uses by default):
# node-initialize, node-heartbeat-with-lease, pod-ready, pod-complete, pod-delete. They are read from the
# copy build.sh made of the kwok module, following the kustomizations rather than a typed list, then ours
# are appended.
write_stages() {
  local stage_root dir res f first=1
  stage_root=$(readlink -f "$bin/kwok-stage")
  : >"$state/stages.yaml"
  for dir in $(sed -n 's/^- \.\.\///p' "$stage_root/fast/kustomization.yaml"); do
    for res in $(sed -n 's/^- //p' "$stage_root/$dir/kustomization.yaml"); do
      f="$stage_root/$dir/$res"
      [ "$first" = 1 ] || echo '---' >>"$state/stages.yaml"
      first=0
      cat "$f" >>"$state/stages.yaml"
    done
  done
  [ "$first" = 0 ] || { log "no default stages under $stage_root"; return 1; }
  { echo '---'; cat "$here/fail-stages.yaml"; } >>"$state/stages.yaml"
}

# start NAME CMD...: runs CMD in the background in a session of its own (so a Ctrl-C in the caller's
# terminal, or the caller's exit, doesn't reach it), with its output in logs/NAME.log and its pid recorded.
start() {
  local name=$1
  shift
  current=$name
  # The command line is kept so `start NAME` can bring a stopped component back as it was.
  mkdir -p "$state/cmds"
  printf '%s\0' "$@" >"$state/cmds/$name"
  # fd 3 (the caller's stderr, kept for failure reports) is not passed on: a pipe would never close.
  setsid "$@" >>"$state/logs/$name.log" 2>&1 </dev/null 3>&- &
  echo $! >"$state/pids/$name"
  disown # not a job of this shell: no "Killed" notices on teardown
}

# wait_for WHAT COMPONENT CMD...: polls CMD until it succeeds, failing early if COMPONENT has exited and
# after STEP_TIMEOUT seconds otherwise. Prints how long the step took and the time since `up` began.
wait_for() {
  local what=$1 comp=$2 start
  shift 2
  start=$(now_us)
  current=$comp
  until "$@" >/dev/null 2>&1; do
    ours "$comp" || fail "$comp exited while waiting for: $what"
    [ $(($(now_us) - start)) -lt $((STEP_TIMEOUT * 1000000)) ] || fail "timed out after ${STEP_TIMEOUT}s waiting for: $what"
    sleep 0.2
  done
  log "$(printf '%-46s' "$what") +$(secs_since "$start") s  (at $(secs_since "$t0") s)"
}

fail() {
  log "FAILED: $*"
  exit 1
}

# On any failure of `up`: show the end of the log of the component being started or waited for, stop
# everything started so far, and keep only the logs for a post-mortem (the next `up` wipes them).
on_up_exit() {
  local rc=$?
  [ "$up_done" = 1 ] && return
  # A signal can land while a probe runs with stderr sent to /dev/null; report on the real stderr.
  exec 2>&3
  [ "$rc" -ne 0 ] || rc=1
  if [ -n "$current" ] && [ -f "$state/logs/$current.log" ]; then
    log "last lines of $state/logs/$current.log:"
    tail -n 25 "$state/logs/$current.log" | sed 's/^/    /' >&2
  fi
  # A short grace: the data is thrown away, and an apiserver still starting up doesn't act on TERM for
  # long seconds (it keeps retrying etcd, which in turn waits for it to hang up).
  log "tearing down what was started"
  stop_all 1
  find "$state" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
  log "logs kept in $state/logs"
  exit "$rc"
}

kc() { "$bin/kubectl" --kubeconfig "$state/kubeconfig" "$@"; }

curl_tls() {
  curl -fsS --max-time 2 --cacert "$state/pki/ca.crt" --cert "$state/pki/admin.crt" --key "$state/pki/admin.key" "$@"
}

nodes_ready() {
  local ready
  ready=$(kc get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$')
  [ "$ready" -ge ${#NODES[@]} ]
}

apply_nodes() {
  local n
  for n in "${NODES[@]}"; do
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $n
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: $n
    kubernetes.io/os: linux
    type: kwok
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
EOF
  done | kc apply -f - >/dev/null
}

cmd_up() {
  t0=$(now_us)
  current=""
  up_done=0

  if [ -d "$state/pids" ]; then
    local name alive=() dead=()
    for name in "${COMPONENTS[@]}"; do
      if ours "$name"; then alive+=("$name"); else dead+=("$name"); fi
    done
    if [ ${#alive[@]} -eq ${#COMPONENTS[@]} ]; then
      bin=$(cat "$state/bin")
      if curl_tls "https://127.0.0.1:$(cat "$state/ports/kube-apiserver")/readyz" >/dev/null 2>&1; then
        log "already up at $state; reusing it"
        echo "$state/kubeconfig"
        return
      fi
    fi
    if [ ${#alive[@]} -gt 0 ]; then
      fail "a cluster at $state is half up (running: ${alive[*]}; gone: ${dead[*]}); run: $0 down"
    fi
  fi
  rm -rf "$state" # leftovers of a cluster whose processes are all gone

  # Warm, this only checks that the binaries exist (about a second); cold, it builds them.
  bin=$("$here/build.sh" | tail -n 1)
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl; do
    [ -x "$bin/$name" ] || fail "$bin/$name is missing; run $here/build.sh"
  done

  exec 3>&2
  mkdir -p "$state"/{pids,logs,ports}
  echo "$bin" >"$state/bin"
  trap on_up_exit EXIT
  trap 'exit 130' INT TERM

  local etcd_port etcd_peer_port api_port kcm_port sched_port kwok_port
  read -r etcd_port etcd_peer_port api_port kcm_port sched_port kwok_port < <(free_ports 6)
  echo "$api_port" >"$state/ports/kube-apiserver"
  make_pki
  write_kubeconfig
  write_stages
  local pki="$state/pki"
  log "ports: etcd $etcd_port, apiserver $api_port, controller-manager $kcm_port, scheduler $sched_port, kwok $kwok_port"

  # --unsafe-no-fsync: test data is thrown away, and fsync is what makes etcd slow on shared disks.
  start etcd "$bin/etcd" --name=node0 --data-dir="$state/etcd" \
    --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
    --listen-peer-urls="http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster="node0=http://127.0.0.1:$etcd_peer_port" \
    --unsafe-no-fsync=true --auto-compaction-retention=1 --quota-backend-bytes=$((2 << 30))
  wait_for "etcd /health" etcd bash -c "curl -fsS --max-time 2 http://127.0.0.1:$etcd_port/health | grep -q '\"health\":\"true\"'"

  # --endpoint-reconciler-type=none: nothing listens at the `kubernetes` Service's address anyway, and the
  # reconciler would otherwise keep rewriting its Endpoints. Service IPs are never routed (no kube-proxy).
  start kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$etcd_port" --etcd-prefix=/registry \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
    --allow-privileged=true --endpoint-reconciler-type=none --authorization-mode=Node,RBAC \
    --service-cluster-ip-range=10.96.0.0/16 \
    --tls-cert-file="$pki/admin.crt" --tls-private-key-file="$pki/admin.key" --client-ca-file="$pki/ca.crt" \
    --service-account-key-file="$pki/admin.key" --service-account-signing-key-file="$pki/admin.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --proxy-client-cert-file="$pki/admin.crt" --proxy-client-key-file="$pki/admin.key" \
    --requestheader-client-ca-file="$pki/ca.crt" --requestheader-allowed-names=kwok-admin \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra-
  wait_for "kube-apiserver /readyz" kube-apiserver curl_tls "https://127.0.0.1:$api_port/readyz"

  # Node monitor timings are kwokctl's defaults (5 s / 40 s, kwok leases of 40 s): nodes go Ready fast and
  # stay Ready as long as kwok renews their leases.
  start kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig="$state/kubeconfig" --authentication-kubeconfig="$state/kubeconfig" \
    --authorization-kubeconfig="$state/kubeconfig" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port="$kcm_port" \
    --tls-cert-file="$pki/admin.crt" --tls-private-key-file="$pki/admin.key" \
    --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics \
    --root-ca-file="$pki/ca.crt" --service-account-private-key-file="$pki/admin.key" \
    --node-monitor-period=5s --node-monitor-grace-period=40s
  start kube-scheduler "$bin/kube-scheduler" \
    --kubeconfig="$state/kubeconfig" --authentication-kubeconfig="$state/kubeconfig" \
    --authorization-kubeconfig="$state/kubeconfig" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port="$sched_port" \
    --tls-cert-file="$pki/admin.crt" --tls-private-key-file="$pki/admin.key" \
    --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics
  # kwok reads ~/.kwok/kwok.yaml too when it exists, so it gets a HOME of its own: only our stages count.
  # Its server (healthz, and the fake kubelet endpoint the nodes advertise) listens on loopback only.
  mkdir -p "$state/kwok-home"
  start kwok env HOME="$state/kwok-home" "$bin/kwok" \
    --kubeconfig="$state/kubeconfig" --config="$state/stages.yaml" \
    --manage-all-nodes=true --node-lease-duration-seconds=40 \
    --server-address="127.0.0.1:$kwok_port" --node-port="$kwok_port" --node-ip=127.0.0.1 \
    --cidr=10.244.0.0/16
  current=kube-apiserver
  apply_nodes

  wait_for "kube-controller-manager /healthz" kube-controller-manager curl_tls "https://127.0.0.1:$kcm_port/healthz"
  wait_for "kube-scheduler /healthz" kube-scheduler curl_tls "https://127.0.0.1:$sched_port/healthz"
  wait_for "kwok /healthz" kwok curl -fsS --max-time 2 "http://127.0.0.1:$kwok_port/healthz"
  wait_for "ServiceAccount default/default" kube-controller-manager kc get serviceaccount default -n default
  wait_for "${#NODES[@]} nodes Ready" kwok nodes_ready

  # End to end: scheduler binds, kwok marks the pod Ready, the Deployment controller sees it Available.
  kc create deployment capstan-smoke --image=registry.invalid/capstan-smoke:1 --replicas=1 -n default >/dev/null
  wait_for "smoke Deployment rolled out" kube-controller-manager \
    kc rollout status deployment/capstan-smoke -n default --timeout=2s
  kc delete deployment capstan-smoke -n default --wait=true >/dev/null

  up_done=1
  trap - EXIT INT TERM
  log "up in $(secs_since "$t0") s; kubeconfig: $state/kubeconfig"
  echo "$state/kubeconfig"
}

# stop NAME / start NAME: stop one component of a running cluster, and start it again with the command
# line it had, waiting until it answers. Tests use it to take the apiserver away in the middle of a sync.
cmd_stop() {
  local name=$1 pid
  ours "$name" || fail "$name is not running in $state"
  pid=$(pid_of "$name")
  kill -TERM "$pid"
  # An apiserver drains its open requests for up to a minute after TERM; an outage need not be polite.
  local deadline=$(($(now_us) + 3000000))
  while ! exited "$pid" && [ "$(now_us)" -lt "$deadline" ]; do sleep 0.05; done
  exited "$pid" || kill -KILL "$pid" 2>/dev/null || true
  while ! exited "$pid"; do sleep 0.05; done
  rm -f "$state/pids/$name"
  log "$name stopped"
}

cmd_start() {
  local name=$1 args=() t0
  t0=$(now_us)
  ours "$name" && fail "$name is already running in $state"
  [ -f "$state/cmds/$name" ] || fail "no recorded command line for $name in $state"
  mapfile -d '' args <"$state/cmds/$name"
  start "$name" "${args[@]}"
  if [ "$name" = kube-apiserver ]; then
    wait_for "kube-apiserver /readyz" kube-apiserver curl_tls "https://127.0.0.1:$(cat "$state/ports/kube-apiserver")/readyz"
  fi
  log "$name started again"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  env) cmd_env ;;
  stop) cmd_stop "${2:?usage: $0 stop COMPONENT}" ;;
  start) cmd_start "${2:?usage: $0 start COMPONENT}" ;;
  *)
    echo "usage: $0 up|down|env|stop COMPONENT|start COMPONENT" >&2
    exit 2
    ;;
esac
