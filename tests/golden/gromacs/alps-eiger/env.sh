# shellcheck shell=sh
# Source this file to pass the environment to container-engine without options.
export HPCSPEC_TARGET=alps-eiger
export OMP_NUM_THREADS=1
