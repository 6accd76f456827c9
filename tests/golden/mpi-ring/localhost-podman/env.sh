# shellcheck shell=sh
# Source this file to pass the environment to podman without options.
export HPCSPEC_TARGET=localhost-podman
export LD_LIBRARY_PATH=/opt/hpcspec/host/mpich
export OMP_NUM_THREADS=1
