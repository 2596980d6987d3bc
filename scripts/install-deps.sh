#!/usr/bin/env bash
# Installs every build and test dependency from the distribution's packages (Debian 12 / Ubuntu 22.04+).
# Runs as root or through sudo; safe to run again.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
packages=(
  build-essential cmake ninja-build ccache pkg-config xz-utils git
  libopenblas-dev libopenblas-openmp-dev libopenmpi-dev openmpi-bin
  libzmq3-dev cppzmq-dev
  libboost-program-options-dev libboost-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev
  libpcre2-dev libutf8proc-dev libhwloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  curl python3 python3-jinja2 wrk wamerican
  iproute2 openssh-client openssh-server
  munge slurmctld slurmd slurm-client shellcheck
)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# Node.js and npm drive the live OpenAI-client tests. Machines that already carry a Node.js build with npm
# inside it (NodeSource's package conflicts with Debian's npm) keep theirs; others get Debian's.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
