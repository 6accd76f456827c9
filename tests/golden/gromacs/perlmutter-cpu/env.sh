# shellcheck shell=sh
# Source this file to pass the environment to podman-hpc without options.
export HPCSPEC_TARGET=perlmutter-cpu
export OMP_NUM_THREADS=1
