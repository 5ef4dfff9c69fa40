#!/usr/bin/env bash
# VM start-up: isobench's vm (QEMU start -> agent ready, its initramfs built
# on the way) vs a bare QEMU booting the same kernel with the same machine
# and accelerator flags and a minimal static /init that powers off at once
# (QEMU start -> exit). Prints medians and the ratio; target <= 1.15.
# Usage: bench/vm.sh [BOOTS, default 5]. Root.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5}
bin=$PWD/build/isobench
[ -x "$bin" ] || { echo "build first: cmake -S . -B build && cmake --build build" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
why=$("$bin" list | awk '$1=="vm" && /unavailable/')
[ -z "$why" ] || { echo "vm unavailable: $why" >&2; exit 2; }
work=$(mktemp -d /tmp/isobench-vmbench-XXXXXX)
trap 'rm -rf "$work"' EXIT
kernel=$(ls -1 /boot/vmlinuz-* | sort -V | tail -1)
accel=$("$bin" doctor | awk '$1=="vm.accel"{print $2}')
[ "$accel" = kvm ] && qaccel=(-accel kvm -cpu host) || qaccel=(-accel tcg,thread=multi -cpu max)
khz=$(awk -F: '/cpu MHz/{printf "%d", $2*1000; exit}' /proc/cpuinfo)
cat >"$work/init.c" <<'C'
#include <sys/reboot.h>
#include <unistd.h>
int main(void) { sync(); reboot(RB_POWER_OFF); return 0; }
C
gcc -static -O2 -o "$work/init" "$work/init.c"
(cd "$work" && echo init | cpio -o -H newc --quiet >initrd.cpio)
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
for i in $(seq "$N"); do
    t0=$(date +%s.%N)
    qemu-system-x86_64 -nodefaults -no-user-config -no-reboot -display none -machine q35 "${qaccel[@]}" \
        -smp "$(nproc)" -m 1024 -kernel "$kernel" -initrd "$work/initrd.cpio" \
        -append "console=ttyS0 panic=-1 quiet rdinit=/init tsc_early_khz=$khz" -serial "file:$work/console.log"
    awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN{print a-b}' >>"$work/bare"
    "$bin" run -w null -e vm -r 1 --no-warmup --db "$work/r.db" >/dev/null 2>&1
done
sqlite3 "$work/r.db" "SELECT value FROM env_facts WHERE key='startup_s'" >"$work/iso"
b=$(median <"$work/bare")
s=$(median <"$work/iso")
echo "vm start ($accel, $N boots, medians): isobench start->agent ready ${s}s, bare QEMU boot->poweroff ${b}s"
awk -v s="$s" -v b="$b" 'BEGIN{printf "ratio isobench/bare %.2f (target <= 1.15)\n", s/b}'
