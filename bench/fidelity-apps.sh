#!/usr/bin/env bash
# Fidelity of isobench's application workloads, in one run, same path and
# pinning as isobench's native run. Prints ratios:
#   redis  peak req/s of isobench's load generator vs redis-benchmark
#          (-P 10 -c N -d 50 -t get,set -r 100000; its rate = both tests'
#          requests over both tests' time) at the same client counts, both
#          on the same 100000-key space (isobench -o keyspace=100000: the
#          paper's growing keyspace is a heavier load for the server, so
#          it would not compare the generators)                  >= 1.00
#   redis  load generator CPU per request vs redis-benchmark's   <= 1.00
#   mysql  tps of isobench's sysbench sweep vs plain sysbench by hand on a
#          server built by hand the same way, per thread count  0.95..1.05
# Path: the references run from a twin of the peer namespace made here
# (netns + veth, bench/lib.sh) against servers started here with the same
# options isobench uses: redis-server pinned to CPU 0 and the load to the
# highest CPU. mariadbd and sysbench are placed alike on both sides, by
# PIN: split (default: mariadbd on CPU 0, sysbench on the highest, as
# isobench's -o cpu-server=0 -o cpu-client=N), same (both on CPU 0) or
# none (unpinned, the workload's defaults). Unpinned, one sysbench thread
# runs about twice as fast when the scheduler happens to put it on the
# CPU of the server thread it talks to, so an unpinned comparison
# measures placement, not the tools (docs/workloads.md, "mysql").
# Usage: bench/fidelity-apps.sh [SECONDS per client/thread count, default 5].
# ROUNDS (default 1) repeats everything; medians. Root.
set -euo pipefail
cd "$(dirname "$0")/.."
D=${1:-5}
ROUNDS=${ROUNDS:-1}
CLIENTS=${CLIENTS:-1,2,4,8,16,32,64,128}
THREADS=${THREADS:-1,4,16}
PIN=${PIN:-split}
. bench/lib.sh
bench_init redis-server redis-benchmark mariadbd sysbench mariadb-admin
case $PIN in
split) srv_pin=(taskset -c 0) cli_pin=(taskset -c "$hi") iso_pin=(-o cpu-server=0 -o cpu-client="$hi") ;;
same) srv_pin=(taskset -c 0) cli_pin=(taskset -c 0) iso_pin=(-o cpu-server=0 -o cpu-client=0) ;;
none) srv_pin=() cli_pin=() iso_pin=() ;;
*) echo "PIN must be split, same or none" >&2; exit 2 ;;
esac
RPORT=5397
MPORT=5396
bench_stop() {
    redis-cli -h 10.215.0.1 -p $RPORT shutdown nosave >/dev/null 2>&1 || true
    mariadb-admin --no-defaults --protocol=tcp -h 10.215.0.1 -P $MPORT -u sbtest -pisobench \
        shutdown >/dev/null 2>&1 || true
    sleep 0.5
    pkill -f "mariadbd --no-defaults --datadir=$work" 2>/dev/null || true
}

