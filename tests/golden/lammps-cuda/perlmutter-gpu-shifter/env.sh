# shellcheck shell=sh
# Source this file to pass the environment to shifter without options.
export HPCSPEC_TARGET=perlmutter-gpu-shifter
export MPICH_GPU_SUPPORT_ENABLED=1
export OMP_NUM_THREADS=16
