#!/usr/bin/env bash
# A `docker` stand-in for tests/docker/run_cluster_test.sh: records every call's arguments in
# $LLMC_FAKE_DOCKER_LOG and runs what a container would: `run` applies the -e variables and starts the image's
# entrypoint ($LLMC_FAKE_ENTRYPOINT) with the command's arguments, under its own hostname ($LLMC_FAKE_HOSTNAME)
# and a private /run (as a container has), keeping this pid; `stop NAME` sends it SIGTERM and waits (then
# SIGKILL, as docker does after --stop-timeout); `rm -f NAME` kills it. Network: the caller's namespace.
set -u
echo "docker $*" >>"$LLMC_FAKE_DOCKER_LOG"
state=$LLMC_FAKE_DOCKER_STATE
cmd=${1:-}
shift || true
case $cmd in
  run)
    name="" stop_timeout=10
    while [ $# -gt 0 ]; do
      case $1 in
        --rm | -d | -it | -i | -t | --init) shift ;;
        -e) export "${2?}"; shift 2 ;;
        --name) name=$2; shift 2 ;;
        --stop-timeout) stop_timeout=$2; shift 2 ;;
        --network | --ipc | --ulimit | -v | --gpus | --device | --cap-add | --shm-size | --security-opt) shift 2 ;;
        -*) echo "fake docker: unknown option $1" >&2; exit 125 ;;
        *) break ;;
      esac
    done
    shift  # the image
    [ -n "$name" ] && echo "$$ $stop_timeout" >"$state/$name"
    # shellcheck disable=SC2016  # expanded by the inner sh
    exec unshare --uts --mount sh -c 'echo "$0" >/proc/sys/kernel/hostname && mount -t tmpfs -o mode=755 run /run && exec "$@"' \
      "${LLMC_FAKE_HOSTNAME:-container}" bash "$LLMC_FAKE_ENTRYPOINT" "$@"
    ;;
  stop | rm)
    [ "${1:-}" = -f ] && shift
    [ -f "$state/$1" ] || exit 1
    read -r pid limit <"$state/$1"
    if [ "$cmd" = stop ]; then
      kill -TERM "$pid" 2>/dev/null
      for _ in $(seq 1 $((limit * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    kill -9 "$pid" 2>/dev/null
    rm -f "$state/$1"
    ;;
  *) echo "fake docker: $cmd is not emulated" >&2; exit 125 ;;
esac