# ---- redis: isobench's sweep, then redis-benchmark at the same counts
redis_round() {
    iso redis -o clients="$CLIENTS" -o duration="$D" -o warmup=1 -o keyspace=100000 >"$work/redis.json"
    local peak=0 n rps
    metric peak_rps <"$work/redis.json" >>"$work/iso_redis_peak"
    fact client.redis.loadgen_cpu_us_per_req <"$work/redis.json" >>"$work/iso_redis_cpu"
    taskset -c 0 redis-server --port $RPORT --bind 10.215.0.1 --protected-mode no --save "" \
        --appendonly no --dir "$work" --daemonize yes --logfile "$work/redis.log"
    for i in $(seq 100); do redis-cli -h 10.215.0.1 -p $RPORT ping >/dev/null 2>&1 && break; sleep 0.05; done
    local cpu_total=0 req_total=0
    for n in ${CLIENTS//,/ }; do
        # as many requests as isobench completed in D seconds at this count
        rps=$(metric "c${n}_rps" <"$work/redis.json")
        local req
        req=$(awk -v r="$rps" -v d="$D" 'BEGIN{printf "%d", r*d/2}')
        local t0 t1 c0 c1
        TIMEFORMAT='%3U %3S'
        { time inns taskset -c "$hi" redis-benchmark -h 10.215.0.1 -p $RPORT -P 10 -c "$n" -d 50 \
            -t set,get -n "$req" -r 100000 --csv >"$work/rb.csv" 2>/dev/null; } 2>"$work/rb.time"
        # the two tests' rate: all requests over the sum of their times
        rate=$(python3 -c '
import csv,sys
rows=[r for r in csv.reader(open(sys.argv[1])) if r and r[0] in ("SET","GET")]
n=int(sys.argv[2]); print(2*n/sum(n/float(r[1]) for r in rows))' "$work/rb.csv" "$req")
        peak=$(awk -v a="$peak" -v b="$rate" 'BEGIN{print (b>a)?b:a}')
        echo "  redis c=$n: isobench $rps req/s, redis-benchmark $rate req/s" >&2
        cpu_total=$(awk -v a="$cpu_total" -v t="$(cat "$work/rb.time")" 'BEGIN{split(t,x," "); print a+x[1]+x[2]}')
        req_total=$((req_total + 2 * req))
    done
    echo "$peak" >>"$work/ref_redis_peak"
    awk -v c="$cpu_total" -v n="$req_total" 'BEGIN{print c/n*1e6}' >>"$work/ref_redis_cpu"
    redis-cli -h 10.215.0.1 -p $RPORT shutdown nosave >/dev/null 2>&1 || true
}

# ---- mysql: isobench's sweep, and the same by hand (the order alternates
# between rounds, so drift does not favour either)
mysql_iso() {
    iso mysql -o threads="$THREADS" -o duration="$D" -o warmup=2 -o stop-gain=0 "${iso_pin[@]}" >"$work/mysql.json"
    for t in ${THREADS//,/ }; do
        metric "t${t}_tps" <"$work/mysql.json" >>"$work/iso_mysql_t$t"
        echo "  mysql t=$t: isobench $(metric "t${t}_tps" <"$work/mysql.json") tps" >&2
    done
}
mysql_by_hand() {
    local dd=$work/mysql
    rm -rf "$dd" && mkdir "$dd"
    {
        printf "create database if not exists mysql;\nuse mysql;\nSET @auth_root_socket=NULL;\n"
        cat /usr/share/mysql/mysql_system_tables.sql /usr/share/mysql/mysql_performance_tables.sql \
            /usr/share/mysql/mysql_system_tables_data.sql
        printf "CREATE DATABASE sbtest;\nINSERT INTO mysql.global_priv (Host,User,Priv) VALUES ('%%','sbtest',JSON_OBJECT('access',18446744073709551615,'plugin','mysql_native_password','authentication_string',PASSWORD('isobench')));\n"
    } | mariadbd --no-defaults --bootstrap --datadir="$dd" --user=root --log-warnings=0 \
        --enforce-storage-engine= --lc-messages-dir=/usr/share/mysql --innodb-log-file-size=256M \
        >"$work/boot.log" 2>&1
    "${srv_pin[@]}" mariadbd --no-defaults --datadir="$dd" --user=root --port=$MPORT --bind-address=10.215.0.1 \
        --socket="$dd/sock" --pid-file="$dd/pid" --innodb-buffer-pool-size=1G \
        --innodb-log-file-size=256M --skip-name-resolve --max-connections=2000 \
        --lc-messages-dir=/usr/share/mysql >"$work/mysqld.log" 2>&1 &
    for i in $(seq 200); do
        inns mariadb-admin --no-defaults --protocol=tcp -h 10.215.0.1 -P $MPORT -u sbtest -pisobench ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    local sb=("${cli_pin[@]}" sysbench oltp_read_write --db-driver=mysql --mysql-host=10.215.0.1 --mysql-port=$MPORT
        --mysql-user=sbtest --mysql-password=isobench --mysql-db=sbtest --tables=4 --table-size=100000)
    inns "${sb[@]}" --threads=4 prepare >/dev/null
    inns "${sb[@]}" --threads=8 --time=2 --rand-seed=1 run >/dev/null # isobench's warm-up
    for t in ${THREADS//,/ }; do
        inns "${sb[@]}" --threads="$t" --time="$D" --rand-seed=1 --percentile=95 run >"$work/sb.txt"
        ref=$(sed -n 's/.*transactions: *[0-9]* *(\([0-9.]*\) per sec.*/\1/p' "$work/sb.txt")
        echo "$ref" >>"$work/ref_mysql_t$t"
        echo "  mysql t=$t: by hand $ref tps" >&2
    done
    inns mariadb-admin --no-defaults --protocol=tcp -h 10.215.0.1 -P $MPORT -u sbtest -pisobench shutdown
    wait
    rm -rf "$dd"
}

for r in $(seq "$ROUNDS"); do
    echo "round $r/$ROUNDS" >&2
    redis_round
    if [ $((r % 2)) = 1 ]; then mysql_iso; mysql_by_hand; else mysql_by_hand; mysql_iso; fi
done
echo "fidelity-apps: ${D}s per client/thread count, $ROUNDS round(s), medians; mysql placement $PIN"
ratio "redis peak req/s vs redis-benchmark" iso_redis_peak ref_redis_peak ">= 1.00"
ratio "redis load CPU us/req vs redis-benchmark" iso_redis_cpu ref_redis_cpu "<= 1.00"
for t in ${THREADS//,/ }; do
    ratio "mysql ${t} threads tps vs sysbench by hand" "iso_mysql_t$t" "ref_mysql_t$t" "0.95..1.05"
done
