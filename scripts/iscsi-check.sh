#!/usr/bin/env bash
# XDC Lab iSCSI check: the lab's iSCSI target against real initiators (libiscsi) and against tgt.
#
#  1. installs libiscsi-bin, tgt and sg3-utils (apt) when their commands are missing;
#  2. starts the lab headless with --iscsi on a temporary lab folder;
#  3. starts tgtd on another port serving a sparse file of the same size as the lab LUN;
#  4. runs iscsi-ls, iscsi-inq, iscsi-readcapacity16 against the lab;
#  5. runs iscsi-perf (128 KiB reads, 16 in flight) against both for a few seconds and prints
#     BENCH iscsi.read.vs_tgt <lab MB/s> MB/s baseline <tgt MB/s> MB/s ratio <r>
#  6. runs iscsi-test-cu (-t ALL, --dataloss) against the lab LUN and the tgt LUN and prints the
#     pass / fail / skip counts per test family side by side ("skip" = a test that passed only by
#     saying [SKIPPED]: the command is not implemented there);
#  and stops ONLY the processes it started (by their pid), then removes its temp folders.
#
# Usage: scripts/iscsi-check.sh [--keep] [--families REGEX]
#   env LAB_ISCSI_PORT (default 3270), TGT_ISCSI_PORT (3271), TGT_CONTROL_PORT (7), PERF_SECONDS (5),
#       ISCSI_GUEST (g4), ISCSI_LUN (0).
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
LAB_PORT=${LAB_ISCSI_PORT:-3270}
TGT_PORT=${TGT_ISCSI_PORT:-3271}
TGT_CTL=${TGT_CONTROL_PORT:-7}
PERF_SECONDS=${PERF_SECONDS:-5}
GUEST=${ISCSI_GUEST:-g4}
LUN=${ISCSI_LUN:-0}
KEEP=0
FAMILIES=''
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) KEEP=1 ;;
    --families) FAMILIES=$2; shift ;;
    *) echo "usage: $0 [--keep] [--families REGEX]" >&2; exit 2 ;;
  esac
  shift
done

need_install=0
for c in iscsi-ls iscsi-inq iscsi-readcapacity16 iscsi-test-cu iscsi-perf tgtd tgtadm; do
  command -v "$c" >/dev/null 2>&1 || need_install=1
