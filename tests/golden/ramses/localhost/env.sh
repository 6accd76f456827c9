# shellcheck shell=sh
# Source this file to pass binds and environment to apptainer without --bind or --env-file.
export APPTAINER_BIND=/usr/lib/x86_64-linux-gnu/libmpich.so.12:/opt/hpcspec/host/mpi/libmpich.so.12:ro
export APPTAINERENV_HPCSPEC_TARGET=localhost
export APPTAINERENV_LD_LIBRARY_PATH=/opt/hpcspec/host/mpi:/.singularity.d/libs
export APPTAINERENV_OMP_NUM_THREADS=1
