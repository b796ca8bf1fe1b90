#!/usr/bin/env bash
# Run every benchmark (figures, not tests): bash benchmarks/run_all.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck disable=SC1091
source "${TILELANG_TT_VENV:-../.venv}/bin/activate"
python lowering_latency.py
python scaling.py
python sim_throughput.py
python canonical_gemm.py
python cost_model.py --arch wormhole_b0
python cost_model.py --arch blackhole
python cost_model_calibration.py
python gemm_schedules.py
python flash_attention.py
python numerics.py
python call_latency.py
