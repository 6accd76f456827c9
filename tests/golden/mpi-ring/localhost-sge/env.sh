# shellcheck shell=sh
# Source this file to pass the environment to charliecloud without options.
export HPCSPEC_TARGET=localhost-sge
export LD_LIBRARY_PATH=/opt/hpcspec/host/mpich
export OMP_NUM_THREADS=1
