# shellcheck shell=sh
# Source this file to pass the environment to container-engine without options.
export HPCSPEC_TARGET=alps-daint
export MPIR_CVAR_CH4_OFI_ENABLE_HMEM=1
export OMP_NUM_THREADS=72
