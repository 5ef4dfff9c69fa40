#!/usr/bin/env bash
# Installs every Debian package isobench needs to build, test and run its
# benchmarks. Idempotent: only calls apt-get when something is missing.
set -euo pipefail
PKGS=(
    build-essential cmake pkg-config clang-format   # build and style
    libsqlite3-dev sqlite3                          # result store (+ CLI for tests)
    liblzma-dev liblzma5                            # compress workload (dlopen'd)
    liblapacke-dev liblapacke libopenblas-dev libopenblas0  # linpack (dlopen'd)
    libseccomp-dev libmnl-dev libnftables-dev       # container: seccomp, rtnetlink, nftables
    libcmocka-dev python3                           # unit tests, JSON checks
    runc iproute2 nftables procps                   # runc driver; leak checks in tests (ip, nft, pgrep)
    podman golang-github-containers-common          # podman driver (with runc); seccomp.json: the containers' filter
    liburing-dev                                    # blockio: io_uring
    qemu-system-x86 linux-image-cloud-amd64 e2fsprogs kmod  # vm: QEMU, guest kernel + modules, mke2fs, modinfo
    hpcc openmpi-bin xz-utils                       # bench/fidelity-cpu.sh references
    fio iperf3 sockperf                             # bench/fidelity-netio.sh references
    cpio                                            # bench/vm.sh: the bare-QEMU initramfs
    debootstrap                                     # isobench image build
    redis-server redis-tools                        # redis workload (+ redis-benchmark, the reference)
    docker.io runsc                                 # docker driver (dockerd started by its test), gVisor driver
    lxc                                             # lxc driver: lxc-start, lxc-stop (LXC 5)
    mariadb-server mariadb-client sysbench          # mysql workload: mariadbd, mariadb-admin, sysbench
    apache2 wrk                                     # http workload's server; bench/fidelity-http.sh reference
    wordpress libapache2-mod-php php-mysql          # two-tier scenario: the app tier (WordPress, mod_php, mysqli)
    chromium                                        # tests: the HTML report rendered headless
    stress-ng                                       # scenarios: host and tenant stressors (cpu, vm, stream, hdd, sock)
    nodejs node-express                             # memory-pressure server=node: the study's Node.js + Express server
    clang libclang-rt-14-dev                        # tests/fuzz: libFuzzer targets (scripts/fuzz.sh)
    ansible-core openssh-server openssh-client      # fleets (deploy/ansible), run --peer ssh://, tests/lib/sshns.sh's namespace hosts
)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "deps.sh: need root to install: ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "deps.sh: all packages present"
