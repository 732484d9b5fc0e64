# shellcheck shell=bash
# Sourced by scripts/real-openstack: the Debian packages of the tier, installed without
# letting their daemons start. Uses R, PACKAGES, log and die of the main script.

# Debian's OpenStack packages ask (through debconf) whether to set up databases, Keystone
# and endpoints themselves; the answers default to "no", say it explicitly anyway.
preseed_debconf() {
    local package question
    for question in keystone:keystone/configure_db keystone:keystone/create-admin-tenant \
        keystone:keystone/register-endpoint placement-common:placement/configure_db \
        placement-common:placement/configure_ksat; do
        echo "${question%%:*} ${question#*:} boolean false"
    done
    for package in neutron glance cinder octavia; do
        for question in configure_db configure_rabbit configure_ksat configure_api-endpoint \
            configure_nova; do
            echo "$package-common $package/$question boolean false"
        done
    done
    for question in nova/configure_db nova/configure_rabbit nova/configure_ksat \
        nova/configure_neutron nova/configure_placement nova/configure_api-endpoint; do
        echo "nova-common $question boolean false"
    done
    echo "nova-api novaapi/configure_db boolean false"
}

install_packages() {
    local missing=() package
    for package in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "packages to install (${missing[*]}): run as root"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    preseed_debconf | debconf-set-selections
    # Keep the packaged daemons from starting: they would listen on 0.0.0.0 and take
    # the ports. Removed on exit if it is ours (trap in cmd_up).
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\n# scripts/real-openstack: no daemon starts\nexit 101\n' \
            >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        # shellcheck disable=SC2034 # read by the EXIT trap of scripts/real-openstack
        OWN_POLICY_RC=1
    fi
    # Update the package lists only when they lack a package (a fresh machine) or the
    # install fails (stale lists naming files the mirror no longer has).
    if apt-cache policy "${missing[@]}" | grep -q 'Candidate: (none)'; then
        apt_get update -qq
    fi
    local install=(install -y -qq --no-install-recommends "${missing[@]}")
    if ! apt_get "${install[@]}" >"$R/log/apt.log" 2>&1; then
        apt_get update -qq
        apt_get "${install[@]}" >"$R/log/apt.log" 2>&1 || { tail -20 "$R/log/apt.log"; die "apt-get failed"; }
    fi
    log "packages installed"
}

# apt_get ARGS...: apt-get that waits for other apt runs (other scripts may install at the
# same time). DPkg::Lock::Timeout covers dpkg's locks; the package lists' lock (taken by
# `update`) is not waited for by apt itself, so retry on it for up to 10 minutes.
apt_get() {
    local try output
    for try in $(seq 1 120); do
        if output=$(apt-get -o DPkg::Lock::Timeout=600 "$@" 2>&1); then
            [ -n "$output" ] && printf '%s\n' "$output"
            return 0
        fi
        grep -q 'Could not get lock' <<<"$output" || { printf '%s\n' "$output" >&2; return 1; }
        [ "$try" = 1 ] && log "waiting for another apt-get to finish"
        sleep 5
    done
    printf '%s\n' "$output" >&2
    return 1
}

# On a systemd host the packages enabled (and maybe started) their own units: stop and
# disable them, so nothing listens on 0.0.0.0, now or after a reboot.
disable_packaged_units() {
    [ -d /run/systemd/system ] || return 0
    local unit
    for unit in keystone neutron-api neutron-rpc-server glance-api cinder-api cinder-scheduler \
        cinder-volume nova-api nova-conductor nova-scheduler placement-api octavia-api \
        octavia-worker octavia-health-manager octavia-housekeeping octavia-driver-agent \
        rabbitmq-server epmd.socket epmd tgt iscsid.socket iscsid open-iscsi memcached \
        mariadb mysql; do
        if systemctl is-enabled --quiet "$unit" 2>/dev/null \
            || systemctl is-active --quiet "$unit" 2>/dev/null; then
            systemctl disable --now "$unit" >/dev/null 2>&1 || true
        fi
    done
}
