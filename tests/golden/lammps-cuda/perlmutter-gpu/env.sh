# shellcheck shell=sh
# Source this file to pass the environment to podman-hpc without options.
export HPCSPEC_TARGET=perlmutter-gpu
export LD_PRELOAD=/opt/udiImage/modules/mpich/libmpi_gtl_cuda.so.0
export MPICH_GPU_SUPPORT_ENABLED=1
export OMP_NUM_THREADS=16