done
if [ $need_install = 1 ]; then
  echo "== installing libiscsi-bin tgt sg3-utils (apt)"
  SUDO=''; [ "$(id -u)" != 0 ] && SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libiscsi-bin tgt sg3-utils >/dev/null \
    || { echo "could not install libiscsi-bin/tgt" >&2; exit 1; }
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/xdc-iscsi-check.XXXXXX")
LAB_PID=''
TGT_PID=''
cleanup() {
  [ -n "$LAB_PID" ] && kill "$LAB_PID" 2>/dev/null && wait "$LAB_PID" 2>/dev/null
  if [ -n "$TGT_PID" ] && kill -0 "$TGT_PID" 2>/dev/null; then
    # tgtd ignores SIGTERM while it serves targets: take ours down, then the daemon, by its pid.
    tgtadm -C "$TGT_CTL" --lld iscsi --op delete --mode target --tid 1 --force >/dev/null 2>&1
    tgtadm -C "$TGT_CTL" --op delete --mode system >/dev/null 2>&1
    for _ in $(seq 1 20); do kill -0 "$TGT_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$TGT_PID" 2>/dev/null
    wait "$TGT_PID" 2>/dev/null
  fi
  if [ $KEEP = 1 ]; then echo "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM

echo "== starting the lab headless with --iscsi $LAB_PORT (lab in $WORK/lab)"
# exec: $! is the lab's own process, so the kill above reaches it and nothing else.
bash -c "exec node --import tsx src-main/cli/headless.ts --lab '$WORK/lab' --iscsi $LAB_PORT" >"$WORK/lab.log" 2>&1 &
LAB_PID=$!
for _ in $(seq 1 120); do grep -q '^XDC_ISCSI=' "$WORK/lab.log" 2>/dev/null && break; kill -0 $LAB_PID 2>/dev/null || break; sleep 0.5; done
if ! grep -q '^XDC_ISCSI=' "$WORK/lab.log"; then echo "the lab did not start its iSCSI target:"; cat "$WORK/lab.log"; exit 1; fi
PORTAL=127.0.0.1:$LAB_PORT

echo "== iscsi-ls (SendTargets discovery + REPORT LUNS / INQUIRY / READ CAPACITY per LUN)"
iscsi-ls -s "iscsi://$PORTAL" | tee "$WORK/ls.txt"
IQN=$(grep -o "iqn[^ ]*:$GUEST\b" "$WORK/ls.txt" | head -1)
[ -n "$IQN" ] || { echo "guest $GUEST is not among the targets"; exit 1; }
URL="iscsi://$PORTAL/$IQN/$LUN"
echo "== iscsi-inq $URL"; iscsi-inq "$URL" | head -30
echo "== iscsi-inq -e 1 -c 0x83 (device identification)"; iscsi-inq -e 1 -c 0x83 "$URL"
echo "== iscsi-readcapacity16"; iscsi-readcapacity16 "$URL" | tee "$WORK/cap.txt"
SIZE=$(sed -n 's/^Total size:\([0-9]*\)/\1/p' "$WORK/cap.txt")
[ -n "$SIZE" ] || { echo "no capacity"; exit 1; }

echo "== starting tgtd on 127.0.0.1:$TGT_PORT with a $SIZE-byte file LUN"
truncate -s "$SIZE" "$WORK/tgt-lun.img"
tgtd -f -C "$TGT_CTL" --iscsi "portal=127.0.0.1:$TGT_PORT" >"$WORK/tgtd.log" 2>&1 &
TGT_PID=$!
TGT_IQN=iqn.2001-04.com.example:xdc-lab-baseline
for _ in $(seq 1 40); do tgtadm -C "$TGT_CTL" --lld iscsi --op show --mode target >/dev/null 2>&1 && break; sleep 0.25; done
tgtadm -C "$TGT_CTL" --lld iscsi --op new --mode target --tid 1 -T "$TGT_IQN" &&
  tgtadm -C "$TGT_CTL" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$WORK/tgt-lun.img" &&
  tgtadm -C "$TGT_CTL" --lld iscsi --op bind --mode target --tid 1 -I ALL || { echo "tgtd setup failed"; cat "$WORK/tgtd.log"; exit 1; }
TGT_URL="iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1"

echo "== iscsi-perf reads (before iscsi-test-cu writes anything: both LUNs unwritten), ${PERF_SECONDS}s each"
perf_mbs() {
  # iscsi-perf prints a line per second ending in the average so far; take the last average.
  timeout -s INT "$PERF_SECONDS" iscsi-perf -b 256 -m 16 "$1" 2>&1 | tr '\r' '\n' | grep -Eo '[0-9.]+ MB/s' | tail -1 | grep -Eo '[0-9.]+'
}
LAB_MBS=$(perf_mbs "$URL")
TGT_MBS=$(perf_mbs "$TGT_URL")
if [ -n "$LAB_MBS" ] && [ -n "$TGT_MBS" ]; then
  awk -v a="$LAB_MBS" -v b="$TGT_MBS" 'BEGIN { printf "BENCH iscsi.read.vs_tgt %.1f MB/s baseline %.1f MB/s ratio %.2f\n", a, b, (b > 0 ? a / b : 0) }'
else
  echo "BENCH iscsi.read.vs_tgt skipped: iscsi-perf printed no figure (lab '${LAB_MBS}', tgt '${TGT_MBS}')"
fi

echo "== iscsi-test-cu -t ALL against the lab and against tgt"
timeout 1800 iscsi-test-cu --dataloss -t ALL "$URL" >"$WORK/cu-lab.log" 2>&1
timeout 1800 iscsi-test-cu --dataloss -t ALL "$TGT_URL" >"$WORK/cu-tgt.log" 2>&1

# Per family (CUnit suite): passed / FAILED / passed-but-[SKIPPED].
tally() {
  awk '
    function result(s) { if (s ~ /^passed/) return "pass"; if (s ~ /^FAILED/) return "fail"; return "" }
    function done(r) { if (r == "pass" && skip) r = "skip"; n[suite "\t" r]++; seen[suite] = 1; intest = 0 }
    /^Suite: / { suite = substr($0, 8); order[++k] = suite; next }
    /^  Test: / {
      intest = 1; skip = 0
      rest = substr($0, index($0, "...") + 3)
      r = result(rest)
      if (r != "") { done(r); next }
      if (rest ~ /\[SKIPPED\]/) skip = 1
      next
    }
    intest { r = result($0); if (r != "") { done(r); next } if ($0 ~ /\[SKIPPED\]/) skip = 1 }
    END { for (i = 1; i <= k; i++) { s = order[i]; if (!(s in seen)) continue; printf "%s\t%d\t%d\t%d\n", s, n[s "\tpass"], n[s "\tfail"], n[s "\tskip"] } }
  ' "$1"
}
tally "$WORK/cu-lab.log" >"$WORK/lab.tally"
tally "$WORK/cu-tgt.log" >"$WORK/tgt.tally"
echo
printf '%-26s | %-17s | %-17s | %s\n' 'family' 'lab pass/fail/skip' 'tgt pass/fail/skip' 'note'
printf '%s\n' '---------------------------+-------------------+-------------------+-----------------------------'
worse=0
while IFS=$'\t' read -r fam lp lf ls; do
  [ -n "$FAMILIES" ] && ! [[ $fam =~ $FAMILIES ]] && continue
  read -r tp tf ts < <(awk -F'\t' -v f="$fam" '$1 == f { print $2, $3, $4 }' "$WORK/tgt.tally")
  note=''
  case "$fam" in
    Prin*|Prout*|Reserve6) note='reservations: not supported (20/00 INVALID OPCODE)' ;;
  esac
  if [ "${lf:-0}" -gt "${tf:-0}" ]; then note="${note:+$note; }LAB FAILS MORE THAN TGT"; case "$fam" in Prin*|Prout*|Reserve6) ;; *) worse=1 ;; esac; fi
  printf '%-26s | %5s %5s %5s | %5s %5s %5s | %s\n' "$fam" "$lp" "$lf" "$ls" "${tp:--}" "${tf:--}" "${ts:--}" "$note"
done <"$WORK/lab.tally"
echo
grep -E '^ +tests ' "$WORK/cu-lab.log" | sed 's/^/lab: /'
grep -E '^ +tests ' "$WORK/cu-tgt.log" | sed 's/^/tgt: /'

[ $worse = 0 ] && echo "RESULT: no family where the lab fails a test that tgt passes (reservations excepted)" \
  || echo "RESULT: the lab fails more tests than tgt in some family (see above)"
exit $worse
