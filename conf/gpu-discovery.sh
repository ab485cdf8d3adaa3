#!/usr/bin/env bash
# Spark GPU discovery script for spark-mec: prints the GPUs of this machine as a Spark ResourceInformation,
#   {"name": "gpu", "addresses": ["0", "1"]}
# The addresses are GPU ordinals in the NVIDIA driver's numbering (nvidia-smi's index), which is what a MEC
# engine binds to (spark.mec.backend=cuda). Use it as spark.executor.resource.gpu.discoveryScript (YARN,
# Kubernetes) or spark.worker.resource.gpu.discoveryScript (standalone workers).
# nvidia-smi numbers GPUs in PCI bus order, CUDA by default fastest first: set
# spark.executorEnv.CUDA_DEVICE_ORDER=PCI_BUS_ID so that both number them alike. nvidia-smi also ignores
# CUDA_VISIBLE_DEVICES, which renumbers CUDA's GPUs from 0: leave it unset on executors and let Spark
# assign the GPUs.
# Without nvidia-smi it prints an empty address list and says why on stderr; Spark then fails the executor
# if spark.executor.resource.gpu.amount asks for GPUs. If nvidia-smi fails, so does this script (Spark shows
# its stderr).
set -euo pipefail

if ! command -v nvidia-smi >/dev/null 2>&1; then
    echo "gpu-discovery.sh: nvidia-smi not found on $(hostname): no NVIDIA driver here, reporting no GPUs" >&2
    echo '{"name": "gpu", "addresses": []}'
    exit 0
fi

if ! indices="$(nvidia-smi --query-gpu=index --format=csv,noheader)"; then
    echo "gpu-discovery.sh: nvidia-smi --query-gpu=index failed on $(hostname)" >&2
    exit 1
fi

addresses=""
while IFS= read -r index; do
    index="${index//[[:space:]]/}"
    [ -n "$index" ] || continue
    addresses="${addresses:+$addresses, }\"$index\""
done <<< "$indices"

echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"
