#!/usr/bin/env bash
# Wall time of `unet-ts segment` (the whole process, as `time` shows it) with the model's own
# tile (--tile 572: the behaviour before the automatic tile choice) and with the automatic
# choice, alternating, REPS times each (default 3), for synthetic images of the sizes given
# (default 128), with the bundled `small` model on webasm. Prints one line per run and the
# median of each.
#
#   bash scripts/bench/segment-tile.sh [SIZE ...]       e.g. REPS=3 bash scripts/bench/segment-tile.sh 128 400
set -euo pipefail
cd "$(dirname "$0")/../.."
npx tsc -p tsconfig.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
model=models/dsb2018-small.safetensors
reps=${REPS:-3}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for size in "${@:-128}"; do
  npx tsx scripts/bench/synthetic-image.ts "$work/cells$size.png" "$size" "$size" >/dev/null
  declare -A times=()
  for ((r = 1; r <= reps; r++)); do
    for tile in 572 auto; do
      flag=()
      [ "$tile" = auto ] || flag=(--tile "$tile")
      t0=$(date +%s.%N)
      line=$(node dist/cli/main.js segment --model "$model" --out "$work/out" --backend webasm "${flag[@]}" "$work/cells$size.png" 2>/dev/null)
      wall=$(echo "$(date +%s.%N) - $t0" | bc)
      times[$tile]+="$wall "
      echo "${size}×${size} --tile $tile: wall ${wall} s | ${line#*: }"
    done
  done
  for tile in 572 auto; do
    echo "${size}×${size} --tile $tile: median wall $(echo ${times[$tile]} | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') s"
  done
  unset times
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
