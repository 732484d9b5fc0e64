# shellcheck shell=bash
# Sourced by scripts/real-openstack: the services as processes. Each runs in its own session
# (setsid), so its pid — recorded in $R/run/NAME.pid — is also its process-group id.
# Uses R, PY, HERE, API_URL, log and die of the main script.

pid_of() { cat "$R/run/$1.pid" 2>/dev/null || true; }

# alive PID: the process exists and is not a zombie (an init that reaps late must not make a
# dead service look alive).
alive() {
    local state
    # the state follows the command, which is in parentheses and may hold any character
    state=$(sed -n 's/^.*) \(.\) .*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

running() {
    local pid
    pid=$(pid_of "$1")
    [ -n "$pid" ] && alive "$pid"
}

# The command line of each service.
service_command() {
    local etc=$R/etc log=$R/log
    case "$1" in
        mariadb) CMD=(/usr/sbin/mariadbd --defaults-file="$etc/mariadb.cnf") ;;
        epmd) CMD=(/usr/bin/epmd -address 127.0.0.1 -port 4369) ;;
        rabbitmq) CMD=(/usr/lib/rabbitmq/bin/rabbitmq-server) ;; # env: rabbitmq-env.sh
        keystone | placement) CMD=(/usr/bin/uwsgi --ini "$etc/$1-uwsgi.ini") ;;
        octavia-api) CMD=(/usr/bin/uwsgi --ini "$etc/octavia-uwsgi.ini") ;;
        glance-api) CMD=(/usr/bin/glance-api --config-file "$etc/glance-api.conf") ;;
        neutron-server)
            CMD=(env PYTHONPATH="$R/pylib" /usr/bin/neutron-server
                 --config-file "$etc/neutron.conf" --config-file "$etc/ml2_conf.ini") ;;
        cinder-volume)
            CMD=(env PYTHONPATH="$R/pylib" /usr/bin/cinder-volume --config-file "$etc/cinder.conf"
                 --log-file "$log/cinder-volume.log") ;;
        cinder-*) CMD=(/usr/bin/"$1" --config-file "$etc/cinder.conf" --log-file "$log/$1.log") ;;
        # /usr/bin/nova-compute is in the nova-compute package, which pulls in qemu and
        # libvirt; the fake driver needs only the Python entry point.
        nova-compute)
            CMD=("$PY" -c 'import sys; from nova.cmd.compute import main; sys.exit(main())'
                 --config-file "$etc/nova.conf" --log-file "$log/nova-compute.log") ;;
        nova-*) CMD=(/usr/bin/"$1" --config-file "$etc/nova.conf" --log-file "$log/$1.log") ;;
        octavia-worker)
            CMD=(/usr/bin/octavia-worker --config-file "$etc/octavia.conf"
                 --log-file "$log/octavia-worker.log") ;;
        *) die "unknown service $1" ;;
    esac
}

# start NAME: in the background, in a new session, output in log/NAME.out; nothing if it
# runs already.
start() {
    local name=$1
    running "$name" && return 0
    local CMD
    service_command "$name"
    rm -f "$R/run/$name.pid"
    # The inner sh records its own pid (setsid may fork) and then becomes the service.
    # 9>&- : the service must not inherit the lock `up` holds.
    # shellcheck disable=SC2016
    (cd "$R" && exec setsid sh -c 'echo $$ >"$0"; exec "$@"' "$R/run/$name.pid" "${CMD[@]}" \
        >"$R/log/$name.out" 2>&1 </dev/null 9>&-) &
    local _
    for _ in $(seq 1 50); do
        [ -s "$R/run/$name.pid" ] && break
        sleep 0.1
    done
    log "started $name (pid $(pid_of "$name"))"
    STARTED=$((STARTED + 1))
}

# stop NAME...: SIGTERM to each service's process group, up to 30 s for the service and
# every descendant (some Erlang helpers leave the group) to go, then SIGKILL.
stop() {
    local name pid groups=() members=() _
    for name in "$@"; do
        pid=$(pid_of "$name")
        if [ -n "$pid" ] && alive "$pid"; then
            groups+=("$pid")
            log "stopping $name (pid $pid)"
        fi
        rm -f "$R/run/$name.pid"
    done
    [ ${#groups[@]} -gt 0 ] || return 0
    mapfile -t members < <("$PY" "$HERE/procs.py" tree "${groups[@]}")
    for pid in "${groups[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    for _ in $(seq 1 150); do
        local left=0
        for pid in "${members[@]}"; do
            alive "$pid" && left=1
        done
        [ $left = 0 ] && return 0
        sleep 0.2
    done
    for pid in "${groups[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null && log "killed process group $pid"
    done
    for pid in "${members[@]}"; do
        kill -KILL "$pid" 2>/dev/null && log "killed process $pid"
    done
    return 0
}

# wait_api NAME SECONDS: until the service's API answers. A service found dead (e.g. it was
# stopping when `up` looked) is started again, once.
wait_api() {
    local name=$1 restarted=0 _
    for _ in $(seq 1 $(($2 * 4))); do
        curl -s -o /dev/null -m 2 "${API_URL[$name]}" && return 0
        if ! running "$name"; then
            if [ $restarted = 1 ]; then
                tail -5 "$R/log/$name.out" >&2
                die "$name exits at once (logs: $R/log/$name*)"
            fi
            log "$name is not running: starting it again"
            start "$name"
            restarted=1
        fi
        sleep 0.25
    done
    die "$name: no answer from ${API_URL[$name]} after $2 s (logs: $R/log/$name*)"
}

groups_args() {
    local name
    for name in "${SERVICES[@]}"; do
        running "$name" && printf '%s=%s\n' "$name" "$(pid_of "$name")"
    done
}
