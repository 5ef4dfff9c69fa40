#!/usr/bin/env bash
# Fidelity of isobench's network and block I/O workloads against the
# reference tools, in one run, same path, same pinning. Prints ratios:
#   netbw   tx/rx goodput    vs iperf3 (-R for tx)          target >= 1.00
#   netlat  TCP_RR p50       vs sockperf ping-pong --full-rtt target <= 1.00
#   blockio randread IOPS, seqread MB/s vs fio io_uring direct=1 qd128  >= 1.00
# Path: isobench makes its own peer netns + veth; the references get a twin
# made here (netns + veth, 10.215.0.0/30), removed on exit. Pinning as
# isobench's "auto": netbw server CPU 0 / client highest CPU; netlat both on
# the highest CPU. References and isobench alternate ROUNDS times; medians.
# Usage: bench/fidelity-netio.sh [SECONDS per measurement, default 5]. Root.
set -euo pipefail
cd "$(dirname "$0")/.."
D=${1:-5}
ROUNDS=${ROUNDS:-3}
. bench/lib.sh
bench_init iperf3 sockperf fio
bench_stop() {
    pkill -f "iperf3 -s -p 5399" 2>/dev/null || true
    pkill -f "sockperf sr --tcp -p 5398" 2>/dev/null || true
}

for r in $(seq "$ROUNDS"); do
    echo "round $r/$ROUNDS" >&2
    # ---- netbw vs iperf3
    iso netbw -o duration="$D" >"$work/bw.json"
    metric tx_goodput <"$work/bw.json" >>"$work/iso_tx"
    metric rx_goodput <"$work/bw.json" >>"$work/iso_rx"
    taskset -c 0 iperf3 -s -p 5399 -1 >/dev/null 2>&1 &
    sleep 0.3
    inns taskset -c "$hi" iperf3 -c 10.215.0.1 -p 5399 -t "$D" -R -J >"$work/i.json"
    wait
    python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]/1e9)' "$work/i.json" >>"$work/ref_tx"
    taskset -c 0 iperf3 -s -p 5399 -1 >/dev/null 2>&1 &
    sleep 0.3
    inns taskset -c "$hi" iperf3 -c 10.215.0.1 -p 5399 -t "$D" -J >"$work/i.json"
    wait
    python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]/1e9)' "$work/i.json" >>"$work/ref_rx"
    # ---- netlat TCP_RR vs sockperf ping-pong (100-byte messages both ways)
    iso netlat -o duration="$D" -o modes=tcp -o resp-size=100 >"$work/lat.json"
    metric tcp_rr_p50 <"$work/lat.json" >>"$work/iso_p50"
    taskset -c "$hi" sockperf sr --tcp -p 5398 >/dev/null 2>&1 &
    sp=$!
    sleep 0.5
    inns taskset -c "$hi" sockperf pp --tcp -i 10.215.0.1 -p 5398 -m 100 -t "$D" --full-rtt >"$work/sp.txt" 2>&1 || true
    kill "$sp" 2>/dev/null || true
    wait "$sp" 2>/dev/null || true
    sed -n 's/.*percentile 50.000 = *\([0-9.]*\).*/\1/p' "$work/sp.txt" | head -1 >>"$work/ref_p50"
    # ---- blockio vs fio on the same directory, same size; fio's buffers are malloc'd on base
    # pages, so isobench's are too (pages=normal) for like against like
    # (one thread at QD 128 through io_uring: the named options, not blockio's default job file)
    iso blockio -o jobs=randread,seqread -o engine=io_uring -o runtime="$D" -o file-size=1G -o pages=normal >"$work/bio.json"
    metric randread_iops <"$work/bio.json" >>"$work/iso_rr"
    metric seqread_bw <"$work/bio.json" >>"$work/iso_sr"
    common=(--filename="$work/fio.dat" --size=1G --direct=1 --ioengine=io_uring --iodepth=128
        --runtime="$D" --time_based --output-format=json --name=f)
    fio "${common[@]}" --rw=randread --bs=4k >"$work/f.json"
    python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["jobs"][0]["read"]["iops"])' "$work/f.json" >>"$work/ref_rr"
    fio "${common[@]}" --rw=read --bs=1M >"$work/f.json"
    python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["jobs"][0]["read"]["bw_bytes"]/1e6)' "$work/f.json" >>"$work/ref_sr"
    rm -f "$work/fio.dat"
done

echo "fidelity-netio: ${D}s per measurement, $ROUNDS rounds, medians"
ratio "netbw tx goodput Gbit/s vs iperf3 -R" iso_tx ref_tx ">= 1.00"
ratio "netbw rx goodput Gbit/s vs iperf3" iso_rx ref_rx ">= 1.00"
ratio "netlat tcp_rr p50 us vs sockperf" iso_p50 ref_p50 "<= 1.00"
ratio "blockio randread IOPS vs fio" iso_rr ref_rr ">= 1.00"
ratio "blockio seqread MB/s vs fio" iso_sr ref_sr ">= 1.00"
